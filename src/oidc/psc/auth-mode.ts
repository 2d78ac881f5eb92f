import type { AuthMode } from '../../directory/claims.js';

/**
 * `authMode` (PSC claim) is derived from the RFC 8176 `amr` the authenticator recorded at login:
 * a smart card (`sc`) is CARD; the e-CPS (software key `swk`, or `otp`) is MOBILE.
 */
export function authModeFromAmr(amr: readonly string[] | undefined): AuthMode {
  return amr?.includes('sc') ? 'CARD' : 'MOBILE';
}
