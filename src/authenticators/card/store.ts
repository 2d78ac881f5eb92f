import { randomBytes } from 'node:crypto';

import type { Kysely } from 'kysely';

import type { Schema } from '../../db/schema.js';
import {
  CardChallengeExpiredError,
  CardChallengeUnknownError,
  CardChallengeUsedError,
  CardChallengeWrongInteractionError,
} from './errors.js';

export interface IssuedChallenge {
  id: string;
  challenge: Buffer;
  expiresAt: Date;
}

/** How long used or expired challenges stay for diagnostics before being purged. */
const PURGE_AFTER_MS = 24 * 3600 * 1000;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Login challenges in PostgreSQL: 32 random bytes bound to one interaction, consumed at most once
 * by an atomic UPDATE (two concurrent verifications of the same challenge: one wins).
 *
 * @example
 *   const store = new ChallengeStore(database.db);
 *   const c = await store.issue('interaction-uid', 120, new Date());
 *   await store.consume(c.id, 'interaction-uid', new Date()); // Buffer of 32 bytes; a 2nd call throws CardChallengeUsedError
 */
export class ChallengeStore {
  constructor(private readonly db: Kysely<Schema>) {}

  async issue(interactionUid: string, ttlSeconds: number, now: Date): Promise<IssuedChallenge> {
    const issued = {
      id: randomBytes(16).toString('base64url'),
      challenge: randomBytes(32),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    };
    await this.db.insertInto('card_challenge').values({
      id: issued.id,
      interaction_uid: interactionUid,
      challenge: issued.challenge,
      created_at: now,
      expires_at: issued.expiresAt,
    }).execute();
    return issued;
  }

  /** Challenges issued to this interaction so far (the try limit). */
  async countFor(interactionUid: string): Promise<number> {
    const row = await this.db.selectFrom('card_challenge')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('interaction_uid', '=', interactionUid)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The challenge bytes, once: marks it used. Throws why it cannot be used otherwise. */
  async consume(id: string, interactionUid: string, now: Date): Promise<Buffer> {
    if (!ID_PATTERN.test(id)) throw new CardChallengeUnknownError();
    const row = await this.db.updateTable('card_challenge')
      .set({ consumed_at: now })
      .where('id', '=', id)
      .where('interaction_uid', '=', interactionUid)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('challenge')
      .executeTakeFirst();
    if (row) return Buffer.from(row.challenge);
    const existing = await this.db.selectFrom('card_challenge')
      .select(['interaction_uid', 'expires_at', 'consumed_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!existing) throw new CardChallengeUnknownError();
    if (existing.interaction_uid !== interactionUid) throw new CardChallengeWrongInteractionError();
    if (existing.consumed_at) throw new CardChallengeUsedError();
    throw new CardChallengeExpiredError();
  }

  /** Deletes challenges expired for a day; returns how many. */
  async purge(now: Date): Promise<number> {
    const res = await this.db.deleteFrom('card_challenge')
      .where('expires_at', '<', new Date(now.getTime() - PURGE_AFTER_MS))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Whether the mirror knows this national id at all (to tell "unknown" from "no activity"). */
  async professionalExists(nationalId: string): Promise<boolean> {
    const row = await this.db.selectFrom('directory_professional')
      .select('national_id')
      .where('national_id', '=', nationalId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
