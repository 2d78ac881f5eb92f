import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { ConfigError } from '../../src/config/errors.js';
import { loadSettings } from '../../src/config/settings.js';
import { saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';
import { completeTestLogin } from '../helpers/test-login.js';

const ID_NAT = '899700427885';

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
    await Promise.all([on, off].map((idp) => saveProfessional(idp.database.db, medecin(ID_NAT))));
  });
  afterAll(async () => { await Promise.all([on.close(), off.close()]); });

  const post = async (rp: TestRp, browser = new BrowserSession()) => {
    const request = await authorizationRequest(rp);
    const endpoint = new URL(request.url.pathname, request.url.origin);
    const res = await browser.fetch(endpoint.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(request.url.searchParams).toString() });
    return { res, cookies: res.headers.getSetCookie() };
  };

  /** Finishes the login the interaction at `location` stands for; returns the session cookie as set (with its attributes). */
  const sessionCookieAfterLogin = async (idp: TestIdp, rp: TestRp, browser: BrowserSession, location: string) => {
    let url = new URL(await completeTestLogin(idp, new URL(location, idp.issuer), ID_NAT));
    const set: string[] = [];
    for (let i = 0; i < 10 && !url.toString().startsWith(rp.redirectUri); i += 1) {
      const res = await browser.fetch(url.toString());
      set.push(...res.headers.getSetCookie());
      const next = res.headers.get('location');
      if (!next) break;
      url = new URL(next, url);
    }
    expect(url.toString().startsWith(rp.redirectUri)).toBe(true);
    return set.find((c) => c.startsWith('_session='));
  };

  test('takes a form post like a GET: on to the login page; the session cookie SameSite=None, the interaction cookie still Lax', async () => {
    const browser = new BrowserSession();
    const { res, cookies } = await post(rpOn, browser);
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toMatch(/\/interaction\//);
    // The interaction cookie stays Lax: only the session cookie must cross sites.
    expect(cookies.find((c) => c.startsWith('_interaction='))).toMatch(/samesite=lax/i);
    expect(await sessionCookieAfterLogin(on, rpOn, browser, res.headers.get('location')!)).toMatch(/samesite=none/i);
  });

  test('answers only GET when off (http without AUTHORIZATION_POST): no interaction starts', async () => {
    const { res } = await post(rpOff);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('location') ?? '').not.toMatch(/\/interaction\//);
    // A GET login there keeps the session cookie Lax.
    const browser = new BrowserSession();
    const get = await browser.fetch((await authorizationRequest(rpOff)).url.toString());
    expect(await sessionCookieAfterLogin(off, rpOff, browser, get.headers.get('location')!)).toMatch(/samesite=lax/i);
  });
});
