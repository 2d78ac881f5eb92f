import { SCOPE_ALL_CLAIMS } from '../../directory/claims.js';

/**
 * Scopes and the claims they release. `scope_all` releases every PSC claim (psc-contract.md §10.2).
 * Other scopes PSC advertises (identity, rpps, eidas1…) are accepted and ignored: oidc-provider
 * drops scopes it does not know instead of failing the request.
 */
export const PSC_CLAIMS = {
  openid: ['sub'],
  scope_all: [...SCOPE_ALL_CLAIMS],
} as const;

export const PSC_SCOPES = ['openid', 'offline_access', 'scope_all'] as const;
