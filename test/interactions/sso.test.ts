import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest, loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';

let idp: TestIdp;
let rp: TestRp;
let other: TestRp;
beforeAll(async () => {
  idp = await startTestIdp();
  await saveProfessional(idp.database.db, medecin('899700427885'));
  rp = await registerRp(idp);
  other = await registerRp(idp, { name: 'Autre logiciel', redirectUris: ['http://127.0.0.1:9/autre'] });
});
afterAll(async () => { await idp.close(); });

const atRp = (r: TestRp) => (u: URL) => u.toString().startsWith(r.redirectUri);

describe('login interaction and SSO', () => {
  test('a second relying party in the same browser session gets a code without a login page', async () => {
    const { browser } = await loginAndGetTokens(idp, rp, '899700427885');
    const request = await authorizationRequest(other);
    const { url } = await browser.follow(request.url.toString(), { stopAt: atRp(other) });
    expect(url.searchParams.get('code')).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(other.config, url, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.claims()!.SubjectNameID).toBe('899700427885');
  });

  test('prompt=login asks again; prompt=none without a session answers login_required', async () => {
    const { browser } = await loginAndGetTokens(idp, rp, '899700427885');
    const again = await authorizationRequest(rp, { prompt: 'login' });
    expect((await browser.follow(again.url.toString(), { stopAt: atRp(rp) })).url.pathname).toContain('/interaction/');
    const silent = await authorizationRequest(rp, { prompt: 'none' });
    const { url } = await new BrowserSession().follow(silent.url.toString(), { stopAt: atRp(rp) });
    expect(url.searchParams.get('error')).toBe('login_required');
  });

  test('the login page is in French, names the client, offers to cancel; cancelling returns access_denied', async () => {
    const browser = new BrowserSession();
    const request = await authorizationRequest(other);
    const { url, response } = await browser.follow(request.url.toString(), { stopAt: atRp(other) });
    const html = await response!.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Connexion à Autre logiciel');
    expect(response!.headers.get('cache-control')).toBe('no-store');
    const back = await browser.follow(`${url.toString()}/abort`, { stopAt: atRp(other) });
    expect(back.url.searchParams.get('error')).toBe('access_denied');
    expect(back.url.searchParams.get('state')).toBe(request.state);
  });

  test('an interaction without its cookie (expired, other browser) gets the French expiry page', async () => {
    const request = await authorizationRequest(rp);
    const { url } = await new BrowserSession().follow(request.url.toString(), { stopAt: atRp(rp) });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Votre session a expiré');
  });
});

describe('audit and health of the running IdP', () => {
  test('a login and a cancelled login are written to the audit log; /healthz and /readyz answer', async () => {
    const { tokens } = await loginAndGetTokens(idp, rp, '899700427885');
    expect(tokens.access_token).toBeTruthy();
    const browser = new BrowserSession();
    const request = await authorizationRequest(other);
    const { url } = await browser.follow(request.url.toString(), { stopAt: atRp(other) });
    await browser.follow(`${url.toString()}/abort`, { stopAt: atRp(other) });
    const rows = await idp.database.db.selectFrom('audit_event').selectAll().orderBy('id', 'desc').execute();
    expect(rows.some((r) => r.outcome === 'aborted' && r.client_id === other.clientId)).toBe(true);
    expect((await fetch(`${idp.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${idp.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${idp.url}/metrics`)).text();
    expect(metrics).toMatch(/openpsc_tokens_issued_total\{grant_type="authorization_code"\} \d+/);
  });
});
