-- Last poll of each CIBA auth_req_id at the token endpoint, shared by all nodes, so that a
-- client polling faster than the announced interval gets `slow_down` (CIBA Core §11).
CREATE TABLE ciba_poll (
  auth_req_id    text        PRIMARY KEY,
  last_polled_at timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX ciba_poll_expires_at ON ciba_poll (expires_at);
