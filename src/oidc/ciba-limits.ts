import { sql, type Kysely } from 'kysely';
import { errors } from 'oidc-provider';

import type { Schema } from '../db/schema.js';

/**
 * Per-professional limits on CIBA requests (RATE_LIMIT_CIBA_*): any client allowed to use CIBA
 * can otherwise make a professional's phone ring as often as it likes, with a national id for
 * login_hint. Counted in PostgreSQL (table ciba_request, migrations/0402_ciba_limits.sql) so that
 * they hold across nodes; 0 turns a limit off.
 *
 * @example
 *   const limits = new CibaLimits(database.db, { pending: 3, perWindow: 10, windowSeconds: 900 });
 *   const refusal = await limits.admit({ authReqId, nationalId, clientId, lifetimeSeconds: 120 });
 *   if (refusal) throw new CibaLimitError(refusal.description); // 403 access_denied, nothing sent
 *   // … the device answers:
 *   await markCibaAnswered(database.db, authReqId);
 */

export interface CibaLimitSettings {
  /** Pending requests (not answered, not expired) per professional; 0: no limit. */
  pending: number;
  /** Requests per professional per window; 0: no limit. */
  perWindow: number;
  windowSeconds: number;
}

export interface CibaRefusal {
  /** Stable code of the audit row. */
  errorCode: 'CIBA_TOO_MANY_PENDING' | 'CIBA_TOO_MANY_REQUESTS';
  /** error_description for the relying party. */
  description: string;
  limit: number;
  windowSeconds?: number;
}

export interface CibaAdmission {
  authReqId: string;
  nationalId: string;
  clientId: string;
  /** Lifetime of the request: it stops counting as pending after it. */
  lifetimeSeconds: number;
}

/**
 * CIBA Core §13 lets the OP refuse a request with `access_denied`, HTTP 403; oidc-provider's
 * AccessDenied is a 400 (its token-endpoint use), so the status is set here.
 */
export class CibaLimitError extends errors.AccessDenied {
  constructor(description: string) {
    super(description);
    this.status = 403;
    this.statusCode = 403;
  }
}

/** First key of the per-professional advisory lock (the second is the national id's hash). */
const LOCK_SPACE = 0x0c1ba;

const seconds = (n: number) => sql<Date>`make_interval(secs => ${n})`;

export class CibaLimits {
  constructor(private readonly db: Kysely<Schema>, private readonly limits: CibaLimitSettings) {}

  get enabled(): boolean {
    return this.limits.pending > 0 || this.limits.perWindow > 0;
  }

  /**
   * Records the request and returns undefined, or returns the limit it is past and records
   * nothing (a refused request sent nothing, so it does not count). Count and insert run in one
   * transaction under a lock on the professional: concurrent requests, on any node, cannot all
   * slip under the limit together.
   */
  async admit(r: CibaAdmission): Promise<CibaRefusal | undefined> {
    if (!this.enabled) return undefined;
    const { pending, perWindow, windowSeconds } = this.limits;
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_SPACE}::int, hashtext(${r.nationalId}))`.execute(trx);
      const { rows: [counts] } = await sql<{ pending: number; recent: number }>`
        SELECT count(*) FILTER (WHERE answered_at IS NULL AND expires_at > now())::int AS pending,
               count(*) FILTER (WHERE created_at > now() - ${seconds(windowSeconds)})::int AS recent
        FROM ciba_request
        WHERE national_id = ${r.nationalId}
          AND (created_at > now() - ${seconds(windowSeconds)} OR expires_at > now())`.execute(trx);
      if (pending > 0 && counts!.pending >= pending) {
        return {
          errorCode: 'CIBA_TOO_MANY_PENDING' as const, limit: pending,
          description: `too many pending authentication requests for this user (at most ${pending}): wait until they are answered or expire`,
        };
      }
      if (perWindow > 0 && counts!.recent >= perWindow) {
        return {
          errorCode: 'CIBA_TOO_MANY_REQUESTS' as const, limit: perWindow, windowSeconds,
          description: `too many authentication requests for this user (at most ${perWindow} per ${windowSeconds} s): try again later`,
        };
      }
      await trx.insertInto('ciba_request').values({
        auth_req_id: r.authReqId, national_id: r.nationalId, client_id: r.clientId,
        created_at: sql<Date>`now()`, expires_at: sql<Date>`now() + ${seconds(r.lifetimeSeconds)}`,
      }).execute();
      return undefined;
    });
  }

  /** Forgets an admitted request that reached no device (its channel failed): it does not count. */
  async release(authReqId: string): Promise<void> {
    if (!this.enabled) return;
    await this.db.deleteFrom('ciba_request').where('auth_req_id', '=', authReqId).execute();
  }
}

/** The device answered (approved or refused): the request is no longer pending. */
export async function markCibaAnswered(db: Kysely<Schema>, authReqId: string): Promise<void> {
  await db.updateTable('ciba_request').set({ answered_at: sql<Date>`now()` })
    .where('auth_req_id', '=', authReqId).where('answered_at', 'is', null).execute();
}

/** Deletes rows that count for no limit any more (past the window and expired); returns how many. */
export async function purgeCibaRequests(db: Kysely<Schema>, windowSeconds: number): Promise<number> {
  const result = await db.deleteFrom('ciba_request')
    .where('created_at', '<', sql<Date>`now() - ${seconds(windowSeconds)}`)
    .where('expires_at', '<', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
