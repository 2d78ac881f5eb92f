-- Card login challenges (src/authenticators/card/store.ts): 32 random bytes the card signs, bound
-- to one login interaction, short-lived, usable once. Rows are purged some time after expiry.
CREATE TABLE card_challenge (
  id               text        PRIMARY KEY,
  interaction_uid  text        NOT NULL,
  challenge        bytea       NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  consumed_at      timestamptz
);
CREATE INDEX card_challenge_interaction_uid ON card_challenge (interaction_uid);
CREATE INDEX card_challenge_expires_at ON card_challenge (expires_at);
