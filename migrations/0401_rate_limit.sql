-- Rate-limit counters shared by every node: one row per key (rule + client IP) and fixed window.
-- A sliding window is estimated from the current and the previous window (see src/http/rate-limit.ts).
-- UNLOGGED: counters are worth less than the write-ahead log they would cost; a crash resets them.
CREATE UNLOGGED TABLE rate_limit_window (
  key           text        NOT NULL,
  window_start  timestamptz NOT NULL,
  hits          integer     NOT NULL,
  -- Two windows after the start: by then the row weighs nothing in any estimate.
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_window_expires_at ON rate_limit_window (expires_at);
