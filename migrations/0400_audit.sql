-- Audit log of authentications (login interactions and CIBA requests), for support and security
-- review: who tried to log in, with which means, for which relying party, and how it ended.
-- Never a secret: no PIN, code, token or cookie, in any column or in `details`.
CREATE TABLE audit_event (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  event_type     text        NOT NULL,
  -- Absent when the attempt failed before anyone was identified (unknown card, bad login_hint).
  national_id    text,
  authenticator  text,
  client_id      text,
  outcome        text        NOT NULL CHECK (outcome IN ('success', 'failure', 'aborted')),
  -- The stable error code of the failure (e.g. CARD_PIN_LOCKED, access_denied).
  error_code     text,
  ip             text,
  request_id     text,
  details        jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_event_at ON audit_event (at);
CREATE INDEX audit_event_national_id_at ON audit_event (national_id, at) WHERE national_id IS NOT NULL;
