import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Router from '@koa/router';
import Koa from 'koa';
import Provider from 'oidc-provider';
import request from 'supertest';

import { instrumentProvider, Metrics, PROVIDER_ERROR_EVENTS } from '../../src/http/metrics.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

/** The value of one sample line of the text exposition, e.g. `openpsc_logins_total{authenticator="card",outcome="success"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function app(metrics: Metrics, knownRoutes: Parameters<Metrics['timeRequests']>[0] = {}): Koa {
  const a = new Koa();
  a.use(metrics.timeRequests(knownRoutes));
  a.use(metrics.endpoint());
  const router = new Router({ prefix: '/auth/realms/esante-wallet' });
  router.get('/interaction/:uid', (ctx) => { ctx.body = { uid: ctx.params.uid }; });
  router.post('/interaction/:uid/card/pin', (ctx) => { ctx.status = 400; ctx.body = { error: 'invalid_request' }; });
  a.use(router.routes());
  a.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/provider/')) return next();
    // Like the provider mount: the response is written outside Koa.
    ctx.respond = false;
    ctx.res.statusCode = 200;
    ctx.res.end('{}');
  });
  return a;
}

describe('Metrics', () => {
  test('the counters the app calls appear with their labels', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.loginAttempt('card', 'success');
    m.loginAttempt('card', 'success');
    m.loginAttempt('ecps', 'failure');
    m.tokenIssued('authorization_code');
    m.tokenIssued('urn:openid:params:grant-type:ciba');
    m.oidcError('invalid_grant');
    const text = await m.registry.metrics();
    expect(sample(text, 'openpsc_logins_total{authenticator="card",outcome="success"}')).toBe(2);
    expect(sample(text, 'openpsc_logins_total{authenticator="ecps",outcome="failure"}')).toBe(1);
    expect(sample(text, 'openpsc_tokens_issued_total{grant_type="authorization_code"}')).toBe(1);
    expect(sample(text, 'openpsc_tokens_issued_total{grant_type="urn:openid:params:grant-type:ciba"}')).toBe(1);
    expect(sample(text, 'openpsc_oidc_errors_total{error="invalid_grant"}')).toBe(1);
  });

  test('label values outside the expected shapes become "other" (no cardinality explosion)', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.oidcError('Robert"); DROP TABLE');
    m.tokenIssued('x'.repeat(500));
    const text = await m.registry.metrics();
    expect(sample(text, 'openpsc_oidc_errors_total{error="other"}')).toBe(1);
    expect(sample(text, 'openpsc_tokens_issued_total{grant_type="other"}')).toBe(1);
  });

  test('request durations are labelled with the route pattern, never the raw path', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const server = app(m, {
      knownRoutes: ['/provider/token', { pattern: /^\/provider\/auth\/[^/]+$/, label: '/provider/auth/:uid' }],
    }).callback();
    await request(server).get('/auth/realms/esante-wallet/interaction/Zx81-secretish-uid').expect(200);
    await request(server).post('/auth/realms/esante-wallet/interaction/other-uid/card/pin').expect(400);
    await request(server).get('/provider/token').expect(200);
    await request(server).get('/provider/auth/abc123').expect(200);
    await request(server).get('/nowhere/12345').expect(404);
    const text = (await request(server).get('/metrics').expect(200)).text;
    const count = (labels: string) => sample(text, `openpsc_http_request_duration_seconds_count{${labels}}`);
    expect(count('method="GET",route="/auth/realms/esante-wallet/interaction/:uid",status="200"')).toBe(1);
    expect(count('method="POST",route="/auth/realms/esante-wallet/interaction/:uid/card/pin",status="400"')).toBe(1);
    expect(count('method="GET",route="/provider/token",status="200"')).toBe(1);
    expect(count('method="GET",route="/provider/auth/:uid",status="200"')).toBe(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBe(1);
    await request(server).options('/nowhere').expect(404);
    const other = (await request(server).get('/metrics')).text;
    expect(other).toContain('method="OPTIONS",route="unmatched",status="404"');
    expect(text).not.toContain('Zx81-secretish-uid');
    expect(text).not.toContain('12345');
  });

  test('GET /metrics serves the Prometheus text format, with the process metrics', async () => {
    const m = new Metrics();
    const res = await request(app(m).callback()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('# TYPE openpsc_http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE openpsc_logins_total counter');
    expect(res.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(res.text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  test('two instances do not share counters (one registry per app, not the global one)', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.loginAttempt('card', 'success');
    expect(sample(await a.registry.metrics(), 'openpsc_logins_total{authenticator="card",outcome="success"}')).toBe(1);
    expect(sample(await b.registry.metrics(), 'openpsc_logins_total{authenticator="card",outcome="success"}')).toBeUndefined();
  });

  test('directory gauges come from the injected callbacks; a failing one is just absent', async () => {
    let age: number | undefined = 3600;
    const m = new Metrics({
      defaultMetrics: false,
      directory: {
        lastImportAgeSeconds: async () => age,
        professionals: async () => { throw new Error('directory table missing'); },
      },
    });
    let text = await m.registry.metrics();
    expect(sample(text, 'openpsc_directory_last_import_age_seconds')).toBe(3600);
    expect(sample(text, 'openpsc_directory_professionals')).toBeUndefined();
    age = undefined; // no import yet
    text = await m.registry.metrics();
    expect(sample(text, 'openpsc_directory_last_import_age_seconds')).toBeUndefined();
  });

  test('instrumentProvider counts oidc-provider grant successes and errors', async () => {
    const provider = new Provider('http://localhost:8080', {});
    const m = new Metrics({ defaultMetrics: false });
    instrumentProvider(provider, m);
    provider.emit('grant.success', { oidc: { params: { grant_type: 'refresh_token' } } });
    provider.emit('grant.error', {}, { error: 'invalid_grant' });
    provider.emit('authorization.error', {}, { error: 'login_required' });
    provider.emit('server_error', {}, new Error('boom'));
    const text = await m.registry.metrics();
    expect(sample(text, 'openpsc_tokens_issued_total{grant_type="refresh_token"}')).toBe(1);
    expect(sample(text, 'openpsc_oidc_errors_total{error="invalid_grant"}')).toBe(1);
    expect(sample(text, 'openpsc_oidc_errors_total{error="login_required"}')).toBe(1);
    expect(sample(text, 'openpsc_oidc_errors_total{error="server_error"}')).toBe(1);
    expect(PROVIDER_ERROR_EVENTS).toContain('backchannel_authentication.error');
  });
});

describeWithPostgres('Metrics with a real pg pool', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase({ requirePostgres: true }); });
  afterAll(async () => { await t.drop(); });

  test('openpsc_db_pool_clients reports total, idle and waiting clients', async () => {
    const pool = t.database.pool!;
    const m = new Metrics({ pool, defaultMetrics: false });
    const held = await Promise.all([pool.connect(), pool.connect()]);
    let text = await m.registry.metrics();
    expect(sample(text, 'openpsc_db_pool_clients{state="total"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'openpsc_db_pool_clients{state="waiting"}')).toBe(0);
    for (const c of held) c.release();
    text = await m.registry.metrics();
    expect(sample(text, 'openpsc_db_pool_clients{state="idle"}')).toBeGreaterThanOrEqual(2);
  });
});
