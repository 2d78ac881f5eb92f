import type { Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';

/**
 * The audit log of authentications (table audit_event, migrations/0400_audit.sql): one row per
 * login or CIBA outcome. Writers pass what they know; secrets never reach the table, even by
 * mistake in `details` (see withoutSecrets).
 *
 * @example
 *   await recordAuthentication(database.db, {
 *     type: 'login', nationalId: '899700427885', authenticator: 'card', clientId: 'rp-demo',
 *     outcome: 'failure', errorCode: 'CARD_PIN_INVALID', ip: ctx.ip, requestId: ctx.state.requestId,
 *     details: { triesLeft: 2 },
 *   });
 *   const last = await listAuthentications(database.db, { nationalId: '899700427885', limit: 20 });
 */

export type AuthenticationEventType = 'login' | 'ciba';
export type AuthenticationOutcome = 'success' | 'failure' | 'aborted';

export interface AuthenticationEvent {
  type: AuthenticationEventType;
  nationalId?: string;
  /** 'card', 'ecps', … */
  authenticator?: string;
  clientId?: string;
  outcome: AuthenticationOutcome;
  /** Stable error code of a failure (CARD_PIN_LOCKED, access_denied…). */
  errorCode?: string;
  ip?: string;
  requestId?: string;
  /** Extra facts (tries left, channel, amr). Keys that name secrets are dropped. */
  details?: Record<string, unknown>;
}

export interface RecordedAuthentication extends Omit<AuthenticationEvent, 'details'> {
  id: number;
  at: Date;
  details: Record<string, unknown>;
}

export interface AuthenticationQuery {
  nationalId?: string;
  since?: Date;
  /** Newest first; at most 1000. */
  limit: number;
}

/** Keys never stored, at any depth of `details`. */
const SECRET_KEY = /^(password|pin|otp|code|secret|client_?secret|token|access_?token|refresh_?token|id_?token|authorization|cookie|private_?key|private_?jwk|set-cookie)$/i;
/** A detail that big is a bug (a whole request dumped): it is cut rather than stored. */
const MAX_DETAILS_CHARS = 4096;
/** Free-text columns are bounded: they come partly from the request. */
const MAX_TEXT = 200;

export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value)
      .filter(([k]) => !SECRET_KEY.test(k))
      .map(([k, v]) => [k, withoutSecrets(v, depth + 1)]));
  }
  return value;
}

function detailsJson(details: Record<string, unknown> | undefined): string {
  const json = JSON.stringify(withoutSecrets(details ?? {}));
  return json.length <= MAX_DETAILS_CHARS ? json : JSON.stringify({ truncated: true, size: json.length });
}

const text = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v.slice(0, MAX_TEXT));

/** Appends one authentication outcome to the audit log. */
export async function recordAuthentication(db: Kysely<Schema>, event: AuthenticationEvent): Promise<void> {
  await db.insertInto('audit_event').values({
    event_type: event.type,
    national_id: text(event.nationalId),
    authenticator: text(event.authenticator),
    client_id: text(event.clientId),
    outcome: event.outcome,
    error_code: text(event.errorCode),
    ip: text(event.ip),
    request_id: text(event.requestId),
    details: detailsJson(event.details),
  }).execute();
}

/** The latest authentications, newest first, optionally of one professional and/or since a date. */
export async function listAuthentications(db: Kysely<Schema>, query: AuthenticationQuery): Promise<RecordedAuthentication[]> {
  const limit = Math.min(Math.max(1, Math.trunc(query.limit)), 1000);
  let q = db.selectFrom('audit_event').selectAll();
  if (query.nationalId) q = q.where('national_id', '=', query.nationalId);
  if (query.since) q = q.where('at', '>=', query.since);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at),
    type: r.event_type as AuthenticationEventType,
    nationalId: r.national_id ?? undefined,
    authenticator: r.authenticator ?? undefined,
    clientId: r.client_id ?? undefined,
    outcome: r.outcome,
    errorCode: r.error_code ?? undefined,
    ip: r.ip ?? undefined,
    requestId: r.request_id ?? undefined,
    details: typeof r.details === 'string' ? JSON.parse(r.details) as Record<string, unknown> : r.details,
  }));
}

/** Removes events older than `before` (retention); returns how many were removed. */
export async function purgeAuthentications(db: Kysely<Schema>, before: Date): Promise<number> {
  const result = await db.deleteFrom('audit_event').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
