import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { EcpsDevice } from '../../../../src/authenticators/ecps/device/client.js';
import type { EcpsService } from '../../../../src/authenticators/ecps/service.js';
import { saveProfessional } from '../../../../src/directory/repository.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../../../helpers/database.js';
import { medecin } from '../../../helpers/fixtures.js';
import { startTestIdp, type TestIdp } from '../../../helpers/idp.js';
import { activateDevice, newProfessional } from '../device-helpers.js';

describeWithPostgres('e-CPS on two nodes sharing one database', () => {
  let t: TestDatabase;
  let a: TestIdp;
  let b: TestIdp;
  let outboxDir: string;
  const service = (idp: TestIdp) => (idp.openpsc.authenticators.find((x) => x.id === 'ecps') as unknown as { service: EcpsService }).service;

  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
    outboxDir = mkdtempSync(path.join(tmpdir(), 'ecps-nodes-'));
    const overrides = { AUTHENTICATORS: 'ecps', ECPS_OUTBOX_DIR: outboxDir, DATA_DIR: outboxDir, ECPS_ACTIVATION_ANSWER_MS: 0 };
    a = await startTestIdp({ testDatabase: t, overrides });
    b = await startTestIdp({ testDatabase: t, database: await t.reopen(), overrides });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await t?.drop();
    rmSync(outboxDir, { recursive: true, force: true });
  });

  test('a device watching node B receives a request made on node A, and its answer is seen by A', async () => {
    const p = newProfessional();
    await saveProfessional(t.database.db, medecin(p.nationalId));
    await service(a).store.setContact({ nationalId: p.nationalId, email: p.email, mobile: p.mobile });
    // Activated through node A, watching through node B.
    const { state } = await activateDevice(a.url, outboxDir, p);
    const onB = await EcpsDevice.unlock({ ...state, server: b.url }, '1234');
    const events: string[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => { ready = r; });
    const watching = onB.watch({ autoApprove: true, maxApprovals: 1, onEvent: (e) => { events.push(e); if (e === 'ready') ready(); } });
    await isReady;
    const uid = 'uid-multi-node';
    const approval = await service(a).approvals.requestLogin({ uid, nationalId: p.nationalId, clientId: 'c', clientName: 'Logiciel', clientIp: '10.0.0.9' });
    expect(await watching).toBe(1); // told by node A through PostgreSQL NOTIFY
    expect(await service(a).approvals.loginStatus(uid, approval.id)).toBe('approved');
    expect(events).toEqual(['ready', 'approval_request', 'approved']);

    // Revoked on node A (as the admin CLI would): node B closes the device's channel.
    const channelEvents: string[] = [];
    const open = onB.watch({ onEvent: (e) => channelEvents.push(e) });
    await new Promise((r) => setTimeout(r, 300));
    await service(a).revokeDevice(onB.deviceId);
    await open;
    expect(channelEvents).toEqual(['ready', 'revoked']);
  }, 20_000);
});
