-- e-CPS: the professional's phone as an authenticator (docs/ecps.md).
-- Nothing here is published in claims. Secrets are stored hashed (codes) or encrypted (TOTP).

-- Personal contacts used only to activate a device; the Annuaire Santé does not publish them.
CREATE TABLE ecps_contact (
  national_id  text        PRIMARY KEY,
  email        text,
  mobile       text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One activation attempt: one code sent by email, one by SMS, both required.
CREATE TABLE ecps_activation (
  id               text        PRIMARY KEY,
  national_id      text        NOT NULL,
  email_code_hash  text,       -- HMAC-SHA256 of the code; NULL when no contact (never completes)
  sms_code_hash    text,
  tries            integer     NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  consumed_at      timestamptz
);
CREATE INDEX ecps_activation_national_id ON ecps_activation (national_id, created_at);

-- An activated phone: its ES256 public key and its TOTP secret (AES-256-GCM, KEYS_ENCRYPTION_KEY).
CREATE TABLE ecps_device (
  id                     text        PRIMARY KEY,
  national_id            text        NOT NULL,
  name                   text        NOT NULL DEFAULT '',
  public_jwk             jsonb       NOT NULL,
  totp_secret_encrypted  text        NOT NULL,
  last_totp_step         bigint      NOT NULL DEFAULT 0,   -- a code's time-step is usable once
  push_token             text,                             -- for an external push gateway
  status                 text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at             timestamptz NOT NULL DEFAULT now(),
  last_seen_at           timestamptz,
  revoked_at             timestamptz
);
CREATE INDEX ecps_device_national_id ON ecps_device (national_id) WHERE status = 'active';

-- A request for approval on the phone: a browser login (interaction) or a CIBA request.
CREATE TABLE ecps_approval (
  id              text        PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('login', 'ciba')),
  national_id     text        NOT NULL,
  interaction_uid text,
  auth_req_id     text,
  client_id       text        NOT NULL,
  client_name     text        NOT NULL,
  code            text        NOT NULL,                    -- two digits shown on both sides
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  device_id       text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  answered_at     timestamptz
);
CREATE INDEX ecps_approval_pending ON ecps_approval (national_id, created_at) WHERE status = 'pending';

-- Nonces (JWS jti) of device requests: each is accepted once.
CREATE TABLE ecps_nonce (
  jti         text        PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX ecps_nonce_expires ON ecps_nonce (expires_at);

-- Try limits on guessable things (OTP per national id / per client address, activation, push).
CREATE TABLE ecps_throttle (
  key           text        PRIMARY KEY,
  failures      integer     NOT NULL DEFAULT 0,
  window_start  timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz
);
