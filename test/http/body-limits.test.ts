import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { bodyParser } from '@koa/bodyparser';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import request from 'supertest';

import { bodyLimit, bodyParserLimits } from '../../src/http/body-limits.js';

const LIMIT = 2048;
let parsed = 0;

function app(rejectChunked = false): Koa {
  const a = new Koa();
  a.use(bodyLimit({ maxBytes: LIMIT, rejectChunked }));
  a.use(bodyParser(bodyParserLimits(LIMIT)));
  a.use((ctx) => {
    parsed += 1;
    ctx.body = { received: JSON.stringify(ctx.request.body).length };
  });
  return a;
}

/** Sends a chunked body (no Content-Length), which supertest cannot do. */
function postChunked(server: http.Server, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.write(`{"a":"${'x'.repeat(size)}"}`);
    req.end();
  });
}

describe('body limit', () => {
  test('a body within the limit reaches the parser', async () => {
    const res = await request(app().callback()).post('/').send({ a: 'x'.repeat(100) }).expect(200);
    expect(res.body.received).toBeGreaterThan(100);
  });

  test('a body over the limit is refused with 413 from its Content-Length, before any parsing', async () => {
    const before = parsed;
    const res = await request(app().callback()).post('/').send({ a: 'x'.repeat(LIMIT) }).expect(413);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Requête trop volumineuse.' });
    expect(res.headers.connection).toBe('close');
    expect(parsed).toBe(before);
  });

  describe('chunked bodies (no Content-Length)', () => {
    let lenient: http.Server;
    let strict: http.Server;
    beforeAll(async () => {
      lenient = http.createServer(app().callback());
      strict = http.createServer(app(true).callback());
      await Promise.all([lenient, strict].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    });
    afterAll(async () => {
      await Promise.all([lenient, strict].map((s) => new Promise((r) => s.close(r))));
    });

    test('are counted by the body parser against the same limit', async () => {
      expect(await postChunked(lenient, 100)).toBe(200);
      expect(await postChunked(lenient, LIMIT)).toBe(413);
    });

    test('are refused with 411 when rejectChunked is set', async () => {
      expect(await postChunked(strict, 100)).toBe(411);
    });
  });
});
