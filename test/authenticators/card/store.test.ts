import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { ChallengeStore } from '../../../src/authenticators/card/store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let t: TestDatabase;
let store: ChallengeStore;

beforeAll(async () => {
  t = await createTestDatabase();
  store = new ChallengeStore(t.database.db);
});
afterAll(async () => { await t?.drop(); });

describe('card challenges in the database', () => {
  test('32 random bytes, bound to the interaction, returned once', async () => {
    const now = new Date();
    const c = await store.issue('uid-1', 120, now);
    expect(c.challenge).toHaveLength(32);
    expect(await store.consume(c.id, 'uid-1', now)).toEqual(c.challenge);
    await expect(store.consume(c.id, 'uid-1', now)).rejects.toMatchObject({ code: 'CARD_CHALLENGE_USED' });
  });

  test('expired: CARD_CHALLENGE_EXPIRED', async () => {
    const now = new Date();
    const c = await store.issue('uid-2', 60, now);
    await expect(store.consume(c.id, 'uid-2', new Date(now.getTime() + 61_000))).rejects.toMatchObject({
      code: 'CARD_CHALLENGE_EXPIRED', message: expect.stringMatching(/délai/),
    });
  });

  test('another interaction cannot use it, and does not burn it', async () => {
    const now = new Date();
    const c = await store.issue('uid-3', 60, now);
    await expect(store.consume(c.id, 'uid-other', now)).rejects.toMatchObject({ code: 'CARD_CHALLENGE_WRONG_INTERACTION' });
    expect(await store.consume(c.id, 'uid-3', now)).toHaveLength(32);
  });

  test('concurrent verifications of one challenge: exactly one wins', async () => {
    const now = new Date();
    const c = await store.issue('uid-4', 60, now);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.consume(c.id, 'uid-4', now)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(Array(4).fill('CARD_CHALLENGE_USED'));
  });

  test('counts per interaction; purge removes only day-old expired rows', async () => {
    const now = new Date();
    await store.issue('uid-5', 60, new Date(now.getTime() - 2 * 86400_000));
    await store.issue('uid-5', 60, now);
    expect(await store.countFor('uid-5')).toBe(2);
    expect(await store.purge(now)).toBeGreaterThanOrEqual(1);
    expect(await store.countFor('uid-5')).toBe(1);
  });

  test('malformed ids never reach SQL', async () => {
    await expect(store.consume("x' OR 1=1 --", 'uid-1', new Date())).rejects.toMatchObject({ code: 'CARD_CHALLENGE_UNKNOWN' });
  });
});
