import type { Configuration } from 'oidc-provider';

import type { Lifetimes } from '../../config/settings.js';

/**
 * PSC lifetimes (psc-contract.md §6): access token 120 s, refresh token 1800 s, SSO session 4 h
 * absolute with 30 min idle, authorization code 60 s; all from settings.
 */
export function pscTtl(ttl: Lifetimes): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: ttl.accessToken,
    IdToken: ttl.accessToken, // Keycloak habit: the ID token expires with the access token
    AuthorizationCode: ttl.authorizationCode,
    RefreshToken: ttl.refreshToken,
    BackchannelAuthenticationRequest: ttl.ciba,
    Interaction: ttl.interaction,
    // The grant bounds a refresh chain: it cannot outlive the absolute session lifetime.
    Grant: ttl.session,
    // Each save of the session extends it by the idle lifetime, never past its absolute end.
    Session: (_ctx, session) => {
      const loginTs = (session as { loginTs?: number }).loginTs;
      if (!loginTs) return ttl.sessionIdle;
      const remaining = loginTs + ttl.session - Math.floor(Date.now() / 1000);
      return Math.max(1, Math.min(ttl.sessionIdle, remaining));
    },
  };
}
