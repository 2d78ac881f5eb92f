import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';

import { recordAuthentication } from '../../src/audit/audit-log.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

const openpsc = runCli;

describeWithPostgres('openpsc audit (CLI)', () => {
  let t: TestDatabase;
  const saved = { ...process.env };
  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
    Object.assign(process.env, { DATABASE_URL: t.url, MIGRATE_ON_START: 'false', LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '2' });
    await recordAuthentication(t.database.db, { type: 'login', nationalId: '899700427885', authenticator: 'card', clientId: 'rp-demo', outcome: 'success', requestId: 'req-cli-0001' });
    await recordAuthentication(t.database.db, { type: 'login', nationalId: '899700000011', authenticator: 'ecps', outcome: 'failure', errorCode: 'access_denied' });
  });
  afterAll(async () => {
    process.env = saved;
    await t.drop();
  });

  test('audit list --national-id 899700427885 --since 7d --limit 20', async () => {
    const out = await openpsc(['audit', 'list', '--national-id', '899700427885', '--since', '7d', '--limit', '20']);
    const lines = out.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('  login  success  899700427885  card  rp-demo  -  -  req-cli-0001');
  });

  test('audit list --json', async () => {
    const events = JSON.parse(await openpsc(['audit', 'list', '--json'])) as { nationalId: string }[];
    expect(events.map((e) => e.nationalId).sort()).toEqual(['899700000011', '899700427885']);
  });

  test('audit list refuses a bad --limit or --since, naming the value', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { errors.push(String(s)); return true; });
    try {
      await expect(openpsc(['audit', 'list', '--limit', '5000'])).rejects.toThrow();
      await expect(openpsc(['audit', 'list', '--since', 'yesterday'])).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('')).toContain("option '--limit <n>' argument '5000' is invalid. must be a whole number between 1 and 1000");
    expect(errors.join('')).toContain('"yesterday" is neither a date');
  });

  test('audit purge --older-than 90', async () => {
    await t.database.db.updateTable('audit_event').set({ at: new Date('2020-01-01T00:00:00Z') }).where('national_id', '=', '899700000011').execute();
    expect(await openpsc(['audit', 'purge', '--older-than', '90'])).toBe('removed 1 authentication event(s) older than 90 days');
    expect(await openpsc(['audit', 'purge'])).toBe('removed 0 authentication event(s) older than 400 days');
  });
});
