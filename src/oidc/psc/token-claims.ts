import type { KoaContextWithOIDC } from 'oidc-provider';

import { nationalIdOf } from '../../directory/claims.js';
import { authModeFromAmr } from './auth-mode.js';

/** TRE_G08 type digit (first character of the national id) → `otherIds[].origine`. */
const ORIGINE: Record<string, string> = { '0': 'ADELI', '8': 'RPPS' };

interface Source {
  amr?: string[];
  acr?: string;
  authTime?: number;
  nonce?: string;
  sid?: string;
  grantId?: string;
}

/** The code, refresh token or CIBA request the current token is being issued from. */
function sourceOf(ctx: KoaContextWithOIDC): Source | undefined {
  const e = ctx.oidc?.entities as Record<string, Source | undefined> | undefined;
  return e?.AuthorizationCode ?? e?.RefreshToken ?? e?.BackchannelAuthenticationRequest;
}

/**
 * Claims PSC puts in access tokens (samples/access-token-payload-2023.json) and returns at
 * introspection: `authMode`, `otherIds`, `preferred_username`, `nonce` (`""` when none),
 * `session_state` (= `sid`), `acr`, `auth_time`; plus `SubjectNameID` and `username`, which the
 * JWT leaves out (see access-token-jwt.ts) and introspection returns.
 */
export function pscExtraTokenClaims(ctx: KoaContextWithOIDC, token: { accountId?: string; sid?: string; grantId?: string; clientId?: string; jti?: string }): Record<string, unknown> | undefined {
  if (!token.accountId) return undefined;
  const nationalId = nationalIdOf(token.accountId) ?? token.accountId;
  const source = sourceOf(ctx);
  return {
    // jti and azp as in PSC's introspection responses (the JWT carries them anyway)
    jti: token.jti,
    azp: token.clientId,
    auth_time: source?.authTime,
    typ: 'Bearer',
    nonce: source?.nonce ?? '',
    session_state: token.sid ?? source?.sid ?? token.grantId,
    sid: token.sid ?? source?.sid ?? token.grantId,
    acr: source?.acr,
    authMode: authModeFromAmr(source?.amr),
    otherIds: [{ identifiant: nationalId, origine: ORIGINE[nationalId[0] ?? ''] ?? 'RPPS', qualite: 1 }],
    preferred_username: nationalId,
    SubjectNameID: nationalId,
    username: nationalId,
  };
}

/**
 * Keycloak's token-response furniture that PSC relying parties read (psc-contract.md §7):
 * `refresh_expires_in`, `session_state` (the access token's), `not-before-policy`.
 */
export function decorateTokenResponse(body: Record<string, unknown>, refreshTtl: number): void {
  if (typeof body.access_token !== 'string') return;
  const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  if (body.refresh_token) body.refresh_expires_in = refreshTtl;
  if (payload.session_state) body.session_state = payload.session_state;
  body['not-before-policy'] = 0;
}
