import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import request from 'supertest';

import type { Database } from '../../src/db/database.js';
import { RATE_LIMITED, RateLimiter, rateLimit, retryAfterSeconds } from '../../src/http/rate-limit.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

/** A clock the test moves by hand: no waiting, no timing assertions. */
function manualClock(startSeconds: number) {
  let now = startSeconds * 1000;
  return { now: () => now, set: (seconds: number) => { now = seconds * 1000; } };
}

// Window starts far from any real time, aligned on every window length used here, never shared
// between tests.
let base = 1_900_008_000;
const freshBase = () => (base += 36_000);

describe('RateLimiter.consume', () => {
  test('allows `limit` hits in a window, then refuses with a Retry-After until the window ends', async () => {
    const start = freshBase();
    const clock = manualClock(start);
    const limiter = new RateLimiter(t.database.db, clock.now);
    const policy = { limit: 3, windowSeconds: 60 };
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await limiter.consume('login:192.0.2.1', policy));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    // Four hits counted (the refused one too). The next fits when 4 × (1 − g) + 1 ≤ 3 in the next
    // window, g ≥ 0.5: 60 s + 30 s.
    expect(decisions[3]!.retryAfter).toBe(90);
  });

  test('keys are independent (another IP, another rule)', async () => {
    const clock = manualClock(freshBase());
    const limiter = new RateLimiter(t.database.db, clock.now);
    const policy = { limit: 1, windowSeconds: 60 };
    expect((await limiter.consume('login:192.0.2.1', policy)).allowed).toBe(true);
    expect((await limiter.consume('login:192.0.2.1', policy)).allowed).toBe(false);
    expect((await limiter.consume('login:192.0.2.2', policy)).allowed).toBe(true);
    expect((await limiter.consume('token:192.0.2.1', policy)).allowed).toBe(true);
  });

  test('sliding window: the previous window still weighs at the start of the next one, less and less', async () => {
    const start = freshBase();
    const clock = manualClock(start);
    const limiter = new RateLimiter(t.database.db, clock.now);
    const policy = { limit: 10, windowSeconds: 100 };
    for (let i = 0; i < 10; i += 1) expect((await limiter.consume('k', policy)).allowed).toBe(true);
    // 10 s into the next window: estimate = 10 × 0.9 + 1 = 10 → allowed, 0 left.
    clock.set(start + 110);
    expect(await limiter.consume('k', policy)).toEqual({ allowed: true, remaining: 0, retryAfter: 0 });
    // 10 × 0.9 + 2 = 11 > 10 → refused; one more fits once 10 × (1 − f) + 2 + 1 ≤ 10: f ≥ 0.3, i.e. 20 s later.
    const refused = await limiter.consume('k', policy);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfter: 20 });
    // Half-way: 10 × 0.5 + 3 + 1 = 9 ≤ 10.
    clock.set(start + 150);
    expect((await limiter.consume('k', policy)).allowed).toBe(true);
  });

  test('purgeExpired removes windows two windows old, and only those', async () => {
    const start = freshBase();
    const clock = manualClock(start);
    const limiter = new RateLimiter(t.database.db, clock.now);
    await limiter.consume('purge:a', { limit: 5, windowSeconds: 60 });
    clock.set(start + 60);
    await limiter.consume('purge:b', { limit: 5, windowSeconds: 60 });
    clock.set(start + 121);
    expect(await limiter.purgeExpired()).toBeGreaterThanOrEqual(1);
    const keys = (await t.database.db.selectFrom('rate_limit_window').select('key').where('key', 'like', 'purge:%').execute()).map((r) => r.key);
    expect(keys).toEqual(['purge:b']);
  });
});

describe('retryAfterSeconds', () => {
  test.each([
    // previous, current, limit, window, elapsed → seconds
    [0, 3, 3, 60, 0, 80], // the full window still weighs 1/3 into the next: 60 + 20
    [0, 3, 3, 60, 45, 35],
    [10, 2, 10, 100, 10, 20], // the previous window decays enough within this one
    [0, 6, 3, 60, 0, 100],
    [0, 1, 3, 60, 30, 0], // fits now
    [0, 1, 5, 60, 0, 0],
  ])('previous %i, current %i, limit %i, window %i s, %i s in → %i s', (p, c, l, w, e, expected) => {
    expect(retryAfterSeconds(p, c, l, w, e)).toBe(expected);
  });
});

describe('rateLimit middleware', () => {
  function app(database: Database, limit: number): Koa {
    const a = new Koa();
    a.proxy = true; // tests choose the client IP with X-Forwarded-For
    a.use(rateLimit(new RateLimiter(database.db), {
      rules: [{ name: `login-${freshBase()}`, methods: ['POST'], path: /^\/interaction\/[^/]+\/card\/pin$/, limit, windowSeconds: 3600 }],
    }));
    a.use((ctx) => { ctx.body = { ok: true }; });
    return a;
  }

  test('answers 429 with Retry-After and an OIDC-style JSON error once the limit is reached', async () => {
    const server = app(t.database, 2).callback();
    const post = () => request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.7').set('Accept', 'application/json');
    await post().expect(200);
    await post().expect(200);
    const res = await post().expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.error).toBe(RATE_LIMITED);
    expect(res.body.error_description).toMatch(/^Trop de tentatives : réessayez dans \d+ secondes?\.$/);
  });

  test('a browser gets the same refusal as a short French page', async () => {
    const server = app(t.database, 1).callback();
    await request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.8').expect(200);
    const res = await request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.8')
      .set('Accept', 'text/html,application/xhtml+xml').expect(429);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Trop de tentatives');
  });

  test('counts per client IP, and only on the matching method and path', async () => {
    const server = app(t.database, 1).callback();
    await request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.9').expect(200);
    await request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.10').expect(200);
    await request(server).get('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.9').expect(200);
    await request(server).post('/interaction/abc/card/other').set('X-Forwarded-For', '198.51.100.9').expect(200);
    await request(server).post('/interaction/abc/card/pin').set('X-Forwarded-For', '198.51.100.9').expect(429);
  });

  test('fails open when the database cannot count (logins go on), or 503 when configured to fail closed', async () => {
    const broken = { consume: async () => { throw new Error('database down'); } } as unknown as RateLimiter;
    const rules = [{ name: 'x', path: '/p', limit: 1, windowSeconds: 60 }];
    const open = new Koa().use(rateLimit(broken, { rules })).use((ctx) => { ctx.body = 'ok'; });
    await request(open.callback()).get('/p').expect(200);
    const closed = new Koa().use(rateLimit(broken, { rules, failOpen: false })).use((ctx) => { ctx.body = 'ok'; });
    const res = await request(closed.callback()).get('/p').expect(503);
    expect(res.body.error).toBe('temporarily_unavailable');
  });
});

describeWithPostgres('rate limits shared by several nodes', () => {
  test('concurrent hits from two nodes (two pools) are all counted: exactly `limit` are allowed', async () => {
    const other = await t.reopen();
    const clock = manualClock(freshBase());
    const nodes = [new RateLimiter(t.database.db, clock.now), new RateLimiter(other.db, clock.now)];
    const policy = { limit: 25, windowSeconds: 60 };
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => nodes[i % 2]!.consume('shared:203.0.113.5', policy)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    const row = await t.database.db.selectFrom('rate_limit_window').select('hits').where('key', '=', 'shared:203.0.113.5').executeTakeFirstOrThrow();
    expect(row.hits).toBe(60);
  });
});
