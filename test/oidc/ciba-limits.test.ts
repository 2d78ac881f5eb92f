import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import * as client from 'openid-client';

import { listAuthentications } from '../../src/audit/audit-log.js';
import { CibaLimits, purgeCibaRequests } from '../../src/oidc/ciba-limits.js';
import { startCibaIdp, type EcpsIdp } from '../authenticators/ecps/e2e/setup.js';
import { createTestDatabase, hasPostgres } from '../helpers/database.js';
import { startTestIdp } from '../helpers/idp.js';
import { discover, type TestRp } from '../helpers/rp.js';

/**
 * The per-professional CIBA limits (RATE_LIMIT_CIBA_*), end to end: openid-client as the relying
 * party, the real provider and e-CPS plug-in with a simulated phone, the counts in PostgreSQL.
 */

const PSC_REQUEST = { scope: 'openid scope_all', acr_values: 'eidas1', binding_message: '42' };

type Answer = { ok: true; authReqId: string } | { ok: false; status: number; error: string; description: string };

async function initiate(config: client.Configuration, nationalId: string): Promise<Answer> {
  try {
    const r = await client.initiateBackchannelAuthentication(config, { ...PSC_REQUEST, login_hint: nationalId });
    return { ok: true, authReqId: r.auth_req_id };
  } catch (err) {
    if (!(err instanceof client.ResponseBodyError)) throw err;
    return { ok: false, status: err.status, error: err.error, description: err.error_description ?? '' };
  }
}

/** Rows the refused requests must not have left: push requests and provider CIBA requests. */
async function pushesTo(env: EcpsIdp, nationalId: string): Promise<number> {
  const row = await env.idp.database.db.selectFrom('ecps_approval').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('national_id', '=', nationalId).where('kind', '=', 'ciba').executeTakeFirstOrThrow();
  return Number(row.n);
}
async function providerRequestsOf(env: EcpsIdp, nationalId: string): Promise<number> {
  const row = await env.idp.database.db.selectFrom('oidc_payload').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('model', '=', 'BackchannelAuthenticationRequest')
    .where(sql<string>`payload->>'accountId'`, 'like', `%:${nationalId}`).executeTakeFirstOrThrow();
  return Number(row.n);
}

const accepted = (a: Answer) => {
  expect(a).toMatchObject({ ok: true });
  return (a as { authReqId: string }).authReqId;
};

/** Several nodes need a real server (PGlite is one process): skipped, and said so, without one. */
const testWithPostgres = hasPostgres() ? test : test.skip;

describe('per-professional CIBA limits (openid-client, real provider, PostgreSQL when reachable)', () => {
  describe('defaults: 3 pending, 10 per 900 s', () => {
    let env: EcpsIdp;
    let rp: TestRp;
    beforeAll(async () => { ({ env, rp } = await startCibaIdp()); });
    afterAll(async () => { await env?.close(); });

    test('a 4th pending request gets 403 access_denied, no push and no request; the refusal is audited', async () => {
      const { nationalId, device } = await env.professionalWithDevice();
      for (let i = 0; i < 3; i += 1) accepted(await initiate(rp.config, nationalId));
      expect(await device.pending()).toHaveLength(3);

      const refused = await initiate(rp.config, nationalId);
      expect(refused).toEqual({ ok: false, status: 403, error: 'access_denied', description: expect.stringMatching(/too many pending authentication requests for this user \(at most 3\)/) });
      expect(await device.pending()).toHaveLength(3);
      expect(await pushesTo(env, nationalId)).toBe(3);
      expect(await providerRequestsOf(env, nationalId)).toBe(3);

      const [event] = await listAuthentications(env.idp.database.db, { nationalId, limit: 1 });
      expect(event).toMatchObject({
        type: 'ciba', outcome: 'failure', errorCode: 'CIBA_TOO_MANY_PENDING', authenticator: 'ecps', clientId: rp.clientId,
        ip: '127.0.0.1', requestId: expect.any(String), details: { channel: 'MOBILE', limit: 3 },
      });
    });

    test('the limit is per professional: another one is not held back', async () => {
      const a = await env.professionalWithDevice();
      const b = await env.professionalWithDevice();
      for (let i = 0; i < 3; i += 1) accepted(await initiate(rp.config, a.nationalId));
      expect(await initiate(rp.config, a.nationalId)).toMatchObject({ ok: false, status: 403 });
      accepted(await initiate(rp.config, b.nationalId));
    });

    test('an answer on the phone, or an expiry, frees a place', async () => {
      const { nationalId, device } = await env.professionalWithDevice();
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(accepted(await initiate(rp.config, nationalId)));
      expect(await initiate(rp.config, nationalId)).toMatchObject({ ok: false, status: 403 });

      const [newest] = await device.pending();
      await device.deny(newest!.request_id);
      accepted(await initiate(rp.config, nationalId));
      expect(await initiate(rp.config, nationalId)).toMatchObject({ ok: false, status: 403 });

      // The oldest request runs out of time (CIBA_TTL), without waiting for it.
      await env.idp.database.db.updateTable('ciba_request').set({ expires_at: sql<Date>`now() - interval '1 second'` })
        .where('auth_req_id', '=', ids[0]!).execute();
      accepted(await initiate(rp.config, nationalId));
      expect(await initiate(rp.config, nationalId)).toMatchObject({ ok: false, status: 403 });
    });

    testWithPostgres('the count holds across nodes: concurrent requests on two nodes sharing the database admit exactly 3', async () => {
      const { nationalId, device } = await env.professionalWithDevice();
      const other = await startTestIdp({
        testDatabase: env.idp.testDatabase, database: await env.idp.testDatabase.reopen(),
        overrides: { AUTHENTICATORS: 'ecps', ECPS_OUTBOX_DIR: env.outboxDir, DATA_DIR: env.outboxDir },
      });
      try {
        const onOther = await discover(other, rp.clientId, rp.clientSecret);
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => initiate(i % 2 ? onOther : rp.config, nationalId)));
        expect(answers.filter((a) => a.ok)).toHaveLength(3);
        expect(answers.filter((a) => !a.ok)).toEqual(Array(5).fill(expect.objectContaining({ status: 403, error: 'access_denied' })));
        expect(await device.pending()).toHaveLength(3);
      } finally {
        await other.stop();
      }
    });
  });

  testWithPostgres('admission is atomic: concurrent admissions through two connection pools admit exactly the limit', async () => {
    const t = await createTestDatabase({ requirePostgres: true });
    try {
      const settings = { pending: 3, perWindow: 10, windowSeconds: 900 };
      const nodes = [new CibaLimits(t.database.db, settings), new CibaLimits((await t.reopen()).db, settings)];
      const refusals = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        nodes[i % 2]!.admit({ authReqId: `arid-${i}`, nationalId: '899700000001', clientId: 'rp', lifetimeSeconds: 120 })));
      expect(refusals.filter((r) => r === undefined)).toHaveLength(3);
      expect(refusals.filter((r) => r?.errorCode === 'CIBA_TOO_MANY_PENDING')).toHaveLength(9);
      expect(await t.database.db.selectFrom('ciba_request').select('auth_req_id').execute()).toHaveLength(3);
    } finally {
      await t.drop();
    }
  });

  describe('window: RATE_LIMIT_CIBA=4 per 900 s, no pending limit', () => {
    let env: EcpsIdp;
    let rp: TestRp;
    beforeAll(async () => { ({ env, rp } = await startCibaIdp({ RATE_LIMIT_CIBA_PENDING: 0, RATE_LIMIT_CIBA: 4, RATE_LIMIT_CIBA_WINDOW: 900 })); });
    afterAll(async () => { await env?.close(); });

    test('a 5th request within the window is refused even when the others were answered; the window slides', async () => {
      const { nationalId, device } = await env.professionalWithDevice();
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) ids.push(accepted(await initiate(rp.config, nationalId)));
      for (const r of await device.pending()) await device.deny(r.request_id);

      const refused = await initiate(rp.config, nationalId);
      expect(refused).toEqual({ ok: false, status: 403, error: 'access_denied', description: expect.stringMatching(/at most 4 per 900 s/) });
      expect(await pushesTo(env, nationalId)).toBe(4);
      const [event] = await listAuthentications(env.idp.database.db, { nationalId, limit: 1 });
      expect(event).toMatchObject({ type: 'ciba', outcome: 'failure', errorCode: 'CIBA_TOO_MANY_REQUESTS', clientId: rp.clientId, details: { channel: 'MOBILE', limit: 4, windowSeconds: 900 } });

      // Refused requests do not count; once the oldest is out of the window, one more fits.
      await env.idp.database.db.updateTable('ciba_request').set({ created_at: sql<Date>`now() - interval '901 seconds'` })
        .where('auth_req_id', '=', ids[0]!).execute();
      accepted(await initiate(rp.config, nationalId));
      expect(await initiate(rp.config, nationalId)).toMatchObject({ ok: false, status: 403 });
    });

    test('rows that count for nothing any more are purged', async () => {
      const { nationalId } = await env.professionalWithDevice();
      const id = accepted(await initiate(rp.config, nationalId));
      const db = env.idp.database.db;
      await purgeCibaRequests(db, 900);
      expect(await db.selectFrom('ciba_request').select('auth_req_id').where('auth_req_id', '=', id).execute()).toHaveLength(1);
      await db.updateTable('ciba_request').set({ created_at: sql<Date>`now() - interval '1000 seconds'`, expires_at: sql<Date>`now() - interval '800 seconds'` })
        .where('auth_req_id', '=', id).execute();
      expect(await purgeCibaRequests(db, 900)).toBeGreaterThanOrEqual(1);
      expect(await db.selectFrom('ciba_request').select('auth_req_id').where('auth_req_id', '=', id).execute()).toHaveLength(0);
    });
  });

  describe('RATE_LIMIT_CIBA_PENDING=0 and RATE_LIMIT_CIBA=0 turn the limits off', () => {
    let env: EcpsIdp;
    let rp: TestRp;
    beforeAll(async () => { ({ env, rp } = await startCibaIdp({ RATE_LIMIT_CIBA_PENDING: 0, RATE_LIMIT_CIBA: 0 })); });
    afterAll(async () => { await env?.close(); });

    test('12 requests in a row for one professional are all sent', async () => {
      const { nationalId, device } = await env.professionalWithDevice();
      for (let i = 0; i < 12; i += 1) accepted(await initiate(rp.config, nationalId));
      expect(await device.pending()).toHaveLength(12);
      expect(await env.idp.database.db.selectFrom('ciba_request').selectAll().where('national_id', '=', nationalId).execute()).toEqual([]);
    });
  });
});
