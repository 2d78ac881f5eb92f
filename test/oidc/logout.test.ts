import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import type { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest, loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';

const ID_NAT = '899700427885';
let idp: TestIdp;
let rp: TestRp;
let receiver: http.Server;
let receiverUrl: string;
const received: string[] = [];

beforeAll(async () => {
  idp = await startTestIdp();
  await saveProfessional(idp.database.db, medecin(ID_NAT));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => { received.push(body); res.writeHead(200).end(); });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel-logout`;
  rp = await registerRp(idp, { backchannelLogoutUri: receiverUrl });
});
afterAll(async () => {
  await idp.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

/** What logout.js does in a browser: submit the provider's confirmation form with logout=yes. */
async function confirmLogout(browser: BrowserSession, page: Response) {
  const html = await page.text();
  const action = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"/.exec(html)?.[1] ?? /action="([^"]+)"[^>]*id="op\.logoutForm"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  expect(action).toBeDefined();
  expect(html).toContain('/static/logout.js');
  return browser.follow(new URL(action!, idp.url).toString(), {
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }) },
    stopAt: (u) => u.toString().startsWith('http://127.0.0.1:9/'),
  });
}

describe('logout', () => {
  test('RP-initiated logout: id_token_hint, post_logout_redirect_uri, state echoed; back-channel logout delivered', async () => {
    const { tokens, browser } = await loginAndGetTokens(idp, rp, ID_NAT);
    const url = client.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://127.0.0.1:9/logged-out',
      state: 'etat-42',
    });
    const page = await browser.fetch(url.toString());
    expect(page.status).toBe(200);
    const end = await confirmLogout(browser, page);
    expect(end.url.origin + end.url.pathname).toBe('http://127.0.0.1:9/logged-out');
    expect(end.url.searchParams.get('state')).toBe('etat-42');

    // back-channel: a signed logout token with the session id
    const form = new URLSearchParams(received.at(-1));
    const jwks = createRemoteJWKSet(new URL(rp.config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(form.get('logout_token')!, jwks, { issuer: idp.issuer, audience: rp.clientId });
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.sid).toBe(tokens.claims()!.sid);

    // the grant's tokens are gone and the SSO session too
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await authorizationRequest(rp);
    const next = await browser.follow(again.url.toString(), { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
    expect(next.url.pathname).toContain('/interaction/');
  });

  test('server-to-server logout (id_token_hint only, no cookie): 200, no HTML, grant revoked', async () => {
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    const url = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token! });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
  });

  test('server-to-server logout with a forged hint: 400', async () => {
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    const [h, p] = tokens.id_token!.split('.');
    const res = await fetch(client.buildEndSessionUrl(rp.config, { id_token_hint: `${h}.${p}.AAAA` }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect((await client.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
  });
});
