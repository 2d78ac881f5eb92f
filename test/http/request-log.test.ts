import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { describe, expect, test } from '@jest/globals';

import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';

import { clientIpResolver } from '../../src/http/client-ip.js';
import { ACCEPTED_REQUEST_ID, clientIpOf, requestIdFrom, requestLog, requestLogState } from '../../src/http/request-log.js';
import type { Logger } from '../../src/log/logger.js';
import { captureLogger } from '../helpers/log-capture.js';

function app(logger: Logger): Koa {
  const a = new Koa();
  a.use(requestLog(logger));
  const router = new Router();
  router.get('/callback', (ctx) => {
    (ctx.state.log as Logger).info({ code: ctx.query.code }, 'handler saw a code');
    ctx.body = { requestId: ctx.state.requestId };
  });
  router.get('/boom', () => { throw new Error('kaput'); });
  a.use(router.routes());
  return a;
}

describe('request log', () => {
  test('one JSON line per request, with the path but never the query string', async () => {
    const cap = captureLogger();
    const res = await request(app(cap.logger).callback()).get('/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz').expect(200);
    const line = cap.lines.find((l) => l.msg === 'request')!;
    expect(line).toMatchObject({ method: 'GET', path: '/callback', status: 200, requestId: res.body.requestId, service: 'openpsc' });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.ip).toBe('string');
    expect(cap.text()).not.toContain('SplxlOBeZQQYbYS6WxSbIA');
    expect(cap.text()).not.toContain('state=xyz');
    // The handler's own line goes through the child logger: same request id, code censored.
    expect(cap.lines.find((l) => l.msg === 'handler saw a code')).toMatchObject({ requestId: res.body.requestId, code: '[redacted]' });
  });

  test('a well-formed incoming X-Request-Id is kept and echoed', async () => {
    const cap = captureLogger();
    const res = await request(app(cap.logger).callback()).get('/callback').set('X-Request-Id', 'proxy-1234.abcd_EF').expect(200);
    expect(res.headers['x-request-id']).toBe('proxy-1234.abcd_EF');
    expect(cap.lines.find((l) => l.msg === 'request')!.requestId).toBe('proxy-1234.abcd_EF');
  });

  test.each([
    ['too short', 'abc'],
    ['spaces and quotes (log forging)', 'abcdefgh" injected="1'],
    ['too long', 'a'.repeat(129)],
  ])('an incoming X-Request-Id that is %s is replaced by a fresh UUID', async (_why, incoming) => {
    const cap = captureLogger();
    const res = await request(app(cap.logger).callback()).get('/callback').set('X-Request-Id', incoming).expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.headers['x-request-id']).not.toBe(incoming);
  });

  test('a failing handler is logged once, at error level, with status 500', async () => {
    const cap = captureLogger();
    const a = app(cap.logger);
    a.silent = true;
    await request(a.callback()).get('/boom?token=abc').expect(500);
    const res = await request(a.callback()).get('/boom').set('X-Request-Id', 'support-ticket-42').expect(500);
    const lines = cap.lines.filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 50, status: 500, path: '/boom' });
    // The error that made the 500 is on the line; the id survives Koa's error response.
    expect((lines[0]!.err as { message: string }).message).toBe('kaput');
    expect(res.headers['x-request-id']).toBe('support-ticket-42');
  });

  test('a client that goes away before the response is logged as aborted', async () => {
    const cap = captureLogger();
    const a = new Koa();
    a.use(requestLog(cap.logger));
    let arrived!: () => void;
    let closed!: () => void;
    const inHandler = new Promise<void>((r) => { arrived = r; });
    const responseClosed = new Promise<void>((r) => { closed = r; });
    a.use(async (ctx) => {
      // Registered after the request log's own listener: runs after it.
      ctx.res.once('close', () => closed());
      arrived();
      await new Promise((r) => ctx.req.socket.once('close', r));
      ctx.body = 'too late';
    });
    const server = http.createServer(a.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const req = http.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/slow?otp=123456' });
    req.on('error', () => {});
    await inHandler;
    req.destroy();
    await responseClosed;
    await new Promise((r) => server.close(r));
    const line = cap.lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ path: '/slow', aborted: true });
    expect(cap.text()).not.toContain('123456');
  });

  test('responses written outside Koa (ctx.respond = false, as the provider mount does) are logged with their real status', async () => {
    const cap = captureLogger();
    const a = new Koa();
    a.use(requestLog(cap.logger));
    a.use(async (ctx) => {
      ctx.req.url = '/rewritten';
      ctx.respond = false;
      ctx.res.statusCode = 302;
      ctx.res.setHeader('Location', '/elsewhere');
      ctx.res.end();
    });
    await request(a.callback()).get('/auth/realms/esante-wallet/protocol/openid-connect/auth?client_id=x').expect(302);
    expect(cap.lines.find((l) => l.msg === 'request')).toMatchObject({ status: 302, path: '/auth/realms/esante-wallet/protocol/openid-connect/auth' });
  });

  test('clientIpOf: the resolved client IP, also from a Koa context of its own sharing the Node request (the provider\'s)', async () => {
    const cap = captureLogger();
    const inner = new Koa({ proxy: true }); // as oidc-provider: ctx.ip would be the leftmost, forged entry
    const seen: Record<string, unknown>[] = [];
    inner.use((ctx) => {
      seen.push({ ip: clientIpOf(ctx as Koa.Context), koaIp: ctx.ip, requestId: requestLogState(ctx.req)?.requestId });
      ctx.body = 'ok';
    });
    const innerCallback = inner.callback();
    const outer = new Koa({ proxy: true });
    outer.use(requestLog(cap.logger, { clientIp: clientIpResolver({ trustProxy: true, trustedProxies: [] }) }));
    outer.use(async (ctx) => {
      seen.push({ ip: clientIpOf(ctx) });
      ctx.respond = false;
      await innerCallback(ctx.req, ctx.res);
    });
    await request(outer.callback()).get('/x').set('X-Forwarded-For', '6.6.6.6, 198.51.100.7').set('X-Request-Id', 'client-ip-join-01').expect(200);
    expect(seen).toEqual([{ ip: '198.51.100.7' }, { ip: '198.51.100.7', koaIp: '6.6.6.6', requestId: 'client-ip-join-01' }]);

    // Without the request log: the socket peer, never X-Forwarded-For.
    const bare = new Koa({ proxy: true });
    bare.use((ctx) => { ctx.body = clientIpOf(ctx); });
    const res = await request(bare.callback()).get('/x').set('X-Forwarded-For', '6.6.6.6');
    expect(res.text).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  test('quiet paths (probes, scrapes) are logged at debug level, even a 503', async () => {
    const cap = captureLogger('debug');
    const a = new Koa();
    a.use(requestLog(cap.logger, { quietPaths: ['/readyz'] }));
    a.use((ctx) => { ctx.status = ctx.path === '/readyz' ? 503 : 200; ctx.body = 'x'; });
    await request(a.callback()).get('/readyz').expect(503);
    await request(a.callback()).get('/other').expect(200);
    expect(cap.lines.filter((l) => l.msg === 'request').map((l) => [l.path, l.level])).toEqual([['/readyz', 20], ['/other', 30]]);
  });

  test('requestIdFrom: the accepted shape', () => {
    expect(requestIdFrom('01HZY7Q5W3K2M9N8P7R6S5T4V3')).toBe('01HZY7Q5W3K2M9N8P7R6S5T4V3');
    expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(ACCEPTED_REQUEST_ID.test('a\nb-cdefgh')).toBe(false);
  });
});
