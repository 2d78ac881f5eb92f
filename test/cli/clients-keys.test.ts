import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { runCli } from '../helpers/cli.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;

describeWithPostgres('openpsc clients / keys / migrate (CLI examples)', () => {
  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
    process.env.DATABASE_URL = t.url;
    process.env.KEYS_ENCRYPTION_KEY = Buffer.alloc(32, 3).toString('base64');
    process.env.COOKIE_KEYS = 'cli-test-cookie-key';
    process.env.LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    delete process.env.DATABASE_URL;
    await t.drop();
  });

  test('migrate --status lists applied migrations and nothing pending', async () => {
    const out = JSON.parse(await runCli(['migrate', '--status'])) as { pending: string[]; applied: string[] };
    expect(out.pending).toEqual([]);
    expect(out.applied).toContain('0001_oidc');
  });

  test('clients add prints the secret once; it is stored sealed; show never prints it', async () => {
    const out = await runCli(['clients', 'add', '--id', 'mon-dui', '--name', 'Mon DUI', '--redirect-uri', 'https://dui.example/callback',
      '--post-logout-redirect-uri', 'https://dui.example/', '--auth', 'client_secret_basic']);
    const secret = /client_secret: (\S+)/.exec(out)![1]!;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const row = await t.database.db.selectFrom('oidc_client').selectAll().where('client_id', '=', 'mon-dui').executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    const shown = await runCli(['clients', 'show', 'mon-dui']);
    expect(shown).not.toContain(secret);
    expect(JSON.parse(shown)).toMatchObject({ client_id: 'mon-dui', redirect_uris: ['https://dui.example/callback'], has_secret: true });
    expect(await runCli(['clients', 'list'])).toContain('mon-dui');
  });

  test('clients rotate-secret gives a new secret; remove deletes the client', async () => {
    const out = await runCli(['clients', 'rotate-secret', 'mon-dui']);
    expect(out).toMatch(/client_secret: \S{40,}/);
    expect(await runCli(['clients', 'remove', 'mon-dui'])).toBe('removed mon-dui');
    expect(await runCli(['clients', 'list'])).not.toContain('mon-dui');
  });

  test('clients add refuses a redirect URI that is not https (outside localhost) with a message naming it', async () => {
    process.env.NODE_ENV = 'production';
    try {
      await expect(runCli(['clients', 'add', '--name', 'X', '--redirect-uri', 'http://dui.example/cb'])).rejects.toThrow(/redirect URI: must use https/);
    } finally {
      delete process.env.NODE_ENV;
    }
  });

  test('keys rotate / list / retire', async () => {
    await runCli(['keys', 'list']); // creates nothing by itself
    const rotated = await runCli(['keys', 'rotate', '--alg', 'ES256']);
    const newKid = /key: (\S+)/.exec(rotated)![1]!;
    const again = await runCli(['keys', 'rotate', '--alg', 'ES256']);
    expect(again).not.toContain(newKid);
    const list = await runCli(['keys', 'list']);
    expect(list).toMatch(new RegExp(`${newKid}\\tES256\\tverify`));
    await expect(runCli(['keys', 'retire', /key: (\S+)/.exec(again)![1]!])).rejects.toThrow(/active: rotate it first/);
    expect(await runCli(['keys', 'retire', newKid])).toBe(`retired ${newKid}`);
    // A kid may start with "-" (base64url): still the argument, not an unknown option.
    await expect(runCli(['keys', 'retire', '-no-such-kid'])).rejects.toThrow(/-no-such-kid/);
    expect(await runCli(['keys', 'list'])).toMatch(new RegExp(`${newKid}\\tES256\\tretired`));
  });
});
