import { readFile } from 'node:fs/promises';

import type { Command } from 'commander';

import { openCliContext } from '../../cli/context.js';
import { loadProfessional } from '../../directory/claims.js';
import type { AuthenticatorHost } from '../plugin.js';
import { importContactsCsv, normaliseContact } from './contacts.js';
import { registerEcpsDeviceCommands } from './device/cli.js';
import { EcpsService } from './service.js';

export interface EcpsCliSession {
  service: EcpsService;
  close(): Promise<void>;
}

/**
 * `openpsc ecps …`: contacts and devices administration.
 *
 * @example
 * openpsc ecps contacts set 899700427885 --email kit@example.fr --mobile 0612345678
 * openpsc ecps contacts import contacts.csv
 * openpsc ecps devices list 899700427885
 * openpsc ecps devices revoke dev_AbC…
 */
export function registerEcpsAdminCommands(program: Command, open: () => Promise<EcpsCliSession>): void {
  const ecps = program.command('ecps').description('e-CPS: professionals’ contacts and devices');
  const run = (fn: (s: EcpsService) => Promise<void>) => async () => {
    const session = await open();
    try {
      await fn(session.service);
    } finally {
      await session.close();
    }
  };

  const contacts = ecps.command('contacts').description('personal contacts used to activate a device (never published)');
  contacts.command('set <nationalId>')
    .description('set the email and/or mobile of a professional')
    .option('--email <email>', 'email address (activation code by email)')
    .option('--mobile <mobile>', 'mobile number (activation code by SMS)')
    .action((nationalId: string, opts: { email?: string; mobile?: string }) => run(async (s) => {
      if (!opts.email && !opts.mobile) throw new Error('give --email and/or --mobile');
      await s.store.setContact(normaliseContact({ nationalId, ...opts }));
      console.log(`contacts of ${nationalId} saved`);
    })());
  contacts.command('show <nationalId>').description('show a professional’s contacts')
    .action((nationalId: string) => run(async (s) => {
      console.log(JSON.stringify((await s.store.getContact(nationalId)) ?? null, null, 2));
    })());
  contacts.command('remove <nationalId>').description('delete a professional’s contacts')
    .action((nationalId: string) => run(async (s) => {
      console.log(await s.store.removeContact(nationalId) ? `contacts of ${nationalId} removed` : `no contacts for ${nationalId}`);
    })());
  contacts.command('import <file>')
    .description('import contacts from CSV (header: national_id, email, mobile; "," or ";")')
    .action((file: string) => run(async (s) => {
      const report = await importContactsCsv(s.store, await readFile(file, 'utf8'));
      for (const e of report.errors) console.error(`${file}: ${e}`);
      console.log(`${report.imported} contacts imported, ${report.errors.length} lines refused`);
      if (report.errors.length) process.exitCode = 1;
    })());

  const devices = ecps.command('devices').description('activated e-CPS devices');
  devices.command('list <nationalId>').description('list a professional’s devices (JSON)')
    .action((nationalId: string) => run(async (s) => {
      console.log(JSON.stringify(await s.listDevices(nationalId), null, 2));
    })());
  devices.command('revoke <deviceId>').description('revoke a device: its approvals and codes are refused at once')
    .action((deviceId: string) => run(async (s) => {
      if (!(await s.revokeDevice(deviceId))) throw new Error(`no active device ${deviceId}`);
      console.log(`device ${deviceId} revoked`);
    })());
}

/** A host for administration commands: no login interaction, no CIBA. */
function adminHost(ctx: Awaited<ReturnType<typeof openCliContext>>): AuthenticatorHost {
  const none = () => Promise.reject(new Error('not available from the command line'));
  return {
    settings: ctx.settings, database: ctx.database, logger: ctx.logger,
    findProfessional: (nationalId) => loadProfessional(ctx.database.db, nationalId),
    finishLogin: none, abortLogin: none, finishCiba: none, describeInteraction: none, checkCsrf: () => false, recordFailure: async () => {},
  };
}

/**
 * Registers `openpsc ecps …` (administration, on the configured database) and
 * `openpsc ecps-device …` (the reference device simulator). One line in src/cli/commands.ts.
 */
export function registerEcpsCommands(program: Command): void {
  registerEcpsAdminCommands(program, async () => {
    const ctx = await openCliContext();
    return { service: new EcpsService(adminHost(ctx)), close: () => ctx.close() };
  });
  registerEcpsDeviceCommands(program);
}
