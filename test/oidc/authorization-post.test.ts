import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { ConfigError } from '../../src/config/errors.js';
import { loadSettings } from '../../src/config/settings.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { authorizationRequest } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';

/**
 * Authorization by POST (OIDC Core §3.1.2.1; PSC's Keycloak takes it): on by default for https
 * deployments, where the session cookie can be SameSite=None; Secure. The full POST flow is the
 * conformance module oidcc-ensure-post-request-succeeds.
 */

describe('AUTHORIZATION_POST', () => {
  test('auto follows PUBLIC_URL (https: on, http: off); on/off force it; anything else is refused', () => {
    expect(loadSettings({ PUBLIC_URL: 'https://auth.example.fr' }).authorizationPost).toBe(true);
    expect(loadSettings({ PUBLIC_URL: 'http://localhost:3000' }).authorizationPost).toBe(false);
    expect(loadSettings({ PUBLIC_URL: 'https://auth.example.fr', AUTHORIZATION_POST: 'off' }).authorizationPost).toBe(false);
    expect(loadSettings({ AUTHORIZATION_POST: 'on' }).authorizationPost).toBe(true);
    expect(() => loadSettings({ AUTHORIZATION_POST: 'yes' })).toThrow(ConfigError);
  });
});

describe('the authorization endpoint', () => {
  let on: TestIdp;
  let off: TestIdp;
  let rpOn: TestRp;
  let rpOff: TestRp;
  beforeAll(async () => {
    [on, off] = await Promise.all([startTestIdp({ overrides: { AUTHORIZATION_POST: 'on' } }), startTestIdp()]);
    [rpOn, rpOff] = await Promise.all([registerRp(on), registerRp(off)]);
  });
  afterAll(async () => { await Promise.all([on.close(), off.close()]); });

  const post = async (rp: TestRp) => {
    const request = await authorizationRequest(rp);
    const endpoint = new URL(request.url.pathname, request.url.origin);
    const browser = new BrowserSession();
    const res = await browser.fetch(endpoint.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request.url.searchParams).toString() });
    return { res, cookies: res.headers.getSetCookie() };
  };

  test('takes a form post like a GET: on to the login page, with the interaction cookie still Lax', async () => {
    const { res, cookies } = await post(rpOn);
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
    // The interaction cookie stays Lax: only the session cookie must cross sites.
    expect(cookies.find((c) => c.startsWith('_interaction='))).toMatch(/samesite=lax/i);
    const discovery = await (await fetch(`${on.issuer}/.well-known/openid-configuration`)).json() as { authorization_endpoint: string };
    expect(new URL(discovery.authorization_endpoint).pathname).toBe(new URL((await authorizationRequest(rpOn)).url).pathname);
  });

  test('answers only GET when off (http without AUTHORIZATION_POST): no interaction starts', async () => {
    const { res } = await post(rpOff);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('location') ?? '').not.toMatch(/\/interaction\//);
  });
});
