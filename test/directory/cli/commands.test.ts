import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import path from 'node:path';

import { Command } from 'commander';

import { registerDirectoryCommands } from '../../../src/directory/cli/commands.js';
import { createTestDatabase, hasPostgres, type TestDatabase } from '../../helpers/database.js';
import { scratchDir } from '../import/helpers.js';

// The commands run in-process against a real server when there is one, else a PGlite folder.
const scratch = scratchDir();
let t: TestDatabase | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.DATA_DIR = path.join(scratch.dir, 'data');
  process.env.LOG_LEVEL = 'silent';
  if (hasPostgres()) {
    t = await createTestDatabase();
    process.env.DATABASE_URL = t.url!;
  } else {
    process.env.DATABASE_URL = '';
  }
});
afterAll(async () => {
  process.env = saved;
  await t?.drop();
  scratch.cleanup();
});

async function run(...args: string[]): Promise<string> {
  const program = new Command('openpsc').exitOverride();
  registerDirectoryCommands(program);
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  try {
    await program.parseAsync(['node', 'openpsc', 'directory', ...args]);
  } finally {
    log.mockRestore();
  }
  return out.join('\n');
}

describe('openpsc directory …', () => {
  const day0 = path.join(scratch.dir, 'PS_LibreAcces_Personne_activite_202611200800.txt');
  const day1 = path.join(scratch.dir, 'PS_LibreAcces_Personne_activite_202611210800.txt');

  test('generate writes a file and says what is in it (day 0 and next day)', async () => {
    expect(await run('generate', day0, '--professionals', '50', '--seed', 'cli')).toMatch(/50 professionals, \d+ rows, \d+ bytes/);
    expect(await run('generate', day1, '--professionals', '50', '--seed', 'cli', '--next-day', '0.06')).toMatch(/vs day 0: \+1 ~\d+ -\d+/);
  });

  test('import prints the counts (plain progress lines when not on a terminal); status reports it', async () => {
    expect(await run('import', day0)).toMatch(/applied as import #1 .*\n.*professionals 50: created 50, updated 0, ended 0/);
    expect(await run('import', day0)).toMatch(/same file as the last applied import/);
    expect(await run('import', day1, '--max-disappear', '0.2')).toMatch(/applied as import #3/);
    const status = await run('status');
    expect(status).toMatch(/last import #3 PS_LibreAcces_Personne_activite_202611210800.txt: applied/);
    expect(status).toMatch(/professionals: \d+ active, \d+ deactivated/);
    expect(JSON.parse(await run('status', '--json'))).toMatchObject({ lastApplied: { id: 3 } });
  });

  test('a refused import names its code', async () => {
    const half = path.join(scratch.dir, 'half.txt');
    await run('generate', half, '--professionals', '20', '--seed', 'cli');
    await expect(run('import', half)).rejects.toThrow(/IMPORT_(MASS_DELETION|ROW_COUNT_OUT_OF_BAND)/);
  });

  test('show prints the professional and the claims a card login gets; history lists the changes', async () => {
    await run('seed-demo', '--professionals', '0');
    const shown = JSON.parse(await run('show', '899700427885')) as { claims: Record<string, unknown> };
    expect(shown.claims).toMatchObject({ SubjectNameID: '899700427885', authMode: 'CARD', SubjectOrganizationID: 'R102671' });
    const history = await run('history', '899700427885', '--at', new Date().toISOString());
    expect(history).toMatch(/created +import #\d+ PS_LibreAcces_Personne_activite_202601010000.txt/);
    expect(history).toMatch(/"nationalId": "899700427885"/);
  });

  test('nomenclatures loads the shipped code tables', async () => {
    expect(await run('nomenclatures')).toMatch(/^\d{3} codes loaded$/);
  });
});
