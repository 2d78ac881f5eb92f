import { afterAll, beforeAll, describe, expect } from '@jest/globals';

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';

import type { TestIdp } from '../helpers/idp.js';
import { ConformanceClient, errorOf } from './support/client.js';
import { POST_LOGOUT_REDIRECT_URI, startLogoutReceiver, submitLogoutForm, type LogoutReceiver } from './support/logout.js';
import { conformanceModule } from './support/modules.js';
import { startConformanceOp } from './support/op.js';

/**
 * oidcc-backchannel-rp-initiated-logout-certification-test-plan (its discovery module is in
 * discovery.test.ts): the relying party registers a back-channel logout URI served on 127.0.0.1.
 */

let idp: TestIdp;
let rp: ConformanceClient;
let receiver: LogoutReceiver;

beforeAll(async () => {
  idp = await startConformanceOp();
  receiver = await startLogoutReceiver();
  rp = await ConformanceClient.register(idp, 'backchannel', { backchannelLogoutUri: receiver.url });
});
afterAll(async () => {
  await idp.close();
  await receiver.close();
});

describe('oidcc-backchannel-rp-initiated-logout-certification-test-plan', () => {
  conformanceModule('oidcc-backchannel-rp-initiated-logout', async () => {
    const { tokens, browser } = await rp.login();
    const idToken = tokens.claims()!;
    const before = receiver.tokens.length;
    const url = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: 'etat-bc' });
    const page = await browser.fetch(url.toString());
    const end = await submitLogoutForm(browser, idp.url, await page.text());
    expect(end.url.origin + end.url.pathname).toBe(POST_LOGOUT_REDIRECT_URI);
    expect(end.url.searchParams.get('state')).toBe('etat-bc');

    // ValidateLogoutTokenSignature, ValidateLogoutTokenClaims (OIDC Back-Channel Logout §2.4, §2.6)
    const logoutToken = await receiver.next(before);
    expect(decodeProtectedHeader(logoutToken).alg).toBe('RS256');
    const { payload, protectedHeader } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(rp.metadata.jwks_uri!)), {
      issuer: idp.issuer, audience: rp.clientId, typ: 'logout+jwt',
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toEqual(expect.any(Number));
    expect(payload.nonce).toBeUndefined();
    expect(payload.sid).toBe(idToken.sid); // backchannel_logout_session_supported
    expect(payload.sub === undefined || payload.sub === idToken.sub).toBe(true);

    // the user is logged out: prompt=none fails
    const request = await rp.request({ prompt: 'none' });
    const landing = await rp.browse(request.url, { browser, as: null });
    expect(errorOf(landing.callback)).toMatchObject({ error: 'login_required', state: request.state });
  });
});
