import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { activateDevice, newProfessional, professionalWithDevice as withDevice } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
beforeAll(async () => { app = await startEcpsTestApp(); });
afterAll(async () => { await app.close(); });

const professionalWithDevice = () => withDevice(app);

const request = (nationalId: string, authReqId: string, bindingMessage = '42') => ({
  authReqId, nationalId, clientId: 'ciba-client', clientName: 'Proxy e-Santé', bindingMessage, expiresAt: new Date(Date.now() + 120_000),
});

describe('e-CPS CIBA channel (plug-in side)', () => {
  test('canAuthenticate is true only with an active device', async () => {
    const ciba = app.authenticator.ciba!;
    expect(ciba.channel).toBe('MOBILE');
    const { p, device } = await professionalWithDevice();
    expect(await ciba.canAuthenticate(p.nationalId)).toBe(true);
    expect(await ciba.canAuthenticate('899999999999')).toBe(false);
    await device.revoke();
    expect(await ciba.canAuthenticate(p.nationalId)).toBe(false);
  });

  test('trigger shows the binding message on the device; approval finishes the CIBA request with swk+pin', async () => {
    const { p, device } = await professionalWithDevice();
    await app.authenticator.ciba!.trigger(request(p.nationalId, 'arid-approve', '07'));
    const [seen] = await device.pending();
    expect(seen).toMatchObject({ kind: 'ciba', client_name: 'Proxy e-Santé', code: '07' });
    expect(app.cibaOutcomes.has('arid-approve')).toBe(false);
    await device.approve(seen!.request_id);
    expect(app.cibaOutcomes.get('arid-approve')).toEqual({ nationalId: p.nationalId, authMode: 'MOBILE', amr: ['swk', 'pin'] });
  });

  test('denial finishes it with access_denied', async () => {
    const { p, device } = await professionalWithDevice();
    await app.authenticator.ciba!.trigger(request(p.nationalId, 'arid-deny'));
    await device.deny();
    expect(app.cibaOutcomes.get('arid-deny')).toEqual({ error: 'access_denied', description: expect.stringContaining('refusée') });
  });

  test('a revoked device cannot answer a CIBA request', async () => {
    const { p, device } = await professionalWithDevice();
    const { device: second } = await activateDevice(app.origin, app.outboxDir, p);
    await app.authenticator.ciba!.trigger(request(p.nationalId, 'arid-revoked'));
    const [seen] = await device.pending();
    await app.service.revokeDevice(device.deviceId);
    await expect(device.approve(seen!.request_id)).rejects.toMatchObject({ status: 401 });
    expect(app.cibaOutcomes.has('arid-revoked')).toBe(false);
    await second.deny(seen!.request_id);
    expect(app.cibaOutcomes.get('arid-revoked')).toMatchObject({ error: 'access_denied' });
  });

  test('trigger without an active device fails', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId);
    await expect(app.authenticator.ciba!.trigger(request(p.nationalId, 'arid-none'))).rejects.toMatchObject({ code: 'ECPS_NO_DEVICE' });
  });
});
