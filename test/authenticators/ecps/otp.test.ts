import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import type { EcpsDevice } from '../../../src/authenticators/ecps/device/client.js';
import { professionalWithDevice as withDevice } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
beforeAll(async () => { app = await startEcpsTestApp({ ECPS_OTP_MAX_FAILURES: 3 }); });
afterAll(async () => { await app.close(); });

const professionalWithDevice = () => withDevice(app);

/** Submits the login page's one-time code form, as the browser does. */
async function submitOtp(nationalId: string, otp: string, clientIp?: string) {
  const uid = app.newInteraction();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientIp) headers['x-forwarded-for'] = clientIp; // ignored: the test app does not trust proxies
  const res = await fetch(`${app.interactionBase(uid)}/otp`, { method: 'POST', headers, body: new URLSearchParams({ national_id: nationalId, otp, csrf: app.csrfOf(uid) }), redirect: 'manual' });
  return { uid, status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
}

afterEach(async () => { await app.service.throttle.reset('otp:ip:127.0.0.1'); });

const wrongCode = (device: EcpsDevice) => (device.otp() === '000000' ? '111111' : '000000');

describe('e-CPS one-time code login', () => {
  test('the code shown by the device logs in with amr otp', async () => {
    const { p, device } = await professionalWithDevice();
    const r = await submitOtp(p.nationalId, device.otp());
    expect(r.status).toBe(200);
    expect(app.logins.find((l) => l.uid === r.uid)?.result).toEqual({ nationalId: p.nationalId, authMode: 'MOBILE', amr: ['otp'] });
  });

  test('a code works once: replaying it is refused with a French message', async () => {
    const { p, device } = await professionalWithDevice();
    const code = device.otp();
    expect((await submitOtp(p.nationalId, code)).status).toBe(200);
    const replay = await submitOtp(p.nationalId, code);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('Code incorrect ou déjà utilisé');
    expect(app.logins.some((l) => l.uid === replay.uid)).toBe(false);
  });

  test('the same code submitted twice at once logs in once', async () => {
    const { p, device } = await professionalWithDevice();
    const code = device.otp();
    const results = await Promise.all([submitOtp(p.nationalId, code), submitOtp(p.nationalId, code), submitOtp(p.nationalId, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  test('an older code (previous time-step) is refused once a newer one was used', async () => {
    const { p, device } = await professionalWithDevice();
    const now = Date.now();
    expect((await submitOtp(p.nationalId, device.otp(now))).status).toBe(200);
    expect((await submitOtp(p.nationalId, device.otp(now - 30_000))).status).toBe(400);
  });

  test('brute force: after the allowed failures the national id is locked, even for the right code', async () => {
    const { p, device } = await professionalWithDevice();
    for (let i = 0; i < 2; i += 1) expect((await submitOtp(p.nationalId, wrongCode(device))).status).toBe(400);
    const third = await submitOtp(p.nationalId, wrongCode(device));
    expect(third.status).toBe(429);
    expect(third.text).toContain('Trop d’essais');
    expect(third.retryAfter).toBe('900');
    const right = await submitOtp(p.nationalId, device.otp());
    expect(right.status).toBe(429);
    expect(app.logins.some((l) => l.uid === right.uid)).toBe(false);
  });

  test('brute force across national ids is limited per client address', async () => {
    // 3 failures per national id, 12 per address: spread over 6 ids, the address locks first.
    const targets = await Promise.all(Array.from({ length: 6 }, () => professionalWithDevice()));
    await app.service.throttle.reset('otp:ip:127.0.0.1'); // earlier tests' failures
    const statuses: number[] = [];
    for (const { p, device } of targets) for (let i = 0; i < 2; i += 1) statuses.push((await submitOtp(p.nationalId, wrongCode(device))).status);
    expect(statuses.slice(0, 11).every((s) => s === 400)).toBe(true);
    expect(statuses[11]).toBe(429);
    const fresh = await professionalWithDevice();
    expect((await submitOtp(fresh.p.nationalId, fresh.device.otp())).status).toBe(429);
  });

  test('a revoked device’s codes are refused at once', async () => {
    const { p, device } = await professionalWithDevice();
    await app.service.revokeDevice(device.deviceId);
    const r = await submitOtp(p.nationalId, device.otp());
    expect(r.status).toBe(400);
    expect(r.text).toContain('Aucune e-CPS');
  });

  test('a form without the interaction’s anti-CSRF token is refused', async () => {
    const { p, device } = await professionalWithDevice();
    const uid = app.newInteraction();
    const res = await fetch(`${app.interactionBase(uid)}/otp`, { method: 'POST', body: new URLSearchParams({ national_id: p.nationalId, otp: device.otp(), csrf: 'forged' }) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Cette page a expiré');
    expect(app.logins.some((l) => l.uid === uid)).toBe(false);
  });

  test('an expired interaction shows the French expiry page', async () => {
    const res = await fetch(`${app.interactionBase('gone')}/otp`, { method: 'POST', body: new URLSearchParams({ national_id: '1', otp: '123456' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Votre session de connexion a expiré');
  });
});
