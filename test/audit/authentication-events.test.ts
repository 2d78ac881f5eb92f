import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import type { Kysely } from 'kysely';
import request from 'supertest';

import { listAuthentications } from '../../src/audit/audit-log.js';
import { AuthenticationEvents } from '../../src/audit/authentication-events.js';
import type { Schema } from '../../src/db/schema.js';
import { Metrics } from '../../src/http/metrics.js';
import { requestLog } from '../../src/http/request-log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { captureLogger } from '../helpers/log-capture.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

describe('AuthenticationEvents.ended', () => {
  test('counts the login, writes the audit row with the request id and client IP, logs it', async () => {
    const cap = captureLogger();
    const metrics = new Metrics({ defaultMetrics: false });
    const events = new AuthenticationEvents(t.database.db, metrics, cap.logger);
    const app = new Koa();
    app.use(requestLog(cap.logger));
    app.use(async (ctx) => {
      await events.ended(ctx, { type: 'login', authenticator: 'card', nationalId: '899700427885', clientId: 'rp-demo', outcome: 'failure', errorCode: 'CARD_PIN_INVALID', details: { pin: '1234', triesLeft: 2 } });
      ctx.status = 400;
    });
    await request(app.callback()).post('/interaction/abc/card/pin').set('X-Request-Id', 'audit-join-0001').expect(400);

    const [row] = await listAuthentications(t.database.db, { nationalId: '899700427885', limit: 1 });
    expect(row!.ip).toMatch(/127\.0\.0\.1$/);
    expect(row).toMatchObject({ requestId: 'audit-join-0001', outcome: 'failure', errorCode: 'CARD_PIN_INVALID', details: { triesLeft: 2 } });
    expect(await metrics.registry.metrics()).toContain('openpsc_logins_total{authenticator="card",outcome="failure"} 1');
    expect(cap.lines.find((l) => l.msg === 'authentication ended')).toMatchObject({ requestId: 'audit-join-0001', outcome: 'failure', errorCode: 'CARD_PIN_INVALID' });
    expect(cap.text()).not.toContain('1234');
  });

  test('a failing audit write is logged, never thrown', async () => {
    const cap = captureLogger();
    const broken = { insertInto: () => { throw new Error('database down'); } } as unknown as Kysely<Schema>;
    const events = new AuthenticationEvents(broken, undefined, cap.logger);
    await expect(events.ended(undefined, { type: 'ciba', authenticator: 'ecps', nationalId: '899700427885', outcome: 'success' })).resolves.toBeUndefined();
    expect(cap.lines.find((l) => l.msg === 'audit write failed')).toMatchObject({ level: 50, event: { type: 'ciba', outcome: 'success' } });
  });
});
