import { afterAll, beforeAll, describe, expect } from '@jest/globals';

import { SignJWT } from 'jose';
import * as client from 'openid-client';

import type { TestIdp } from '../helpers/idp.js';
import { ConformanceClient, errorOf } from './support/client.js';
import { POST_LOGOUT_REDIRECT_URI, submitLogoutForm } from './support/logout.js';
import { conformanceModule } from './support/modules.js';
import { startConformanceOp } from './support/op.js';

/**
 * oidcc-rp-initiated-logout-certification-test-plan (its discovery module is in discovery.test.ts).
 * Each module logs in, sends the browser to the end_session_endpoint with the module's parameters,
 * and checks where the browser lands; the official "upload a screenshot" is an assertion on the
 * rendered page. Variant: client_secret_basic, static client.
 */

let idp: TestIdp;
let rp: ConformanceClient;

beforeAll(async () => {
  idp = await startConformanceOp();
  rp = await ConformanceClient.register(idp, 'logout');
});
afterAll(async () => { await idp.close(); });

async function endSession(params: Record<string, string | undefined>) {
  const login = await rp.login();
  const defaults = { id_token_hint: login.tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: client.randomState() };
  const merged = Object.fromEntries(Object.entries({ ...defaults, ...params }).filter((e): e is [string, string] => e[1] !== undefined));
  const url = client.buildEndSessionUrl(rp.config, merged);
  url.searchParams.delete('client_id'); // the official suite sends only the module's parameters
  const res = await login.browser.follow(url.toString(), { stopAt: (u) => u.toString().startsWith('http://127.0.0.1:9/') });
  const html = res.response ? await res.response.text() : '';
  return { login, state: merged.state, landing: res.url, status: res.response?.status, html };
}

/** Logout pages are submitted by static/logout.js (hinted) or by the user (confirmation page). */
async function confirm(step: Awaited<ReturnType<typeof endSession>>) {
  expect(step.status).toBe(200);
  expect(step.html).toContain('<html lang="fr">');
  return submitLogoutForm(step.login.browser, idp.url, step.html);
}

/** After logout, prompt=none must fail: the session is gone (what the official modules check last). */
async function expectLoggedOut(step: Awaited<ReturnType<typeof endSession>>) {
  const request = await rp.request({ prompt: 'none' });
  const landing = await rp.browse(request.url, { browser: step.login.browser, as: null });
  expect(errorOf(landing.callback)).toMatchObject({ error: 'login_required', state: request.state });
}

/** Still logged in: prompt=none succeeds in the same browser. */
async function expectStillLoggedIn(step: Awaited<ReturnType<typeof endSession>>) {
  const request = await rp.request({ prompt: 'none' });
  const landing = await rp.browse(request.url, { browser: step.login.browser, as: null });
  expect(landing.callback?.searchParams.get('code')).toBeTruthy();
}

/** The OP must not redirect: an error page (or a confirmation), never the post_logout_redirect_uri. */
function expectNoRedirect(step: Awaited<ReturnType<typeof endSession>>) {
  expect(step.landing.origin).toBe(idp.url);
  expect(step.landing.toString().startsWith(POST_LOGOUT_REDIRECT_URI)).toBe(false);
}

describe('oidcc-rp-initiated-logout-certification-test-plan', () => {
  conformanceModule('oidcc-rp-initiated-logout', async () => {
    const step = await endSession({});
    const end = await confirm(step);
    expect(end.url.origin + end.url.pathname).toBe(POST_LOGOUT_REDIRECT_URI);
    expect(end.url.searchParams.get('state')).toBe(step.state);
    await expectLoggedOut(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri', async () => {
    const step = await endSession({ post_logout_redirect_uri: 'http://127.0.0.1:9/not-registered' });
    expectNoRedirect(step);
    expect(step.status).toBe(400);
    expect(step.html).toContain('post_logout_redirect_uri');
    await expectStillLoggedIn(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-modified-id-token-hint', async () => {
    const step0 = await rp.login();
    const [, payload] = step0.tokens.id_token!.split('.');
    const algNone = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    const url = client.buildEndSessionUrl(rp.config, { id_token_hint: algNone, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: 'x' });
    const res = await step0.browser.follow(url.toString(), { stopAt: (u) => u.toString().startsWith('http://127.0.0.1:9/') });
    const step = { login: step0, state: 'x', landing: res.url, status: res.response?.status, html: await res.response!.text() };
    expectNoRedirect(step);
    expect(step.status).toBe(400);
    expect(step.html).toContain('id_token_hint');
    await expectStillLoggedIn(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-no-id-token-hint', async () => {
    const step = await endSession({ id_token_hint: undefined });
    expectNoRedirect(step);
    // OpenPSC asks the user (no auto-submit without a hint); confirming does not go to the RP either.
    expect(step.html).toContain('Voulez-vous vous déconnecter');
    expect(step.html).not.toContain('/static/logout.js');
    const end = await confirm(step);
    expect(end.url.origin).toBe(idp.url);
    expect(end.html).toContain('Vous avez été déconnecté de Pro Santé Connect.');
  });

  conformanceModule('oidcc-rp-initiated-logout-no-params', async () => {
    const step = await endSession({ id_token_hint: undefined, post_logout_redirect_uri: undefined, state: undefined });
    expectNoRedirect(step);
    // Without a hint OpenPSC asks for confirmation (no auto-submit script), then shows "logged out".
    expect(step.html).toContain('Voulez-vous vous déconnecter');
    expect(step.html).not.toContain('/static/logout.js');
    const end = await confirm(step);
    expect(end.html).toContain('Vous êtes déconnecté');
    await expectLoggedOut(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-no-post-logout-redirect-uri', async () => {
    const step = await endSession({ post_logout_redirect_uri: undefined });
    expectNoRedirect(step);
    expect(step.html).toContain('/static/logout.js'); // a valid hint: the page confirms by itself
    const end = await confirm(step);
    expect(end.url.origin).toBe(idp.url);
    expect(end.html).toContain('Vous êtes déconnecté');
    expect(end.html).not.toContain('déconnecté et de'); // the French sentence without a client name
    await expectLoggedOut(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-no-state', async () => {
    const step = await endSession({ state: undefined });
    const end = await confirm(step);
    expect(end.url.origin + end.url.pathname).toBe(POST_LOGOUT_REDIRECT_URI);
    expect(end.url.searchParams.has('state')).toBe(false);
    await expectLoggedOut(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-only-state', async () => {
    const step = await endSession({ id_token_hint: undefined, post_logout_redirect_uri: undefined });
    expectNoRedirect(step);
    const end = await confirm(step);
    expect(end.html).toContain('Vous êtes déconnecté');
    await expectLoggedOut(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri', async () => {
    const step = await endSession({ post_logout_redirect_uri: `${POST_LOGOUT_REDIRECT_URI}?extra=1` });
    expectNoRedirect(step);
    expect(step.status).toBe(400);
    await expectStillLoggedIn(step);
  });

  conformanceModule('oidcc-rp-initiated-logout-bad-id-token-hint', async () => {
    // An ID token the suite signs itself (HS256 with the client secret), with plausible claims.
    const login = await rp.login();
    const claims = login.tokens.claims()!;
    const forged = await new SignJWT({ sub: claims.sub, sid: claims.sid, nonce: 'n' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer(idp.issuer).setAudience(rp.clientId).setIssuedAt().setExpirationTime('5m')
      .sign(new TextEncoder().encode(rp.rp.clientSecret!));
    const url = client.buildEndSessionUrl(rp.config, { id_token_hint: forged, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: 'x' });
    const res = await login.browser.follow(url.toString(), { stopAt: (u) => u.toString().startsWith('http://127.0.0.1:9/') });
    const step = { login, state: 'x', landing: res.url, status: res.response?.status, html: await res.response!.text() };
    expectNoRedirect(step);
    expect(step.status).toBe(400);
    await expectStillLoggedIn(step);
  });
});
