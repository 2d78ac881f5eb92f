-- CIBA requests that reached a professional's device, for the per-professional limits
-- (src/oidc/ciba-limits.ts): how many are pending (not answered, not expired) and how many were
-- sent within RATE_LIMIT_CIBA_WINDOW. Kept here rather than read from oidc_payload, whose
-- CIBA rows are purged before a long window ends. A row is written once the limits admitted the
-- request, marked answered when the device answers, and purged after the window and the expiry.
CREATE TABLE ciba_request (
  auth_req_id  text        PRIMARY KEY,
  national_id  text        NOT NULL,
  client_id    text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  answered_at  timestamptz
);
-- The count behind every backchannel authentication request: one professional's recent rows.
CREATE INDEX ciba_request_national_id_created_at ON ciba_request (national_id, created_at);
-- The purge.
CREATE INDEX ciba_request_created_at ON ciba_request (created_at);
