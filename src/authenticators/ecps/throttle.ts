import { sql, type Kysely } from 'kysely';

import type { Schema } from '../../db/schema.js';
import { EcpsLockedError } from './errors.js';

export interface ThrottleRule {
  /** Failures (or uses) allowed in one window before the key is locked. */
  max: number;
  /** Window and lockout length, seconds. */
  windowSeconds: number;
}

/**
 * Try limits kept in PostgreSQL so they hold across nodes and restarts: a key (`otp:nid:…`,
 * `otp:ip:…`) counts failures in a window; reaching `max` locks it for one window.
 */
export class Throttle {
  constructor(private readonly db: Kysely<Schema>) {}

  /** Throws EcpsLockedError while `key` is locked. */
  async assertOpen(key: string, now = new Date()): Promise<void> {
    const row = await this.db.selectFrom('ecps_throttle').select('locked_until').where('key', '=', key).executeTakeFirst();
    if (row?.locked_until && row.locked_until > now) {
      throw new EcpsLockedError(`${key.split(':')[0]} locked`, Math.ceil((row.locked_until.getTime() - now.getTime()) / 1000));
    }
  }

  /** Counts one failure (or use); locks the key when the window's count reaches the rule's max. */
  async hit(key: string, rule: ThrottleRule, now = new Date()): Promise<{ count: number; locked: boolean; lockedUntil: Date | null }> {
    const windowStartedBefore = new Date(now.getTime() - rule.windowSeconds * 1000);
    const lockUntil = new Date(now.getTime() + rule.windowSeconds * 1000);
    const row = await this.db.insertInto('ecps_throttle')
      .values({ key, failures: 1, window_start: now, locked_until: rule.max <= 1 ? lockUntil : null })
      .onConflict((oc) => oc.column('key').doUpdateSet({
        failures: sql`CASE WHEN ecps_throttle.window_start < ${windowStartedBefore} THEN 1 ELSE ecps_throttle.failures + 1 END`,
        window_start: sql`CASE WHEN ecps_throttle.window_start < ${windowStartedBefore} THEN ${now}::timestamptz ELSE ecps_throttle.window_start END`,
        locked_until: sql`CASE WHEN (CASE WHEN ecps_throttle.window_start < ${windowStartedBefore} THEN 1 ELSE ecps_throttle.failures + 1 END) >= ${rule.max}
                               THEN ${lockUntil}::timestamptz ELSE ecps_throttle.locked_until END`,
      }))
      .returning(['failures', 'locked_until'])
      .executeTakeFirstOrThrow();
    return { count: row.failures, locked: !!row.locked_until && row.locked_until > now, lockedUntil: row.locked_until };
  }

  /**
   * Counts one use and refuses it (EcpsLockedError) beyond `rule.max` uses per window — for
   * limits on uses rather than on failures; one round trip.
   */
  async take(key: string, rule: ThrottleRule, now = new Date()): Promise<void> {
    const { lockedUntil } = await this.hit(key, { ...rule, max: rule.max + 1 }, now);
    if (lockedUntil && lockedUntil > now) {
      throw new EcpsLockedError(`${key.split(':')[0]} locked`, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
    }
  }

  async reset(key: string): Promise<void> {
    await this.db.deleteFrom('ecps_throttle').where('key', '=', key).execute();
  }
}
