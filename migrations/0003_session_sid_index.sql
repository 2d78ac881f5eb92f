-- oidc-provider issues one `sid` per client inside a session (payload.authorizations.<client>.sid).
-- Cookieless logout (src/oidc/psc/cookieless-logout.ts) finds the session by containment.
CREATE INDEX oidc_payload_session_authorizations ON oidc_payload
  USING gin ((payload -> 'authorizations') jsonb_path_ops) WHERE model = 'Session';
