import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { activateDevice, newProfessional } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';
import { startRecorder } from './http-recorder.js';

let app: EcpsTestApp;
let gateway: Awaited<ReturnType<typeof startRecorder>>;
beforeAll(async () => {
  gateway = await startRecorder();
  app = await startEcpsTestApp({ ECPS_PUSH_WEBHOOK_URL: gateway.url });
});
afterAll(async () => {
  await app.close();
  await gateway.close();
});

describe('external push gateway (ECPS_PUSH_WEBHOOK_URL)', () => {
  test('each request is posted with the devices’ push tokens and what the phone shows, no secret', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
    const { device } = await activateDevice(app.origin, app.outboxDir, p);
    await app.t.database.db.updateTable('ecps_device').set({ push_token: 'fcm-token-1' }).where('id', '=', device.deviceId).execute();
    const approval = await app.service.approvals.requestLogin({ uid: app.newInteraction(), nationalId: p.nationalId, clientId: 'c', clientName: 'Logiciel', clientIp: '127.0.0.3' });
    for (let i = 0; i < 100 && !gateway.bodies.length; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(gateway.bodies[0]!.body).toEqual({
      type: 'approval_request', request_id: approval.id, kind: 'login', client_id: 'c', client_name: 'Logiciel',
      code: approval.code, expires_at: approval.expires_at.toISOString(),
      devices: [{ device_id: device.deviceId, push_token: 'fcm-token-1' }],
    });
  });
});

describe('without delivery channels (e.g. production without ECPS_SMTP_URL)', () => {
  test('the plug-in starts and says so; activation answers 503 ECPS_ACTIVATION_UNAVAILABLE', async () => {
    const lines: string[] = [];
    const bare = await startEcpsTestApp({ ECPS_EMAIL_CHANNEL: 'smtp', ECPS_SMS_CHANNEL: 'webhook' }, lines);
    try {
      expect(lines.join('')).toContain('"errorCode":"ECPS_ACTIVATION_UNAVAILABLE"');
      expect(lines.join('')).toContain('"setting":"ECPS_SMTP_URL"');
      const res = await fetch(`${bare.origin}/ecps/activation/start`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ national_id: '899700427885' }),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable', code: 'ECPS_ACTIVATION_UNAVAILABLE' });
    } finally {
      await bare.close();
    }
  });
});
