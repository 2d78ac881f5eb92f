import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { sql } from 'kysely';
import * as client from 'openid-client';

import type { TestIdp } from '../helpers/idp.js';
import { ConformanceClient } from './support/client.js';
import { compareShape } from './support/compare-shape.js';
import { verifyIdToken } from './support/id-token.js';
import { adaptedModule, conformanceModule, notApplicable, skippedModule } from './support/modules.js';
import { PROFESSIONAL, startConformanceOp } from './support/op.js';
import { installTestCibaChannel, type TestCibaDevice } from './support/test-ciba-channel.js';

/**
 * fapi-ciba-id1-test-plan, the modules that apply to PSC's CIBA without FAPI: poll mode,
 * client_secret_basic, plain form requests (psc-contract.md §14). The device is the TEST-ONLY
 * channel of support/test-ciba-channel.ts until the e-CPS plug-in is merged. FAPI-only modules
 * (signed request objects, private_key_jwt and mTLS variants, ping mode, holder-of-key) are listed
 * as skipped with their reason.
 */

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const VARIANT = 'ciba_mode=poll, client_auth_type=client_secret_basic, without FAPI';

let idp: TestIdp;
let device: TestCibaDevice;
let rp: ConformanceClient;
let rp2: ConformanceClient;

beforeAll(async () => {
  device = installTestCibaChannel();
  idp = await startConformanceOp({ AUTHENTICATORS: 'ecps' });
  rp = await ConformanceClient.register(idp, 'ciba', { ciba: true });
  rp2 = await ConformanceClient.register(idp, 'ciba-second-client', { ciba: true });
});
afterAll(async () => {
  await idp.close();
  device.uninstall();
});

const authenticate = (params: Record<string, string> = {}, c = rp) =>
  client.initiateBackchannelAuthentication(c.config, { scope: 'openid scope_all', acr_values: 'eidas1', login_hint: PROFESSIONAL, ...params });

/**
 * The shared poll clock (CIBA_INTERVAL, `slow_down`) is moved instead of waited for, so no module
 * depends on how fast this machine answers: a positive `seconds` puts the last poll that far in
 * the past (the next poll is on time), a negative one in the future (the next poll is too early).
 */
const movePollClock = (authReqId: string, seconds: number) =>
  idp.database.db.updateTable('ciba_poll').set({ last_polled_at: sql<Date>`now() - make_interval(secs => ${seconds})` })
    .where('auth_req_id', '=', authReqId).execute();

const poll = (authReqId: string, c = rp) => client.genericGrantRequest(c.config, CIBA_GRANT, { auth_req_id: authReqId });

/** What the official modules check on the token response of a successful CIBA poll. */
async function checkTokens(tokens: Awaited<ReturnType<typeof poll>>) {
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
  const claims = await verifyIdToken(rp, tokens.id_token!);
  expect(claims).toMatchObject({ acr: 'eidas1', SubjectNameID: PROFESSIONAL });
  const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, claims.sub!);
  expect(userinfo).toMatchObject({ SubjectNameID: PROFESSIONAL, authMode: 'MOBILE' });
}

/** Request, device push, approval, poll: the happy flow most modules share. */
async function approvedFlow(params: Record<string, string> = {}) {
  const since = device.requests.length;
  const ack = await authenticate(params);
  const pushed = await device.next(since);
  await device.approve(pushed);
  const tokens = await poll(ack.auth_req_id);
  return { ack, pushed, tokens };
}

const errorCode = (p: Promise<unknown>) => p.then(() => 'no error', (e: { error?: string }) => e.error ?? String(e));

describe('fapi-ciba-id1-test-plan', () => {
  describe(VARIANT, () => {
    adaptedModule('fapi-ciba-id1-discovery-end-point-verification', 'CIBA Core checks only (FAPI checks: mTLS-bound tokens, private_key_jwt)', async () => {
      const m = rp.metadata as Record<string, unknown>;
      expect(m.backchannel_authentication_endpoint).toBe(`${idp.issuer}/protocol/openid-connect/ext/ciba/auth`);
      expect(m.backchannel_token_delivery_modes_supported).toEqual(['poll']); // PSC: poll only
      expect(m.grant_types_supported).toContain(CIBA_GRANT);
      expect(typeof (m.backchannel_user_code_parameter_supported ?? false)).toBe('boolean');
      expect(m.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'tls_client_auth']));
    });

    conformanceModule('fapi-ciba-id1', async () => {
      const since = device.requests.length;
      const ack = await authenticate();
      expect(ack).toMatchObject({ auth_req_id: expect.any(String), expires_in: 120, interval: 1 });
      const pushed = await device.next(since);
      expect(pushed).toMatchObject({ authReqId: ack.auth_req_id, nationalId: PROFESSIONAL, clientId: rp.clientId });
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('authorization_pending');
      await device.approve(pushed);
      await movePollClock(ack.auth_req_id, 2); // the client waits its interval
      const tokens = await poll(ack.auth_req_id);
      await checkTokens(tokens);
      // the PSC token response (psc-contract.md §14: "the §7 token response")
      expect(tokens).toMatchObject({ refresh_token: expect.any(String), refresh_expires_in: 1800, session_state: expect.any(String) });
    });

    conformanceModule('fapi-ciba-id1-user-rejects-authentication', async () => {
      const since = device.requests.length;
      const ack = await authenticate();
      await device.reject(await device.next(since));
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('access_denied');
    });

    conformanceModule('fapi-ciba-id1-multiple-call-to-token-endpoint', async () => {
      const since = device.requests.length;
      const ack = await authenticate();
      await device.next(since);
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('authorization_pending');
      // polled again too early (the last poll is put in the future rather than racing the clock)
      await movePollClock(ack.auth_req_id, -30);
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('slow_down');
      await movePollClock(ack.auth_req_id, 2); // then after the interval
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('authorization_pending');
    });

    adaptedModule('fapi-ciba-id1-auth-req-id-expired', 'the request is aged in the database instead of waiting', async () => {
      const since = device.requests.length;
      const ack = await authenticate({ requested_expiry: '10' });
      await device.next(since);
      // The official module waits out the expiry; the stored request is aged past it instead
      // (its payload times and its row expiry, as if 200 s had passed).
      const rows = await idp.database.db.selectFrom('oidc_payload').select(['id', 'payload']).where('model', '=', 'BackchannelAuthenticationRequest').execute();
      for (const row of rows) {
        const p = row.payload as { exp: number; iat: number };
        await idp.database.db.updateTable('oidc_payload')
          .set({ payload: JSON.stringify({ ...p, exp: p.exp - 200, iat: p.iat - 200 }), expires_at: sql<Date>`expires_at - interval '200 seconds'` })
          .where('model', '=', 'BackchannelAuthenticationRequest').where('id', '=', row.id).execute();
      }
      await expect(errorCode(poll(ack.auth_req_id))).resolves.toBe('expired_token');
    });

    adaptedModule('fapi-ciba-id1-ensure-authorization-request-with-binding-message-succeeds', 'binding_message "42": PSC allows two digits; "1234" is refused with invalid_binding_message (checked)', async () => {
      // The official message is "1234"; PSC binding messages are two digits (psc-contract.md §14),
      // so the module's intent (a displayable message succeeds and reaches the device) is kept with "42".
      await expect(errorCode(authenticate({ binding_message: '1234' }))).resolves.toBe('invalid_binding_message');
      const { pushed, tokens } = await approvedFlow({ binding_message: '42' });
      expect(pushed.bindingMessage).toBe('42');
      await checkTokens(tokens);
    });

    conformanceModule('fapi-ciba-id1-ensure-other-scope-order-succeeds', async () => {
      const { tokens } = await approvedFlow({ scope: 'scope_all openid' });
      expect(tokens.scope!.split(' ').sort()).toEqual(['openid', 'scope_all']);
      await checkTokens(tokens);
    });

    conformanceModule('fapi-ciba-id1-ensure-requested-expiry-as-string-succeeds', async () => {
      // A form parameter is always a string; the module's point is that requested_expiry is accepted.
      const { ack, tokens } = await approvedFlow({ requested_expiry: '30' });
      expect(ack.expires_in).toBeLessThanOrEqual(120);
      await checkTokens(tokens);
    });

    conformanceModule('fapi-ciba-id1-ensure-authorization-request-with-potentially-bad-binding-message', async () => {
      const message = '1234 \u{1F44D}\u{1F3FF} 品川 Lorem ipsum dolor sit amet, consectetur adipiscing elit';
      // Either displayed and authenticated, or invalid_binding_message: OpenPSC's device shows two digits only.
      await expect(errorCode(authenticate({ binding_message: message }))).resolves.toBe('invalid_binding_message');
    });

    conformanceModule('fapi-ciba-id1-ensure-authorization-request-with-multiple-hints-fails', async () => {
      const { tokens } = await rp.login();
      await expect(errorCode(authenticate({ id_token_hint: tokens.id_token! }))).resolves.toBe('invalid_request');
    });

    conformanceModule('fapi-ciba-id1-ensure-wrong-auth-req-id-in-token-endpoint-request', async () => {
      await expect(errorCode(poll('not-an-auth-req-id'))).resolves.toBe('invalid_grant');
    });

    conformanceModule('fapi-ciba-id1-ensure-wrong-client-id-in-token-endpoint-request', async () => {
      const since = device.requests.length;
      const ack = await authenticate();
      await device.approve(await device.next(since));
      await expect(errorCode(poll(ack.auth_req_id, rp2))).resolves.toBe('invalid_grant');
      await movePollClock(ack.auth_req_id, 2);
      await checkTokens(await poll(ack.auth_req_id)); // still usable by its own client
    });

    conformanceModule('fapi-ciba-id1-ensure-wrong-client-id-in-backchannel-authorization-request', async () => {
      // The credentials of one client with the client_id of another in the body.
      const res = await fetch(String((rp.metadata as Record<string, unknown>).backchannel_authentication_endpoint), {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${rp.clientId}:${rp.rp.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: rp2.clientId, scope: 'openid scope_all', login_hint: PROFESSIONAL }),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(['access_denied', 'invalid_request', 'invalid_client']).toContain(((await res.json()) as { error: string }).error);
    });

    conformanceModule('fapi-ciba-id1-refresh-token', async () => {
      const { tokens } = await approvedFlow();
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      await checkTokens(refreshed);
      await expect(errorCode(client.refreshTokenGrant(rp2.config, refreshed.refresh_token!))).resolves.toBe('invalid_grant');
    });

    notApplicable('fapi-ciba-id1-ensure-unsigned-backchannel-authorization-request-fails', 'FAPI-CIBA requires signed request objects; PSC CIBA requests are plain form posts (psc-contract.md §14), which OpenPSC accepts', async () => {
      await expect(errorCode(approvedFlow().then((f) => f.tokens))).resolves.toBe('no error');
    });

    for (const name of [
      'fapi-ciba-id1-ensure-request-object-missing-aud-fails', 'fapi-ciba-id1-ensure-request-object-bad-aud-fails',
      'fapi-ciba-id1-ensure-request-object-missing-iss-fails', 'fapi-ciba-id1-ensure-request-object-bad-iss-fails',
      'fapi-ciba-id1-ensure-request-object-missing-exp-fails', 'fapi-ciba-id1-ensure-request-object-expired-exp-fails',
      'fapi-ciba-id1-ensure-request-object-exp-is-70-minutes-in-future-fails', 'fapi-ciba-id1-ensure-request-object-missing-iat-fails',
      'fapi-ciba-id1-ensure-request-object-missing-nbf-fails', 'fapi-ciba-id1-ensure-request-object-nbf-is-10-minutes-in-future-fails',
      'fapi-ciba-id1-ensure-request-object-nbf-is-70-minutes-in-past-fails', 'fapi-ciba-id1-ensure-request-object-missing-jti-fails',
      'fapi-ciba-id1-ensure-request-object-signature-algorithm-is-none-fails', 'fapi-ciba-id1-ensure-request-object-signature-algorithm-is-bad-fails',
      'fapi-ciba-id1-ensure-request-object-signature-algorithm-is-RS256-fails', 'fapi-ciba-id1-ensure-request-object-signed-by-other-client-fails',
      'fapi-ciba-id1-ensure-different-client-id-and-issuer-in-backchannel-authorization-request',
    ]) skippedModule(name, 'FAPI only: signed CIBA request objects are not part of the PSC profile (plain form posts, psc-contract.md §14)');

    for (const name of [
      'fapi-ciba-id1-ensure-without-client-assertion-in-token-endpoint-request',
      'fapi-ciba-id1-ensure-without-client-assertion-in-backchannel-authorization-request',
      'fapi-ciba-id1-ensure-client-assertion-signature-algorithm-in-backchannel-authorization-request-is-RS256-fails',
      'fapi-ciba-id1-ensure-client-assertion-signature-algorithm-in-token-endpoint-request-is-RS256-fails',
      'fapi-ciba-id1-ensure-client-assertion-with-iss-aud-to-token-endpoint-succeeds',
    ]) skippedModule(name, 'private_key_jwt variant only: PSC CIBA clients authenticate with client_secret_basic or mTLS (psc-contract.md §14)');

    for (const name of [
      'fapi-ciba-id1-ping-backchannel-notification-endpoint-response-has-body',
      'fapi-ciba-id1-ping-backchannel-notification-endpoint-response-401',
      'fapi-ciba-id1-ping-backchannel-notification-endpoint-response-403',
      'fapi-ciba-id1-ping-with-mtls-ciba-notification-endpoint-response-401-and-require-server-does-not-retry',
      'fapi-ciba-id1-ping-backchannel-notification-endpoint-return-redirect-request',
    ]) skippedModule(name, 'ping mode only: PSC CIBA is poll only (backchannel_token_delivery_modes_supported ["poll"])');

    skippedModule('fapi-ciba-id1-ensure-mtls-holder-of-key-required', 'FAPI only: PSC access tokens are not certificate-bound (no cnf, psc-contract.md §8)');
    skippedModule('fapi-ciba-id1-brazil-discovery-end-point-verification', 'Open Finance Brazil profile only');
  });
});

/** PSC's CIBA payloads (psc-contract.md §14): rows of the PSC compatibility section. */
describe('psc-compatibility', () => {
  test('psc-ciba-acknowledgement', async () => {
    const res = await fetch(String((rp.metadata as Record<string, unknown>).backchannel_authentication_endpoint), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${rp.clientId}:${rp.rp.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ scope: 'openid scope_all', acr_values: 'eidas1', login_hint: PROFESSIONAL, binding_message: '07' }),
    });
    expect(res.status).toBe(200);
    expect(compareShape(await res.json(), { auth_req_id: '…', expires_in: 120, interval: 1 })).toEqual({ missing: [], extra: [], typeMismatches: [] });
  });

  test('psc-ciba-authorization-pending', async () => {
    const since = device.requests.length;
    const ack = await authenticate();
    await device.next(since);
    // PSC answers with Keycloak's exact words (psc-contract.md §14)
    await expect(poll(ack.auth_req_id)).rejects.toMatchObject({
      status: 400,
      error: 'authorization_pending',
      error_description: "The authorization request is still pending as the end-user hasn't yet been authenticated.",
    });
  });

  test('psc-ciba-errors', async () => {
    // psc-contract.md §14, errors at /ext/ciba/auth: [parameters, client, secret, HTTP status, error].
    // unauthorized_client: the contract says 403, CIBA Core §13 lists it under 400; OpenPSC answers 400.
    const noCiba = await ConformanceClient.register(idp, 'no-ciba');
    const base = { scope: 'openid scope_all', login_hint: PROFESSIONAL };
    const cases: [Record<string, string>, ConformanceClient, string | undefined, number, string][] = [
      [{ scope: 'openid scope_all' }, rp, undefined, 400, 'invalid_request'],
      [{ ...base, channel: 'FAX' }, rp, undefined, 400, 'invalid_request'],
      [{ ...base, login_hint: '899999999999' }, rp, undefined, 400, 'unknown_user_id'],
      [{ ...base, binding_message: 'abc' }, rp, undefined, 400, 'invalid_binding_message'],
      [{ ...base, scope: 'scope_all' }, rp, undefined, 400, 'invalid_scope'],
      [base, noCiba, undefined, 400, 'unauthorized_client'],
      [base, rp, 'not-the-secret', 401, 'invalid_client'],
    ];
    const endpoint = String((rp.metadata as Record<string, unknown>).backchannel_authentication_endpoint);
    const outcomes = [];
    for (const [params, c, secret, status, error] of cases) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${secret ?? c.rp.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
      });
      const body = await res.json() as { error?: string };
      outcomes.push([JSON.stringify(params), res.status, body.error, '→ expected', status, error]);
    }
    expect(outcomes.filter((o) => o[1] !== o[4] || o[2] !== o[5])).toEqual([]);
  });

  test('psc-ciba-token-response', async () => {
    const { tokens } = await approvedFlow();
    const contract = {
      access_token: 'eyJ…', expires_in: 120, refresh_expires_in: 1800, refresh_token: 'eyJ…', token_type: 'Bearer',
      id_token: 'eyJ…', 'not-before-policy': 0, session_state: '…', scope: 'openid scope_all',
    };
    expect(compareShape({ ...tokens }, contract)).toEqual({ missing: [], extra: [], typeMismatches: [] });
  });
});
