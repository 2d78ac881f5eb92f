import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';

import { endActivities, saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest, loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, registerRp, type TestRp } from '../helpers/rp.js';
import { authorizeWithTestLogin, completeTestLogin } from '../helpers/test-login.js';

const ID_NAT = '899700427885';
let idp: TestIdp;
let rp: TestRp;
let other: TestRp;

beforeAll(async () => {
  idp = await startTestIdp();
  await saveProfessional(idp.database.db, medecin(ID_NAT));
  rp = await registerRp(idp);
  other = await registerRp(idp, { redirectUris: ['http://127.0.0.1:9/other-callback'] });
});
afterAll(async () => { await idp.close(); });

/** Browses to the login interaction and completes it; returns the RP callback URL (with the code). */
async function codeFor(r: TestRp, extra: Record<string, string> = {}) {
  const request = await authorizationRequest(r, extra);
  const callback = await authorizeWithTestLogin(idp, new BrowserSession(), request.url, ID_NAT, r.redirectUri);
  return { request, callback };
}

describe('refused requests (one test each)', () => {
  test('redirect_uri not registered: error page, no redirect', async () => {
    const request = await authorizationRequest(rp, { redirect_uri: 'http://127.0.0.1:9/evil' });
    const res = await new BrowserSession().fetch(request.url.toString());
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const body = await res.text();
    expect(body).toContain('Connexion impossible');
    expect(body).toContain('invalid_redirect_uri');
  });

  test('redirect_uri matched exactly (no prefix, no extra query)', async () => {
    const request = await authorizationRequest(rp, { redirect_uri: `${rp.redirectUri}?x=1` });
    const res = await new BrowserSession().fetch(request.url.toString());
    expect(res.status).toBe(400);
  });

  test('code reused: refused, and the tokens of that grant are revoked', async () => {
    const { request, callback } = await codeFor(rp);
    const tokens = await client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    await expect(client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(rp.config, tokens.refresh_token!)).toEqual({ active: false });
  });

  test('code issued to another client: invalid_grant', async () => {
    const { request, callback } = await codeFor(rp);
    const stolen = new URL(other.redirectUri);
    stolen.search = callback.search;
    await expect(client.authorizationCodeGrant(other.config, stolen, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('PKCE verifier wrong: invalid_grant', async () => {
    const { request, callback } = await codeFor(rp);
    await expect(client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedNonce: request.nonce, expectedState: request.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('PKCE missing when the client requires it: invalid_request', async () => {
    const strict = await registerRp(idp, { pkceRequired: true, redirectUris: ['http://127.0.0.1:9/strict'] });
    const url = client.buildAuthorizationUrl(strict.config, { redirect_uri: strict.redirectUri, scope: 'openid scope_all', state: 's' });
    const res = await new BrowserSession().follow(url.toString(), { stopAt: (u) => u.toString().startsWith(strict.redirectUri) });
    expect(res.url.searchParams.get('error')).toBe('invalid_request');
    expect(res.url.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(res.url.searchParams.get('state')).toBe('s');
  });

  test('PKCE mandatory for every client when PKCE_REQUIRED is set', async () => {
    const strictIdp = await startTestIdp({ overrides: { PKCE_REQUIRED: 'true' } });
    try {
      const r = await registerRp(strictIdp);
      const url = client.buildAuthorizationUrl(r.config, { redirect_uri: r.redirectUri, scope: 'openid scope_all' });
      const res = await new BrowserSession().follow(url.toString(), { stopAt: (u) => u.toString().startsWith(r.redirectUri) });
      expect(res.url.searchParams.get('error')).toBe('invalid_request');
    } finally {
      await strictIdp.close();
    }
  });

  test('wrong client secret: invalid_client (401)', async () => {
    const { request, callback } = await codeFor(rp);
    const wrong = await discover(idp, rp.clientId, 'not-the-secret');
    await expect(client.authorizationCodeGrant(wrong, callback, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state }))
      .rejects.toMatchObject({ status: 401 });
    const res = await fetch(rp.config.serverMetadata().token_endpoint!, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${rp.clientId}:wrong`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: rp.redirectUri }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  test('expired code: invalid_grant', async () => {
    const { request, callback } = await codeFor(rp);
    // Age the stored code past its 60 s lifetime instead of waiting.
    await idp.database.db.updateTable('oidc_payload').set({ expires_at: new Date(Date.now() - 1000) })
      .where('model', '=', 'AuthorizationCode').execute();
    await expect(client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('unknown professional: the login cannot complete (access_denied / no tokens)', async () => {
    const request = await authorizationRequest(rp);
    const browser = new BrowserSession();
    const first = await browser.follow(request.url.toString());
    const returnTo = await completeTestLogin(idp, first.url, '899999999999');
    const back = await browser.follow(returnTo, { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
    // the account cannot be found: oidc-provider refuses to resume the login
    expect(back.url.searchParams.get('code')).toBeNull();
  });

  test('professional whose activities ended: tokens refused at the token endpoint', async () => {
    await saveProfessional(idp.database.db, medecin('899700000103'));
    const request = await authorizationRequest(rp);
    const callback = await authorizeWithTestLogin(idp, new BrowserSession(), request.url, '899700000103', rp.redirectUri);
    await endActivities(idp.database.db, '899700000103');
    await expect(client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('refresh token reuse: refused and the grant revoked', async () => {
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    const next = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(rp.config, next.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('acr_values not supported: invalid_request sent back to the client', async () => {
    const request = await authorizationRequest(rp, { acr_values: 'eidas3' });
    const res = await new BrowserSession().follow(request.url.toString(), { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
    expect(res.url.searchParams.get('error')).toBe('invalid_request');
    expect(res.url.searchParams.get('error_description')).toMatch(/acr_values/);
    expect(res.url.searchParams.get('state')).toBe(request.state);
  });

  test('unknown scopes of PSC discovery are accepted and ignored', async () => {
    const request = await authorizationRequest(rp, { scope: 'openid scope_all identity rpps eidas1' });
    const callback = await authorizeWithTestLogin(idp, new BrowserSession(), request.url, ID_NAT, rp.redirectUri);
    const tokens = await client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.scope).toBe('openid scope_all');
  });
});
