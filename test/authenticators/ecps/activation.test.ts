import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { completeActivation, DeviceApiError, EcpsDevice, startActivation } from '../../../src/authenticators/ecps/device/client.js';
import { DevicePinError } from '../../../src/authenticators/ecps/device/keystore.js';
import { newProfessional, outboxCodes, PIN } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
beforeAll(async () => { app = await startEcpsTestApp({ ECPS_ACTIVATION_MAX_TRIES: 3, ECPS_ACTIVATION_MAX_STARTS: 3 }); });
afterAll(async () => { await app.close(); });

async function started() {
  const p = newProfessional();
  await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
  const { activation_id: activationId } = await startActivation({ server: app.origin }, p.nationalId);
  return { p, activationId, codes: await outboxCodes(app.outboxDir, p.email, p.mobile) };
}

const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('accepted'); }, (err: DeviceApiError) => err);

describe('e-CPS activation with my contact details', () => {
  test('both codes register the device key and hand out the TOTP secret once; the PIN seals the key', async () => {
    const { p, activationId, codes } = await started();
    const state = await completeActivation({ server: app.origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId, deviceName: 'Mon téléphone' });
    expect(state.deviceId).toMatch(/^dev_/);
    expect(state.nationalId).toBe(p.nationalId);
    expect(state.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(JSON.stringify(state)).not.toContain('"d"');
    const [row] = await app.service.store.activeDevices(p.nationalId);
    expect(row!.public_jwk).toEqual(state.publicJwk);
    expect(row!.name).toBe('Mon téléphone');
    // The secret is stored encrypted; the device's code matches the server's.
    const device = await EcpsDevice.unlock(state, PIN);
    expect(row!.totp_secret_encrypted).toMatch(/^v1\./);
    expect(row!.totp_secret_encrypted).not.toContain(app.service.secrets.decrypt(row!.totp_secret_encrypted, row!.id));
    expect(device.otp()).toMatch(/^\d{6}$/);
    await expect(EcpsDevice.unlock(state, '0000')).rejects.toBeInstanceOf(DevicePinError);
  });

  test('the codes are sent in French, one by email and one by SMS, and only hashes are stored', async () => {
    const { activationId, codes } = await started();
    const row = await app.t.database.db.selectFrom('ecps_activation').selectAll().where('id', '=', activationId).executeTakeFirstOrThrow();
    expect(codes.emailCode).not.toBe(codes.smsCode);
    expect(row.email_code_hash).not.toContain(codes.emailCode);
    expect(JSON.stringify(row)).not.toContain(codes.smsCode);
  });

  test('a wrong code (either one) is refused without saying which', async () => {
    const { p, activationId, codes } = await started();
    const wrongSms = codes.smsCode === '000000' ? '111111' : '000000';
    const err = await refusal(completeActivation({ server: app.origin }, { activationId, emailCode: codes.emailCode, smsCode: wrongSms, pin: PIN, nationalId: p.nationalId }));
    expect(err).toMatchObject({ status: 400, error: 'invalid_grant', code: 'ECPS_ACTIVATION_CODE_INVALID' });
    expect(await app.service.store.activeDevices(p.nationalId)).toHaveLength(0);
  });

  test('an expired activation is refused even with the right codes', async () => {
    const { p, activationId, codes } = await started();
    await app.t.database.db.updateTable('ecps_activation').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', activationId).execute();
    const err = await refusal(completeActivation({ server: app.origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId }));
    expect(err).toMatchObject({ status: 400, code: 'ECPS_ACTIVATION_CODE_INVALID' });
  });

  test('codes work once: a second device cannot reuse them', async () => {
    const { p, activationId, codes } = await started();
    await completeActivation({ server: app.origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId });
    const err = await refusal(completeActivation({ server: app.origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId }));
    expect(err).toMatchObject({ status: 429, code: 'ECPS_ACTIVATION_LOCKED' });
    expect(await app.service.store.activeDevices(p.nationalId)).toHaveLength(1);
  });

  test('too many tries lock the activation: then even the right codes are refused', async () => {
    const { p, activationId, codes } = await started();
    for (let i = 0; i < 3; i += 1) {
      const err = await refusal(completeActivation({ server: app.origin }, { activationId, emailCode: '999999', smsCode: '999999', pin: PIN, nationalId: p.nationalId }));
      expect(err).toMatchObject({ code: 'ECPS_ACTIVATION_CODE_INVALID' });
    }
    const err = await refusal(completeActivation({ server: app.origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId }));
    expect(err).toMatchObject({ status: 429, code: 'ECPS_ACTIVATION_LOCKED' });
  });

  test('a national id without contacts gets the same answer, and no message is sent', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId);
    const answer = await startActivation({ server: app.origin }, p.nationalId);
    expect(answer).toEqual({ activation_id: expect.stringMatching(/^act_/), expires_in: 600, channels: ['email', 'sms'] });
    const err = await refusal(completeActivation({ server: app.origin }, { activationId: answer.activation_id, emailCode: '123456', smsCode: '123456', pin: PIN, nationalId: p.nationalId }));
    expect(err).toMatchObject({ code: 'ECPS_ACTIVATION_CODE_INVALID' });
  });

  test('starting activations is limited per national id', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
    for (let i = 0; i < 3; i += 1) await startActivation({ server: app.origin }, p.nationalId);
    const err = await refusal(startActivation({ server: app.origin }, p.nationalId));
    expect(err).toMatchObject({ status: 429, error: 'slow_down', code: 'ECPS_LOCKED' });
  });

  test('a private key in the jwk header, or another algorithm, is refused', async () => {
    const { activationId, codes } = await started();
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const path = '/ecps/activation/complete';
    const claims = { activation_id: activationId, email_code: codes.emailCode, sms_code: codes.smsCode, htm: 'POST', htu: path, jti: 'a-sufficiently-long-nonce-1' };
    const ec = await generateKeyPair('ES256', { extractable: true });
    const withPrivate = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'ecps-request+jwt', jwk: await exportJWK(ec.privateKey) }).setIssuedAt().sign(ec.privateKey);
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const withRsa = await new SignJWT({ ...claims, jti: 'a-sufficiently-long-nonce-2' }).setProtectedHeader({ alg: 'RS256', typ: 'ecps-request+jwt', jwk: await exportJWK(rsa.publicKey) }).setIssuedAt().sign(rsa.privateKey);
    for (const jws of [withPrivate, withRsa]) {
      const res = await fetch(`${app.origin}${path}`, { method: 'POST', headers: { authorization: `ECPS-Device ${jws}` } });
      expect([400, 401]).toContain(res.status);
      expect((await res.json() as { code: string }).code).toMatch(/^ECPS_(BAD_REQUEST|DEVICE_AUTH_FAILED)$/);
    }
    expect(await app.t.database.db.selectFrom('ecps_activation').select('consumed_at').where('id', '=', activationId).executeTakeFirst()).toEqual({ consumed_at: null });
  });

  test('the activation must be signed by the key it registers', async () => {
    const { activationId, codes } = await started();
    const res = await fetch(`${app.origin}/ecps/activation/complete`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activation_id: activationId, email_code: codes.emailCode, sms_code: codes.smsCode }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_token', code: 'ECPS_DEVICE_AUTH_FAILED' });
  });
});
