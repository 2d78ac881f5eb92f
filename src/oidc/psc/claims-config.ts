import { SCOPE_ALL_CLAIMS } from '../../directory/claims.js';

/**
 * Scopes and the claims they release. `scope_all` releases every PSC claim (psc-contract.md §10.2).
 * Other scopes PSC advertises (identity, rpps, eidas1…) are accepted and ignored: oidc-provider
 * drops scopes it does not know instead of failing the request.
 */
export const PSC_CLAIMS = {
  // Keycloak puts acr and auth_time in every ID token and PSC relying parties read acr=eidas1
  // there (psc-contract.md §9); oidc-provider only adds them when requested (acr_values, max_age)
  // unless the openid scope releases them. Userinfo is unaffected: accounts have no such claims.
  openid: ['sub', 'acr', 'auth_time'],
  scope_all: [...SCOPE_ALL_CLAIMS],
} as const;

export const PSC_SCOPES = ['openid', 'offline_access', 'scope_all'] as const;
