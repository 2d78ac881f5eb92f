import { describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import request from 'supertest';

import { clientIpResolver, normalizeIp, type ClientIpSettings } from '../../src/http/client-ip.js';

// supertest connects from 127.0.0.1: that is the socket peer in every case below.
async function ipSeen(settings: ClientIpSettings, forwardedFor?: string): Promise<string> {
  const app = new Koa();
  const ipOf = clientIpResolver(settings);
  app.use((ctx) => { ctx.body = ipOf(ctx); });
  const req = request(app.callback()).get('/');
  if (forwardedFor !== undefined) req.set('X-Forwarded-For', forwardedFor);
  return (await req.expect(200)).text;
}

describe('client IP', () => {
  test('without TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    expect(await ipSeen({ trustProxy: false, trustedProxies: [] }, '198.51.100.7')).toBe('127.0.0.1');
  });

  test('one trusted hop: the address our proxy appended, not what the client wrote before it', async () => {
    expect(await ipSeen({ trustProxy: true, trustedProxies: [] }, '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
    expect(await ipSeen({ trustProxy: true, trustedProxies: [] })).toBe('127.0.0.1');
  });

  test('listed proxies are skipped from the right; the first other address is the client', async () => {
    const settings = { trustProxy: true, trustedProxies: ['127.0.0.1', '10.0.0.2'] };
    expect(await ipSeen(settings, '6.6.6.6, 198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
    // Garbage in the header is not an address.
    expect(await ipSeen(settings, 'not-an-ip, 198.51.100.8')).toBe('198.51.100.8');
  });

  test('a peer that is not a listed proxy is the client, whatever it forwards', async () => {
    expect(await ipSeen({ trustProxy: true, trustedProxies: ['10.0.0.2'] }, '198.51.100.7')).toBe('127.0.0.1');
  });

  test('IPv4-mapped IPv6 addresses are the same client as their IPv4 form', () => {
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
  });
});
