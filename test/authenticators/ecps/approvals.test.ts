import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { DeviceApiError, type EcpsDevice } from '../../../src/authenticators/ecps/device/client.js';
import { activateDevice, newProfessional, professionalWithDevice as withDevice } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
beforeAll(async () => { app = await startEcpsTestApp(); });
afterAll(async () => { await app.close(); });

const professionalWithDevice = () => withDevice(app);

async function loginRequest(nationalId: string) {
  const uid = app.newInteraction();
  const approval = await app.service.approvals.requestLogin({ uid, nationalId, clientId: 'client-test', clientName: 'Logiciel de test', clientIp: '127.0.0.1' });
  return { uid, approval };
}

/** POSTs an answer signed by `device` with the given claims, to the path of `pathId`. */
async function rawAnswer(device: EcpsDevice, pathId: string, claims: Record<string, unknown>, authorization?: string) {
  const path = `/ecps/device/requests/${pathId}/answer`;
  const res = await fetch(`${app.origin}${path}`, { method: 'POST', headers: { authorization: authorization ?? await device.authorization('POST', path, claims) } });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('e-CPS push approval by the device API', () => {
  test('the device sees the client name and code of a pending request, approves it, and the login is ready once', async () => {
    const { p, device } = await professionalWithDevice();
    const { uid, approval } = await loginRequest(p.nationalId);
    expect(approval.code).toMatch(/^\d{2}$/);
    const [seen] = await device.pending();
    expect(seen).toMatchObject({ request_id: approval.id, kind: 'login', client_name: 'Logiciel de test', code: approval.code });
    const res = await fetch(`${app.origin}/ecps/device/requests/${approval.id}/answer`, {
      method: 'POST',
      headers: { authorization: await device.authorization('POST', `/ecps/device/requests/${approval.id}/answer`, { request_id: approval.id, code: approval.code, decision: 'approve' }) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ request_id: approval.id, status: 'approved' });
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('approved');
    expect(await app.service.approvals.consumeLogin(uid, approval.id)).toEqual({ nationalId: p.nationalId, authMode: 'MOBILE', amr: ['swk', 'pin'] });
    expect(await app.service.approvals.consumeLogin(uid, approval.id)).toBeUndefined();
  });

  test('deny is recorded as denied', async () => {
    const { p, device } = await professionalWithDevice();
    const { uid, approval } = await loginRequest(p.nationalId);
    await device.deny(approval.id);
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('denied');
    expect(await app.service.approvals.consumeLogin(uid, approval.id)).toBeUndefined();
  });

  test('an answer signed by another device’s key is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const other = await professionalWithDevice();
    const { uid, approval } = await loginRequest(p.nationalId);
    // Another professional's device, with its own valid key, answering with the right code.
    const r = await rawAnswer(other.device, approval.id, { request_id: approval.id, code: approval.code, decision: 'approve' });
    expect(r).toMatchObject({ status: 404, body: { code: 'ECPS_REQUEST_NOT_FOUND' } });
    // A forged signature: the victim device's kid, signed by the other key.
    const forged = (await other.device.authorization('POST', `/ecps/device/requests/${approval.id}/answer`, { request_id: approval.id, code: approval.code, decision: 'approve' }));
    const [, jws] = forged.split(' ');
    const [, payload, signature] = jws!.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'ecps-request+jwt', kid: device.deviceId })).toString('base64url');
    const r2 = await rawAnswer(device, approval.id, {}, `ECPS-Device ${header}.${payload}.${signature}`);
    expect(r2).toMatchObject({ status: 401, body: { error: 'invalid_token', code: 'ECPS_DEVICE_AUTH_FAILED' } });
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('pending');
  });

  test('an answer signed for another request is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const first = await loginRequest(p.nationalId);
    const second = await loginRequest(p.nationalId);
    // Signed over the first request, sent to the second one's path.
    const signed = await device.authorization('POST', `/ecps/device/requests/${first.approval.id}/answer`, { request_id: first.approval.id, code: first.approval.code, decision: 'approve' });
    const r = await rawAnswer(device, second.approval.id, {}, signed);
    expect(r).toMatchObject({ status: 401, body: { code: 'ECPS_DEVICE_AUTH_FAILED' } });
    // Path and claim of the second request, but the first request's id inside.
    const r2 = await rawAnswer(device, second.approval.id, { request_id: first.approval.id, code: first.approval.code, decision: 'approve' });
    expect(r2).toMatchObject({ status: 400, body: { code: 'ECPS_BAD_REQUEST' } });
    expect(await app.service.approvals.loginStatus(second.uid, second.approval.id)).toBe('pending');
    expect(await app.service.approvals.loginStatus(first.uid, first.approval.id)).toBe('pending');
  });

  test('a wrong code is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const { uid, approval } = await loginRequest(p.nationalId);
    const wrong = approval.code === '00' ? '01' : '00';
    const r = await rawAnswer(device, approval.id, { request_id: approval.id, code: wrong, decision: 'approve' });
    expect(r).toMatchObject({ status: 400, body: { error: 'access_denied', code: 'ECPS_BINDING_CODE_MISMATCH' } });
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('pending');
  });

  test('a replayed answer is refused, even for a request still pending', async () => {
    const { p, device } = await professionalWithDevice();
    const { approval } = await loginRequest(p.nationalId);
    const claims = { request_id: approval.id, code: approval.code, decision: 'deny' };
    const signed = await device.authorization('POST', `/ecps/device/requests/${approval.id}/answer`, claims);
    expect((await rawAnswer(device, approval.id, {}, signed)).status).toBe(200);
    expect(await rawAnswer(device, approval.id, {}, signed)).toMatchObject({ status: 401, body: { code: 'ECPS_REPLAY' } });
    // A new request, same nonce: the nonce is single use whatever the request.
    const second = await loginRequest(p.nationalId);
    const r = await rawAnswer(device, second.approval.id, {}, signed);
    expect(r.status).toBe(401);
  });

  test('a second answer (fresh signature) to an answered request is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const { approval } = await loginRequest(p.nationalId);
    await device.deny(approval.id);
    const r = await rawAnswer(device, approval.id, { request_id: approval.id, code: approval.code, decision: 'approve' });
    expect(r).toMatchObject({ status: 409, body: { error: 'expired_token', code: 'ECPS_REQUEST_CLOSED' } });
  });

  test('two devices answering at once: exactly one answer wins', async () => {
    const { p, device: first } = await professionalWithDevice();
    const { device: second } = await activateDevice(app.origin, app.outboxDir, p);
    for (let round = 0; round < 5; round += 1) {
      const { approval } = await loginRequest(p.nationalId);
      // Straight to the answer (no look-up of pending requests first), as a phone that was notified.
      const results = await Promise.allSettled([first.answer('approve', approval.id, approval.code), second.answer('deny', approval.id, approval.code)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ status: 409, code: 'ECPS_REQUEST_CLOSED' });
      const row = (await app.service.store.approval(approval.id))!;
      expect(row.device_id).toBe(results[0]!.status === 'fulfilled' ? first.deviceId : second.deviceId);
    }
  });

  test('an expired request cannot be approved and reads as timeout', async () => {
    const { p, device } = await professionalWithDevice();
    const { uid, approval } = await loginRequest(p.nationalId);
    await app.t.database.db.updateTable('ecps_approval').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', approval.id).execute();
    expect(await device.pending()).toHaveLength(0);
    const r = await rawAnswer(device, approval.id, { request_id: approval.id, code: approval.code, decision: 'approve' });
    expect(r).toMatchObject({ status: 409, body: { code: 'ECPS_REQUEST_CLOSED' } });
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('timeout');
  });

  test('a stale signed request (iat too old) is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const { approval } = await loginRequest(p.nationalId);
    const r = await rawAnswer(device, approval.id, { request_id: approval.id, code: approval.code, decision: 'approve', iat: Math.floor(Date.now() / 1000) - 600 });
    expect(r).toMatchObject({ status: 401, body: { code: 'ECPS_DEVICE_AUTH_FAILED' } });
  });

  test('an unknown national id or one without device gets no request', async () => {
    const uid = app.newInteraction();
    await expect(app.service.approvals.requestLogin({ uid, nationalId: '899999999999', clientId: 'c', clientName: 'C', clientIp: '10.0.0.1' }))
      .rejects.toMatchObject({ code: 'ECPS_UNKNOWN_PROFESSIONAL' });
    const p = newProfessional();
    await app.addProfessional(p.nationalId);
    await expect(app.service.approvals.requestLogin({ uid, nationalId: p.nationalId, clientId: 'c', clientName: 'C', clientIp: '10.0.0.1' }))
      .rejects.toMatchObject({ code: 'ECPS_NO_DEVICE' });
  });

  test('the device channel (SSE) delivers new requests and auto-approves them', async () => {
    const { p, device } = await professionalWithDevice();
    const controller = new AbortController();
    const events: string[] = [];
    let resolveReady: () => void;
    const ready = new Promise<void>((r) => { resolveReady = r; });
    const watching = device.watch({
      autoApprove: true, signal: controller.signal,
      onEvent: (event) => { events.push(event); if (event === 'ready') resolveReady(); },
    });
    await ready;
    const { uid, approval } = await loginRequest(p.nationalId);
    for (let i = 0; i < 100 && (await app.service.approvals.loginStatus(uid, approval.id)) === 'pending'; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('approved');
    controller.abort();
    expect(await watching).toBe(1);
    expect(events).toEqual(['ready', 'approval_request', 'approved']);
  });

  test('with reconnect, the channel survives a server restart and still auto-approves', async () => {
    const { p, device } = await professionalWithDevice();
    const events: string[] = [];
    let readyCount = 0;
    let secondReady!: () => void;
    const reopened = new Promise<void>((r) => { secondReady = r; });
    const watching = device.watch({
      autoApprove: true, maxApprovals: 1, reconnect: true, reconnectDelayMs: 50,
      onEvent: (e) => { events.push(e); if (e === 'ready' && ++readyCount === 2) secondReady(); },
    });
    for (let i = 0; i < 100 && readyCount < 1; i += 1) await new Promise((r) => setTimeout(r, 20));
    await app.authenticator.stop!(); // closes every device channel, as a restart would
    await app.authenticator.start!();
    await reopened;
    const { uid, approval } = await loginRequest(p.nationalId);
    expect(await watching).toBe(1);
    expect(await app.service.approvals.loginStatus(uid, approval.id)).toBe('approved');
    expect(events).toEqual(['ready', 'ready', 'approval_request', 'approved']);
  });

  test('the device channel refuses a request without a valid signature', async () => {
    const res = await fetch(`${app.origin}/ecps/device/events`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'ECPS_DEVICE_AUTH_FAILED' });
  });
});

describe('e-CPS device management', () => {
  test('a device lists the professional’s devices and revokes a lost one; the revoked one is refused at once', async () => {
    const { p, device: lost } = await professionalWithDevice();
    const { device: current } = await activateDevice(app.origin, app.outboxDir, p);
    const listed = await current.devices();
    expect(listed.map((d) => d.device_id).sort()).toEqual([lost.deviceId, current.deviceId].sort());
    expect(JSON.stringify(listed)).not.toMatch(/totp|public_jwk/);
    await current.revoke(lost.deviceId);
    const { approval } = await loginRequest(p.nationalId);
    await expect(lost.approve(approval.id)).rejects.toMatchObject({ status: 401, code: 'ECPS_DEVICE_AUTH_FAILED' });
    await expect(lost.pending()).rejects.toBeInstanceOf(DeviceApiError);
    await current.approve(approval.id);
  });

  test('a device cannot revoke another professional’s device', async () => {
    const a = await professionalWithDevice();
    const b = await professionalWithDevice();
    await expect(a.device.revoke(b.device.deviceId)).rejects.toMatchObject({ status: 404, code: 'ECPS_DEVICE_NOT_FOUND' });
    expect(await b.device.devices()).toHaveLength(1);
  });

  test('a revoked device is refused for push: its open channel ends', async () => {
    const { device } = await professionalWithDevice();
    const events: string[] = [];
    const watching = device.watch({ onEvent: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 200));
    await app.service.revokeDevice(device.deviceId);
    await watching; // ended at once by the revocation signal
    expect(events).toContain('revoked');
    await expect(device.watch()).rejects.toMatchObject({ status: 401 });
  });
});
