import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import compose from 'koa-compose';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { instrumentProvider } from '../../src/http/metrics.js';
import { defaultRateLimitRules, installOpsLayer, type OpsLayer } from '../../src/http/ops-layer.js';
import { PSC_ROUTES } from '../../src/oidc/psc/routes.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { startTestIdp, testSettings, type TestIdp } from '../helpers/idp.js';
import { captureLogger } from '../helpers/log-capture.js';
import { registerRp, type TestRp } from '../helpers/rp.js';
import { authorizeWithTestLogin } from '../helpers/test-login.js';

// The real IdP (createOpenPsc) behind the ops layer, as the lead will wire it: the layer's
// middleware first, then the IdP's own middleware unchanged.

const ID_NAT = '899700427885';
const TOKEN_LIMIT = 3;
let idp: TestIdp;
let rp: TestRp;
let ops: OpsLayer;
const cap = captureLogger();

beforeAll(async () => {
  idp = await startTestIdp({ overrides: { RATE_LIMIT_TOKEN: TOKEN_LIMIT } });
  await saveProfessional(idp.database.db, medecin(ID_NAT));
  const outer = new Koa({ proxy: idp.settings.trustProxy });
  ops = installOpsLayer(outer, {
    settings: idp.settings,
    database: idp.database,
    logger: cap.logger,
    checks: { signingKeys: async () => ((await idp.database.db.selectFrom('signing_key').select('kid').where('status', '=', 'active').execute()).length ? true : 'no active signing key') },
  });
  instrumentProvider(idp.openpsc.provider, ops.metrics);
  outer.use(compose(idp.openpsc.app.middleware));
  idp.server.removeAllListeners('request');
  idp.server.on('request', outer.callback());
  rp = await registerRp(idp);
});
afterAll(async () => {
  ops.stop();
  await idp.close();
});

async function codeFlow() {
  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri, scope: 'openid scope_all', acr_values: 'eidas1',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', nonce, state,
  });
  const callback = await authorizeWithTestLogin(idp, new BrowserSession(), url, ID_NAT, rp.redirectUri);
  return { callback, codeVerifier, nonce, state };
}

async function metricsText(): Promise<string> {
  return (await fetch(`${idp.url}/metrics`)).text();
}

describe('the IdP behind the ops layer', () => {
  test('a full code flow works, and its code, state and tokens never reach the logs', async () => {
    const { callback, codeVerifier, nonce, state } = await codeFlow();
    const tokens = await client.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: codeVerifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()!.SubjectNameID).toBe(ID_NAT);
    const logs = cap.text();
    for (const secret of [callback.searchParams.get('code')!, state, nonce, tokens.access_token, tokens.id_token!]) {
      expect(logs).not.toContain(secret);
    }
    const paths = cap.lines.filter((l) => l.msg === 'request').map((l) => `${l.method} ${l.path} ${l.status}`);
    expect(paths).toContain(`POST ${idp.settings.issuerPath}${PSC_ROUTES.token} 200`);
    expect(paths.some((p) => p.startsWith(`GET ${idp.settings.issuerPath}${PSC_ROUTES.authorization} 30`))).toBe(true);
  });

  test('metrics: tokens issued by grant type, durations by route pattern (provider and interaction routes)', async () => {
    const text = await metricsText();
    expect(text).toMatch(/^openpsc_tokens_issued_total\{grant_type="authorization_code"\} [1-9]/m);
    const issuer = idp.settings.issuerPath;
    expect(text).toContain(`route="${issuer}${PSC_ROUTES.token}",status="200"`);
    expect(text).toContain(`route="${issuer}${PSC_ROUTES.authorization}"`);
    expect(text).toContain(`route="${issuer}/.well-known/wallet-openid-configuration",status="200"`);
    expect(text).toContain(`route="${issuer}/interaction/:uid"`);
    expect(text).not.toMatch(/route="[^"]*\/interaction\/(?!:uid)/);
    if (idp.database.pool) expect(text).toMatch(/^openpsc_db_pool_clients\{state="total"\} \d+/m);
  });

  test('every response carries the request id and the security headers, provider responses included', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  test('/healthz and /readyz', async () => {
    expect((await fetch(`${idp.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${idp.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', signingKeys: 'ok' } });
  });

  test('the token endpoint is rate limited per client IP: 429, Retry-After, too_many_requests', async () => {
    const post = () => fetch(`${idp.issuer}${PSC_ROUTES.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', client_id: rp.clientId, client_secret: rp.clientSecret!, redirect_uri: rp.redirectUri }),
    });
    let last: Response | undefined;
    for (let i = 0; i < TOKEN_LIMIT + 1; i += 1) last = await post();
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await last!.json() as { error: string }).error).toBe('too_many_requests');
    expect(last!.headers.get('x-request-id')).toBeTruthy();
    expect(await metricsText()).toContain('route="rate-limited:token",status="429"');
    // A forged X-Forwarded-For does not buy a fresh budget.
    const forged = await fetch(`${idp.issuer}${PSC_ROUTES.token}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '203.0.113.99' }, body: 'grant_type=client_credentials',
    });
    expect(forged.status).toBe(429);
  });

  test('an oversized body is refused with 413 before the provider reads it', async () => {
    const res = await fetch(`${idp.issuer}${PSC_ROUTES.introspection}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(idp.settings.ops.bodyLimit)}`,
    });
    expect(res.status).toBe(413);
  });
});

describe('defaultRateLimitRules', () => {
  const settings = testSettings(8080, { RATE_LIMIT_LOGIN: 7, RATE_LIMIT_TOKEN: 70, RATE_LIMIT_WINDOW: 120 });
  const [login, token] = defaultRateLimitRules(settings);
  const issuer = settings.issuerPath;

  test('login: every plug-in POST inside an interaction, not the login page itself', () => {
    expect(login).toMatchObject({ name: 'login', methods: ['POST'], limit: 7, windowSeconds: 120 });
    const re = login!.path as RegExp;
    expect(re.test(`${issuer}/interaction/abc123/card/pin`)).toBe(true);
    expect(re.test(`${issuer}/interaction/abc123/ecps/code`)).toBe(true);
    expect(re.test(`${issuer}/interaction/abc123`)).toBe(false);
  });

  test('token: token, PAR, CIBA, introspection and revocation endpoints, exactly', () => {
    expect(token).toMatchObject({ name: 'token', methods: ['POST'], limit: 70, windowSeconds: 120 });
    const re = token!.path as RegExp;
    for (const p of ['token', 'pushed_authorization_request', 'backchannel_authentication', 'introspection', 'revocation'] as const) {
      expect(re.test(`${issuer}${PSC_ROUTES[p]}`)).toBe(true);
    }
    expect(re.test(`${issuer}${PSC_ROUTES.userinfo}`)).toBe(false);
    expect(re.test(`${issuer}${PSC_ROUTES.token}/extra`)).toBe(false);
  });

  test('RATE_LIMIT_ENABLED=false installs no rule', () => {
    const off = testSettings(8080, { RATE_LIMIT_ENABLED: false });
    const app = new Koa();
    const layer = installOpsLayer(app, { settings: off, database: idp.database, logger: cap.logger });
    layer.stop();
    expect(layer.rules).toEqual([]);
  });
});
