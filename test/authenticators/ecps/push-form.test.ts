import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { newProfessional, professionalWithDevice as withDevice, outboxCodes } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
const logLines: string[] = [];
beforeAll(async () => { app = await startEcpsTestApp({ ECPS_PUSH_MAX_REQUESTS: 2 }, logLines); });
afterAll(async () => { await app.close(); });

const professionalWithDevice = () => withDevice(app);

/** Posts the login page's push form as the browser does; does not follow the redirect. */
async function postPush(uid: string, nationalId: string, csrf = app.csrfOf(uid)) {
  return fetch(`${app.interactionBase(uid)}/push`, {
    method: 'POST', body: new URLSearchParams({ national_id: nationalId, csrf }), redirect: 'manual',
  });
}

describe('e-CPS push form and pages (test host)', () => {
  test('form → wait page (code, static script) → status → approve → finish logs in', async () => {
    const { p, device } = await professionalWithDevice();
    const uid = app.newInteraction({ clientName: 'Cabinet <Dupont>' });
    const posted = await postPush(uid, p.nationalId);
    expect(posted.status).toBe(303);
    const waitUrl = new URL(posted.headers.get('location')!, app.origin).toString();
    const wait = await fetch(waitUrl);
    const page = await wait.text();
    expect(wait.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page).toContain('Cabinet &#60;Dupont&#62;');
    expect(page).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    expect(page).toContain('src="/ecps/assets/ecps-login.js"');
    const [pending] = await device.pending();
    expect(page).toContain(`id="ecps-code" aria-label="Code de vérification">${pending!.code}<`);
    const script = await fetch(`${app.origin}/ecps/assets/ecps-login.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);

    expect(await (await fetch(`${waitUrl}/status`)).json()).toEqual({ status: 'pending' });
    const early = await fetch(`${waitUrl}/finish`, { redirect: 'manual' });
    expect(early.status).toBe(302); // still pending: back to the wait page
    await device.approve();
    expect(await (await fetch(`${waitUrl}/status`)).json()).toEqual({ status: 'approved' });
    const finish = await fetch(`${waitUrl}/finish`);
    expect(await finish.text()).toContain('Connecté');
    expect(app.logins.find((l) => l.uid === uid)?.result).toEqual({ nationalId: p.nationalId, authMode: 'MOBILE', amr: ['swk', 'pin'] });
  });

  test('the status of another interaction’s request is not given', async () => {
    const { p } = await professionalWithDevice();
    const uid = app.newInteraction();
    const location = (await postPush(uid, p.nationalId)).headers.get('location')!;
    const requestId = location.split('/').pop()!;
    const other = app.newInteraction();
    const res = await fetch(`${app.interactionBase(other)}/push/${requestId}/status`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'ECPS_REQUEST_NOT_FOUND' });
  });

  test('unknown national id, no device, missing CSRF token: French pages', async () => {
    const uid = app.newInteraction();
    const unknown = await postPush(uid, '899999999999');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('ne correspond à aucun professionnel en exercice');
    const p = newProfessional();
    await app.addProfessional(p.nationalId);
    const noDevice = await postPush(uid, p.nationalId);
    expect(await noDevice.text()).toContain('Aucune e-CPS n’est activée');
    const forged = await postPush(uid, p.nationalId, 'forged');
    expect(forged.status).toBe(403);
  });

  test('push requests per national id are limited: then a French lockout page with Retry-After', async () => {
    const { p } = await professionalWithDevice();
    for (let i = 0; i < 2; i += 1) expect((await postPush(app.newInteraction(), p.nationalId)).status).toBe(303);
    const third = await postPush(app.newInteraction(), p.nationalId);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.text()).toContain('Trop d’essais');
  });

  test('no code, PIN, TOTP secret, signed request or full address is ever logged', async () => {
    const { p, device, state } = await professionalWithDevice();
    const { emailCode, smsCode } = await outboxCodes(app.outboxDir, p.email, p.mobile);
    const otp = device.otp();
    await fetch(`${app.interactionBase(app.newInteraction())}/otp`, { method: 'POST', body: new URLSearchParams({ national_id: p.nationalId, otp, csrf: 'x' }) });
    const uid = app.newInteraction();
    await fetch(`${app.interactionBase(uid)}/otp`, { method: 'POST', body: new URLSearchParams({ national_id: p.nationalId, otp, csrf: app.csrfOf(uid) }) });
    const signed = await device.authorization('GET', '/ecps/device/requests');
    await fetch(`${app.origin}/ecps/device/requests`, { headers: { authorization: signed } });
    const row = (await app.service.store.activeDevices(p.nationalId))[0]!;
    const totpSecret = app.service.secrets.decrypt(row.totp_secret_encrypted, row.id);
    const log = logLines.join('');
    expect(log).toContain('ecps.device_activated');
    expect(log).toContain('"errorCode":"ECPS_CSRF_INVALID"');
    for (const secret of [totpSecret, signed.split(' ')[1]!, p.email, p.mobile, state.sealed.ct]) expect(log).not.toContain(secret);
    // Short codes: as a whole token only (a run of digits inside a random id is not a leak).
    for (const code of [emailCode, smsCode, otp]) expect(log).not.toMatch(new RegExp(`(?<![A-Za-z0-9_-])${code}(?![A-Za-z0-9_-])`));
  });
});
