/**
 * Keycloak endpoint paths, relative to the issuer `/auth/realms/<realm>` (psc-contract.md §2).
 * Relying parties hard-code these: a change breaks them even when discovery is right.
 */
export const PSC_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
  jwks: '/protocol/openid-connect/certs',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  backchannel_authentication: '/protocol/openid-connect/ext/ciba/auth',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
} as const;

/** PSC's non-standard discovery path, served beside the standard one with the same document. */
export const WALLET_DISCOVERY_PATH = '/.well-known/wallet-openid-configuration';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
