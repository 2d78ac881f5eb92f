-- oidc-provider state: every model the provider persists (sessions, grants, codes, tokens,
-- interactions, CIBA requests, replay detection…) in one table, keyed by (model, id).
CREATE TABLE oidc_payload (
  model       text        NOT NULL,
  id          text        NOT NULL,
  payload     jsonb       NOT NULL,
  grant_id    text,
  user_code   text,
  uid         text,
  expires_at  timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payload_grant_id ON oidc_payload (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payload_user_code ON oidc_payload (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payload_uid ON oidc_payload (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payload_expires_at ON oidc_payload (expires_at) WHERE expires_at IS NOT NULL;

-- Registered relying parties. The secret is encrypted with KEYS_ENCRYPTION_KEY (AES-256-GCM):
-- oidc-provider needs it in clear to check client_secret_* and HS* signatures, so it cannot be a hash.
CREATE TABLE oidc_client (
  client_id         text        PRIMARY KEY,
  metadata          jsonb       NOT NULL,
  secret_encrypted  text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Signing keys. The private JWK is encrypted with KEYS_ENCRYPTION_KEY. Status:
--   active   signs new tokens (one per algorithm);
--   verify   no longer signs, still published in the JWKS so that issued tokens verify;
--   retired  withdrawn from the JWKS.
CREATE TABLE signing_key (
  kid                  text        PRIMARY KEY,
  alg                  text        NOT NULL,
  status               text        NOT NULL CHECK (status IN ('active', 'verify', 'retired')),
  public_jwk           jsonb       NOT NULL,
  private_jwk_encrypted text       NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  rotated_at           timestamptz,
  retired_at           timestamptz
);
CREATE UNIQUE INDEX signing_key_one_active_per_alg ON signing_key (alg) WHERE status = 'active';
