import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'kysely';
import * as client from 'openid-client';

import type { TestRp } from '../../../helpers/rp.js';
import { startCibaIdp, type EcpsIdp } from './setup.js';

let env: EcpsIdp;
let rp: TestRp;

beforeAll(async () => { ({ env, rp } = await startCibaIdp()); });
afterAll(async () => { await env?.close(); });

const PSC_REQUEST = { scope: 'openid scope_all', acr_values: 'eidas1' };

/** One token-endpoint poll as a PSC relying party sends it (Basic, form-urlencoded). */
async function poll(authReqId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const basic = Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret!)}`).toString('base64');
  const res = await fetch(rp.config.serverMetadata().token_endpoint!, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const initiate = (loginHint: string, extra: Record<string, string> = {}) =>
  client.initiateBackchannelAuthentication(rp.config, { ...PSC_REQUEST, login_hint: loginHint, binding_message: '42', ...extra });

async function errorOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { error?: string }).error;
  }
  throw new Error('expected an error');
}

describe('CIBA with the e-CPS (openid-client, real provider)', () => {
  test('pending, then slow_down when polled too fast, then approved on the phone → tokens with the PSC claims', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const started = await initiate(nationalId, { binding_message: '73' });
    expect(started).toMatchObject({ auth_req_id: expect.any(String), expires_in: 120, interval: 1 });

    const first = await poll(started.auth_req_id);
    expect(first).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    const second = await poll(started.auth_req_id);
    expect(second).toMatchObject({ status: 400, body: { error: 'slow_down' } });

    const [request] = await device.pending();
    expect(request).toMatchObject({ kind: 'ciba', code: '73', client_name: 'Logiciel de test' });
    await device.approve(request!.request_id);

    const tokens = await client.pollBackchannelAuthenticationGrant(rp.config, started);
    expect(tokens).toMatchObject({ token_type: expect.stringMatching(/bearer/i), refresh_token: expect.any(String), id_token: expect.any(String) });
    expect(tokens.claims()).toMatchObject({ acr: 'eidas1', SubjectNameID: nationalId });
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({
      SubjectNameID: nationalId, authMode: 'MOBILE', preferred_username: nationalId,
      SubjectRefPro: { exercices: [expect.objectContaining({ codeProfession: '10' })] },
    });
  });

  test('denied on the phone → access_denied', async () => {
    const { nationalId, device } = await env.professionalWithDevice();
    const started = await initiate(nationalId);
    await device.deny();
    expect(await errorOf(client.pollBackchannelAuthenticationGrant(rp.config, started))).toBe('access_denied');
  });

  test('expired request → expired_token', async () => {
    const { nationalId } = await env.professionalWithDevice();
    const started = await initiate(nationalId);
    // The request's lifetime runs out (CIBA_TTL), without waiting for it.
    await env.idp.database.db.updateTable('oidc_payload')
      .set({ payload: sql`jsonb_set(payload, '{exp}', to_jsonb(${Math.floor(Date.now() / 1000) - 5}::int))` as never })
      .where('model', '=', 'BackchannelAuthenticationRequest').where('id', '=', started.auth_req_id).execute();
    const r = await poll(started.auth_req_id);
    expect(r).toMatchObject({ status: 400, body: { error: 'expired_token' } });
  });

  test('unknown national id → unknown_user_id', async () => {
    expect(await errorOf(initiate('899999999999'))).toBe('unknown_user_id');
  });

  test('a professional whose only device is revoked → unknown_user_id; a device revoked after the trigger cannot answer', async () => {
    const a = await env.professionalWithDevice();
    await env.service.revokeDevice(a.device.deviceId);
    expect(await errorOf(initiate(a.nationalId))).toBe('unknown_user_id');

    const b = await env.professionalWithDevice();
    const started = await initiate(b.nationalId);
    const [request] = await b.device.pending();
    await env.service.revokeDevice(b.device.deviceId);
    await expect(b.device.approve(request!.request_id)).rejects.toMatchObject({ status: 401 });
    expect(await poll(started.auth_req_id)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
  });

  test('a binding message other than two digits is refused', async () => {
    const { nationalId } = await env.professionalWithDevice();
    expect(await errorOf(initiate(nationalId, { binding_message: 'ABC' }))).toBe('invalid_binding_message');
  });
});
