import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { projectRoot } from '../../src/config/settings.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { loadSigningJwks } from '../../src/oidc/keys.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';

/**
 * `<NAME>_FILE` through the real program: the CLI compiled by tsc and run by node, as the image
 * runs it, with secrets in real files. The build goes to a temporary folder (beside links to
 * package.json, config/, migrations/…) so that it never races another test's build of dist/.
 */
const work = mkdtempSync(path.join(tmpdir(), 'openpsc-secret-files-cli-'));
const build = path.join(work, 'build');
const files = path.join(work, 'secrets');
const main = path.join(build, 'dist', 'src', 'cli', 'main.js');

beforeAll(() => {
  mkdirSync(build);
  mkdirSync(files);
  execFileSync(path.join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', path.join(build, 'dist')], { cwd: projectRoot, stdio: 'inherit' });
  for (const entry of ['package.json', 'node_modules', 'config', 'migrations', 'static', 'nomenclatures']) {
    symlinkSync(path.join(projectRoot, entry), path.join(build, entry));
  }
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Only what the program needs from the machine: nothing of the test runner's environment. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'warn' };
  for (const k of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

function secretFile(name: string, content: string, mode = 0o600): string {
  const file = path.join(files, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

interface Run { status: number | null; output: string }

function start(args: string[], env: Record<string, string>): { child: ChildProcess; run: Promise<Run>; output: () => string } {
  const child = spawn(process.execPath, [main, ...args], { cwd: build, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  // 'close', not 'exit': the last output may still be in the pipes when the process exits.
  const run = new Promise<Run>((resolve) => child.once('close', (status) => resolve({ status, output })));
  return { child, run, output: () => output };
}

const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

describe('the built CLI refuses a bad secret file with exit code 78, naming the setting and the path', () => {
  // Markers: each must never appear in what the program prints.
  const fileSecret = `file-secret-${randomBytes(6).toString('hex')}`;
  const envSecret = `env-secret-${randomBytes(6).toString('hex')}`;

  test.each<[string, () => Record<string, string>, (f: string) => string]>([
    ['both KEYS_ENCRYPTION_KEY and KEYS_ENCRYPTION_KEY_FILE',
      () => ({ KEYS_ENCRYPTION_KEY: envSecret, KEYS_ENCRYPTION_KEY_FILE: secretFile('both', `${fileSecret}\n`) }),
      (f) => `KEYS_ENCRYPTION_KEY_FILE: KEYS_ENCRYPTION_KEY is set as well: set only one of them (file ${f})`],
    ['an empty DATABASE_URL_FILE',
      () => ({ DATABASE_URL_FILE: secretFile('empty', '\n') }),
      (f) => `DATABASE_URL_FILE: ${f} is empty`],
    ['a missing COOKIE_KEYS_FILE',
      () => ({ COOKIE_KEYS_FILE: path.join(files, 'never-created') }),
      (f) => `COOKIE_KEYS_FILE: cannot read ${f}: ENOENT (no such file)`],
    ['an ECPS_SMS_WEBHOOK_URL_FILE holding no URL (the value is not echoed)',
      () => ({ ECPS_SMS_WEBHOOK_URL_FILE: secretFile('sms-url', `not a url ${fileSecret}\n`) }),
      () => 'ECPS_SMS_WEBHOOK_URL: is not a valid URL'],
  ])('%s', async (_what, settings, message) => {
    const env = { ...baseEnv(), ...settings() };
    const file = Object.entries(env).find(([k]) => k.endsWith('_FILE'))![1];
    const { status, output } = await start(['migrate', '--status'], env).run;
    expect(status).toBe(78);
    expect(output.trim()).toBe(`Configuration error — ${message(file)}`);
    expect(output).not.toContain(fileSecret);
    expect(output).not.toContain(envSecret);
  });
});

describeWithPostgres('the built CLI serves in production with every secret from a file', () => {
  let t: TestDatabase;
  let server: ReturnType<typeof start> | undefined;
  const key = randomBytes(32).toString('base64');
  const secrets = {
    DATABASE_URL: '',
    KEYS_ENCRYPTION_KEY: key,
    COOKIE_KEYS: `cookie-${randomBytes(16).toString('hex')}`,
    ECPS_SMTP_URL: `smtp://mailer:${randomBytes(8).toString('hex')}@127.0.0.1:2525`,
    ECPS_SMS_WEBHOOK_URL: `http://127.0.0.1:9/sms/${randomBytes(8).toString('hex')}`,
    ECPS_SMS_WEBHOOK_TOKEN: `sms-token-${randomBytes(8).toString('hex')}`,
    ECPS_PUSH_WEBHOOK_URL: `http://127.0.0.1:9/push/${randomBytes(8).toString('hex')}`,
  };

  beforeAll(async () => {
    t = await createTestDatabase({ requirePostgres: true });
    secrets.DATABASE_URL = t.url!;
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await t.drop();
  });

  test('started from files only: PostgreSQL, keys sealed with the file\'s key, e-CPS channels configured; no secret printed', async () => {
    const port = await freePort();
    const env: Record<string, string> = { ...baseEnv(), NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port) };
    for (const [name, value] of Object.entries(secrets)) env[`${name}_FILE`] = secretFile(name.toLowerCase(), `${value}\n`);
    // One file left world-readable: the start goes on, with a warning naming it.
    chmodSync(env.COOKIE_KEYS_FILE!, 0o644);
    server = start(['serve'], env);
    const deadline = Date.now() + 60_000;
    while (!server.output().includes('OpenPSC listening')) {
      if (server.child.exitCode !== null) throw new Error(`serve exited ${server.child.exitCode}:\n${server.output()}`);
      if (Date.now() > deadline) throw new Error(`serve did not start in time:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Production without KEYS_ENCRYPTION_KEY or COOKIE_KEYS would have stopped with 78: they were read.
    expect(server.output()).toContain(`OpenPSC listening on 127.0.0.1:${port} (PostgreSQL)`);
    const jwks = await (await fetch(`http://127.0.0.1:${port}/auth/realms/esante-wallet/protocol/openid-connect/certs`)).json() as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    // Without ECPS_SMTP_URL and ECPS_SMS_WEBHOOK_URL, production logs that activation is unavailable.
    expect(server.output()).not.toContain('ecps.activation_unavailable');
    expect(server.output()).toContain(`COOKIE_KEYS_FILE: ${env.COOKIE_KEYS_FILE} is readable by every user (mode 0644)`);
    server.child.kill('SIGTERM');
    const { status, output } = await server.run;
    expect(status).toBe(0);
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);

    // The signing keys the server created in the test database open with the key from the file only.
    expect((await loadSigningJwks(t.database.db, new SecretBox(key))).length).toBeGreaterThan(0);
    await expect(loadSigningJwks(t.database.db, new SecretBox(randomBytes(32).toString('base64')))).rejects.toThrow();
  });
});
