import { createHash } from 'node:crypto';

import { describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair } from 'jose';
import Koa from 'koa';
import Provider from 'oidc-provider';
import request from 'supertest';

import { allowFormAction, buildCsp, formActionSource, securityHeaders } from '../../src/http/security-headers.js';

function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

function page(options: Parameters<typeof securityHeaders>[0], handler?: Koa.Middleware): Koa {
  const app = new Koa();
  app.use(securityHeaders(options));
  app.use(handler ?? ((ctx) => { ctx.type = 'html'; ctx.body = '<!DOCTYPE html><p>Bonjour</p>'; }));
  return app;
}

describe('security headers', () => {
  test('a strict CSP and the usual hardening headers on every response', async () => {
    const res = await request(page({ publicUrl: 'http://localhost:8080' }).callback()).get('/').expect(200);
    expect(directives(res.headers['content-security-policy']!)).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
    });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(res.headers['permissions-policy']).toContain('camera=()');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('the headers survive an error thrown downstream (Koa clears headers before its error response)', async () => {
    const app = page({ publicUrl: 'https://auth.esante.example' }, () => { throw Object.assign(new Error('boom'), { headers: { 'Retry-After': '5' } }); });
    app.silent = true;
    const res = await request(app.callback()).get('/').expect(500);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers['retry-after']).toBe('5');
  });

  test('HSTS only when the public URL is https', async () => {
    const res = await request(page({ publicUrl: 'https://auth.esante.example' }).callback()).get('/').expect(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  test('the card agent origin is allowed in connect-src, extra form origins in form-action', async () => {
    const res = await request(page({
      publicUrl: 'http://localhost:8080',
      connectSrc: ['http://127.0.0.1:9444'],
      formAction: ['https://rp.example/cb'],
    }).callback()).get('/').expect(200);
    const d = directives(res.headers['content-security-policy']!);
    expect(d['connect-src']).toEqual(["'self'", 'http://127.0.0.1:9444']);
    expect(d['form-action']).toEqual(["'self'", 'https://rp.example']);
  });

  test('allowFormAction adds the redirect origin of this response only', async () => {
    const app = page({ publicUrl: 'http://localhost:8080' }, (ctx) => {
      if (ctx.path === '/login') allowFormAction(ctx, 'https://rp.example/callback?x=1', 'https://rp.example/other', 'javascript:alert(1)');
      ctx.body = 'ok';
    });
    const login = await request(app.callback()).get('/login').expect(200);
    expect(directives(login.headers['content-security-policy']!)['form-action']).toEqual(["'self'", 'https://rp.example']);
    const other = await request(app.callback()).get('/other').expect(200);
    expect(directives(other.headers['content-security-policy']!)['form-action']).toEqual(["'self'"]);
  });

  test('a failing formActionFor hook does not fail the page: form-action stays at self', async () => {
    const app = page({ publicUrl: 'http://localhost:8080', formActionFor: async () => { throw new Error('interaction store down'); } });
    const res = await request(app.callback()).get('/').expect(200);
    expect(directives(res.headers['content-security-policy']!)['form-action']).toEqual(["'self'"]);
  });

  test('formActionSource: origins for http(s), schemes for native apps, nothing for code-running schemes', () => {
    expect(formActionSource('https://rp.example:8443/cb?a=b')).toBe('https://rp.example:8443');
    expect(formActionSource('fr.esante.app:/callback')).toBe('fr.esante.app:');
    expect(formActionSource('javascript:alert(1)')).toBeUndefined();
    expect(formActionSource('data:text/html,x')).toBeUndefined();
    expect(formActionSource('not a url')).toBeUndefined();
  });

  test('buildCsp never duplicates a source', () => {
    expect(buildCsp({ connectSrc: ['http://127.0.0.1:9444', 'http://127.0.0.1:9444'] })).toContain("connect-src 'self' http://127.0.0.1:9444;");
  });

  test('oidc-provider form_post pages work under the CSP: the provider adds its script hash, the hook the RP origin', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new Provider('http://localhost:8080', {
      jwks: { keys: [{ ...await exportJWK(privateKey), alg: 'RS256', use: 'sig' }] },
      clients: [{ client_id: 'rp', client_secret: 'a-secret-long-enough-for-tests-0123456789', redirect_uris: ['https://rp.example/cb'] }],
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    });
    const callback = provider.callback();
    const app = new Koa();
    app.use(securityHeaders({
      publicUrl: 'http://localhost:8080',
      // The redirect_uri is only a candidate here; the provider posts only to registered ones.
      formActionFor: (ctx) => (typeof ctx.query.redirect_uri === 'string' ? [ctx.query.redirect_uri] : []),
    }));
    app.use(async (ctx) => {
      ctx.respond = false;
      await callback(ctx.req, ctx.res);
    });
    const res = await request(app.callback())
      .get('/auth?client_id=rp&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&response_mode=form_post&scope=openid&prompt=none&state=s1')
      .expect(400);
    expect(res.text).toContain('<form method="post" action="https://rp.example/cb">');
    expect(res.text).toContain('login_required');
    const script = /<script>([\s\S]*?)<\/script>/.exec(res.text)![1]!;
    const d = directives(res.headers['content-security-policy']!);
    expect(d['script-src']).toEqual(["'self'", `'sha256-${createHash('sha256').update(script).digest('base64')}'`]);
    expect(d['form-action']).toEqual(["'self'", 'https://rp.example']);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
