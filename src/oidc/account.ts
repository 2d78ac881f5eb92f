import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import type { Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';
import { buildPscClaims, ID_TOKEN_CLAIMS, loadProfessional, nationalIdOf } from '../directory/claims.js';
import { authModeFromAmr } from './psc/auth-mode.js';

/**
 * Accounts are the professionals of the mirror: the account id is PSC's `sub`
 * (`f:<uuid>:<national id>`). An account exists only while the professional is in the mirror with
 * a current activity, so a deactivated professional can no longer obtain or refresh tokens.
 */
export function createFindAccount(db: Kysely<Schema>, subjectUuid: string): FindAccount {
  return async (_ctx, sub, token) => {
    const nationalId = nationalIdOf(sub);
    if (!nationalId) return undefined;
    const professional = await loadProfessional(db, nationalId);
    if (!professional) return undefined;
    const t = token as { amr?: string[]; extra?: { authMode?: string } } | undefined;
    const authMode = (t?.extra?.authMode as 'CARD' | 'MOBILE' | undefined) ?? authModeFromAmr(t?.amr);
    const claims = buildPscClaims(professional, authMode, subjectUuid);
    const account: Account = {
      accountId: sub,
      async claims(use) {
        if (use === 'id_token') {
          // The ID token carries the identity PSC puts there, not the whole professional record.
          return Object.fromEntries([['sub', sub], ...ID_TOKEN_CLAIMS.map((k) => [k, claims[k]])]) as AccountClaims;
        }
        return claims as AccountClaims;
      },
    };
    return account;
  };
}
