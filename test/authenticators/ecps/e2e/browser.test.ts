import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';

import { authorizationRequest, type AuthorizationRequest } from '../../../helpers/flows.js';
import { registerRp, type TestRp } from '../../../helpers/rp.js';
import { startEcpsIdp, type EcpsIdp } from './setup.js';

let env: EcpsIdp;
let rp: TestRp;
let browser: Browser;
let rpServer: http.Server;

beforeAll(async () => {
  env = await startEcpsIdp();
  // The relying party's callback: a real local page (Chromium refuses "unsafe" ports like 9).
  rpServer = http.createServer((_req, res) => res.end('RP'));
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
  rp = await registerRp(env.idp, { redirectUris: [`http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/callback`] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  rpServer?.close();
});

/** A fresh browser context and page; CSP violations reported on the console are collected. */
async function rpPage(): Promise<{ page: Page; cspViolations: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  return { page, cspViolations };
}

/** The amr the provider recorded for the professional's latest authorization code. */
async function recordedAmr(nationalId: string): Promise<unknown> {
  const rows = await env.idp.database.db.selectFrom('oidc_payload').select('payload')
    .where('model', '=', 'AuthorizationCode').execute();
  const mine = rows.map((r) => r.payload).filter((p) => String(p.accountId).endsWith(`:${nationalId}`));
  return mine.at(-1)?.amr;
}

async function tokensFrom(page: Page, request: AuthorizationRequest) {
  await page.waitForURL((u) => u.toString().startsWith(rp.redirectUri));
  return client.authorizationCodeGrant(rp.config, new URL(page.url()), {
    pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state,
  });
}

describe('e-CPS browser login (Chromium, real provider)', () => {
  test('push: the page shows the code, the simulator approves, the page continues to the RP; userinfo says MOBILE', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const request = await authorizationRequest(rp, { login_hint: nationalId });
    const { page, cspViolations } = await rpPage();
    await page.goto(request.url.toString());
    expect(await page.inputValue('#ecps-national-id')).toBe(nationalId);
    await page.click('#ecps-push');
    const shown = (await page.textContent('#ecps-code'))!.trim();
    const finishUrl = new URL((await page.getAttribute('#ecps-wait', 'data-finish-url'))!, page.url()).toString();
    expect(cspViolations).toEqual([]); // the wait page's script is a static file under a strict CSP
    const [pending] = await device.pending();
    expect(pending).toMatchObject({ code: shown, client_name: 'Logiciel de test' });
    await device.approve(pending!.request_id);
    const tokens = await tokensFrom(page, request);
    const idClaims = tokens.claims()!;
    expect(idClaims.acr).toBe('eidas1');
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, idClaims.sub);
    expect(userinfo).toMatchObject({ SubjectNameID: nationalId, authMode: 'MOBILE' });
    expect(await recordedAmr(nationalId)).toEqual(['swk', 'pin']);
    expect(cspViolations).toEqual([]);
    // The approval was turned into a login once: its finish URL now only says it has expired.
    await page.goto(finishUrl);
    await page.waitForSelector('[data-outcome="expired"]');
    expect(await page.textContent('.ecps-outcome')).toMatch(/expiré/);
    await page.context().close();
  });

  test('push denied on the phone: the page shows the refusal in French', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const request = await authorizationRequest(rp);
    const { page } = await rpPage();
    await page.goto(request.url.toString());
    await page.fill('#ecps-national-id', nationalId);
    await page.click('#ecps-push');
    await page.waitForSelector('#ecps-code');
    await device.deny();
    await page.waitForSelector('[data-outcome="denied"]');
    expect(await page.textContent('h1')).toContain('Connexion refusée');
    expect(await page.getAttribute('.ecps-retry', 'href')).toMatch(/\/interaction\/[^/]+$/);
    await page.context().close();
  });

  test('push never answered: once the request expires the page says the phone did not answer', async () => {
    const { nationalId } = await env.professionalWithDevice();
    const request = await authorizationRequest(rp, { login_hint: nationalId });
    const { page } = await rpPage();
    await page.goto(request.url.toString());
    await page.click('#ecps-push');
    await page.waitForSelector('#ecps-code');
    // The request's lifetime runs out (ECPS_APPROVAL_TTL), without waiting for it.
    await env.idp.database.db.updateTable('ecps_approval').set({ expires_at: new Date(Date.now() - 1000) })
      .where('national_id', '=', nationalId).where('status', '=', 'pending').execute();
    await page.waitForSelector('[data-outcome="timeout"]');
    expect(await page.textContent('h1')).toContain('Pas de réponse de votre e-CPS');
    // Going back to the wait page of an answered-late request shows the same outcome.
    await page.goBack();
    await page.waitForSelector('[data-outcome="timeout"]');
    await page.context().close();
  });

  test('one-time code typed on the login page logs in; the same code again is refused', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const request = await authorizationRequest(rp, { login_hint: nationalId });
    const { page } = await rpPage();
    await page.goto(request.url.toString());
    const code = device.otp();
    await page.fill('#ecps-otp', code);
    await page.click('#ecps-otp-submit');
    const tokens = await tokensFrom(page, request);
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ SubjectNameID: nationalId, authMode: 'MOBILE' });
    expect(await recordedAmr(nationalId)).toEqual(['otp']);

    const again = await authorizationRequest(rp, { login_hint: nationalId, prompt: 'login' });
    const second = await rpPage();
    await second.page.goto(again.url.toString());
    await second.page.fill('#ecps-otp', code);
    await second.page.click('#ecps-otp-submit');
    await second.page.waitForSelector('[data-outcome="error"]');
    expect(await second.page.textContent('.ecps-outcome')).toContain('Code incorrect ou déjà utilisé');
    await page.context().close();
    await second.page.context().close();
  });

  test('a revoked device can no longer approve a browser login', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const request = await authorizationRequest(rp, { login_hint: nationalId });
    const { page } = await rpPage();
    await page.goto(request.url.toString());
    await page.click('#ecps-push');
    await page.waitForSelector('#ecps-code');
    const [pending] = await device.pending();
    await env.service.revokeDevice(device.deviceId);
    await expect(device.approve(pending!.request_id)).rejects.toMatchObject({ status: 401, code: 'ECPS_DEVICE_AUTH_FAILED' });
    expect((await env.service.store.approval(pending!.request_id))!.status).toBe('pending');
    await page.context().close();
  });
});
