import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Command } from 'commander';

import { registerEcpsAdminCommands } from '../../../src/authenticators/ecps/cli.js';
import { registerEcpsDeviceCommands } from '../../../src/authenticators/ecps/device/cli.js';
import { startActivation } from '../../../src/authenticators/ecps/device/client.js';
import { newProfessional, outboxCodes } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';

let app: EcpsTestApp;
let dir: string;
beforeAll(async () => {
  app = await startEcpsTestApp();
  dir = mkdtempSync(path.join(tmpdir(), 'ecps-cli-'));
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => { process.exitCode = undefined; });

/** Runs `openpsc <args>` in-process on the test app's database; returns what it printed. */
async function openpsc(...args: string[]): Promise<{ out: string; err: string }> {
  const program = new Command('openpsc').exitOverride();
  registerEcpsAdminCommands(program, async () => ({ service: app.service, close: async () => {} }));
  registerEcpsDeviceCommands(program);
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    await program.parseAsync(['node', 'openpsc', ...args]);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return { out: out.join('\n'), err: err.join('\n') };
}

describe('openpsc ecps (administration)', () => {
  test('contacts set / show / remove', async () => {
    const p = newProfessional();
    expect((await openpsc('ecps', 'contacts', 'set', p.nationalId, '--email', p.email, '--mobile', '06 12 34 56 78')).out).toContain('saved');
    expect(JSON.parse((await openpsc('ecps', 'contacts', 'show', p.nationalId)).out)).toEqual({ nationalId: p.nationalId, email: p.email, mobile: '0612345678' });
    await openpsc('ecps', 'contacts', 'set', p.nationalId, '--mobile', '+33611111111');
    expect(await app.service.store.getContact(p.nationalId)).toMatchObject({ email: p.email, mobile: '+33611111111' });
    expect((await openpsc('ecps', 'contacts', 'remove', p.nationalId)).out).toContain('removed');
    await expect(openpsc('ecps', 'contacts', 'set', p.nationalId, '--email', 'not-an-email')).rejects.toThrow(/email: not an email address/);
  });

  test('contacts import reports bad lines by number and field and imports the rest', async () => {
    const a = newProfessional();
    const b = newProfessional();
    const file = path.join(dir, 'contacts.csv');
    writeFileSync(file, `national_id;email;mobile\n${a.nationalId};${a.email};${a.mobile}\n${b.nationalId};pas-un-courriel;${b.mobile}\n\n`);
    const r = await openpsc('ecps', 'contacts', 'import', file);
    expect(r.out).toContain('1 contacts imported, 1 lines refused');
    expect(r.err).toContain('line 3: email: not an email address');
    expect(process.exitCode).toBe(1);
    expect(await app.service.store.getContact(a.nationalId)).toMatchObject({ email: a.email });
    expect(await app.service.store.getContact(b.nationalId)).toBeUndefined();
  });
});

describe('openpsc ecps-device (reference simulator)', () => {
  test('activate (codes from the outbox), otp, approve, deny, devices, watch --auto-approve --count, revoke', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId);
    await openpsc('ecps', 'contacts', 'set', p.nationalId, '--email', p.email, '--mobile', p.mobile);
    const state = path.join(dir, 'phone.json');
    const common = ['--state', state, '--pin', '1234'];

    const activated = JSON.parse((await openpsc('ecps-device', 'activate', '--server', app.origin, '--national-id', p.nationalId, '--outbox', app.outboxDir, ...common)).out);
    expect(activated).toEqual({ device_id: expect.stringMatching(/^dev_/), national_id: p.nationalId });
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(readFileSync(state, 'utf8')).not.toContain('privateJwk');

    expect((await openpsc('ecps-device', 'otp', ...common)).out).toMatch(/^\d{6}$/);
    await expect(openpsc('ecps-device', 'otp', '--state', state, '--pin', '9999')).rejects.toThrow(/wrong PIN/);

    const login = () => app.service.approvals.requestLogin({ uid: app.newInteraction(), nationalId: p.nationalId, clientId: 'c', clientName: 'Logiciel', clientIp: '127.0.0.2' });
    const first = await login();
    expect(JSON.parse((await openpsc('ecps-device', 'approve', ...common)).out)).toEqual({ request_id: first.id, decision: 'approve' });
    expect((await app.service.store.approval(first.id))!.status).toBe('approved');
    const second = await login();
    await openpsc('ecps-device', 'deny', '--request', second.id, ...common);
    expect((await app.service.store.approval(second.id))!.status).toBe('denied');

    const listed = JSON.parse((await openpsc('ecps', 'devices', 'list', p.nationalId)).out) as { device_id: string; status: string }[];
    expect(listed).toEqual([expect.objectContaining({ device_id: activated.device_id, status: 'active' })]);
    expect(JSON.parse((await openpsc('ecps-device', 'devices', ...common)).out)).toHaveLength(1);

    const watching = openpsc('ecps-device', 'watch', '--auto-approve', '--count', '1', '--timeout', '30', ...common);
    await new Promise((r) => setTimeout(r, 300));
    const third = await login();
    const lines = (await watching).out.split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual(['ready', 'approval_request', 'approved']);
    expect((await app.service.store.approval(third.id))!.status).toBe('approved');

    expect((await openpsc('ecps', 'devices', 'revoke', activated.device_id)).out).toContain('revoked');
    await expect(openpsc('ecps-device', 'approve', ...common)).rejects.toMatchObject({ status: 401 });
    await expect(openpsc('ecps', 'devices', 'revoke', activated.device_id)).rejects.toThrow(/no active device/);
  });

  test('activate in two steps with the codes typed in (--activation-id, --email-code, --sms-code)', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
    const { activation_id: activationId } = await startActivation({ server: app.origin }, p.nationalId);
    const codes = await outboxCodes(app.outboxDir, p.email, p.mobile);
    const state = path.join(dir, 'typed.json');
    const r = await openpsc('ecps-device', 'activate', '--server', app.origin, '--national-id', p.nationalId, '--activation-id', activationId,
      '--email-code', codes.emailCode, '--sms-code', codes.smsCode, '--name', 'Téléphone de Kit', '--state', state, '--pin', '0000');
    expect(JSON.parse(r.out)).toMatchObject({ national_id: p.nationalId });
    expect(await app.service.listDevices(p.nationalId)).toEqual([expect.objectContaining({ name: 'Téléphone de Kit', status: 'active' })]);
  });

  test('a device revokes itself', async () => {
    const p = newProfessional();
    await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
    const state = path.join(dir, 'self.json');
    const common = ['--state', state, '--pin', '4321'];
    await openpsc('ecps-device', 'activate', '--server', app.origin, '--national-id', p.nationalId, '--outbox', app.outboxDir, ...common);
    expect(JSON.parse((await openpsc('ecps-device', 'revoke', ...common)).out)).toMatchObject({ status: 'revoked' });
    expect(await app.service.store.activeDevices(p.nationalId)).toHaveLength(0);
  });
});
