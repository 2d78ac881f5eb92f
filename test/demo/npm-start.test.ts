import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';

import { completeActivation, EcpsDevice, startActivation } from '../../src/authenticators/ecps/device/client.js';
import { projectRoot } from '../../src/config/settings.js';
import { demoContact } from '../../src/demo/prepare-demo.js';
import { outboxCodes } from '../authenticators/ecps/device-helpers.js';

/**
 * The one-minute demo as a newcomer runs it: the production bundle started exactly as `npm start`
 * starts it (no configuration: embedded PGlite, DEMO=auto), a simulated e-CPS phone activated from
 * the development outbox, and Chromium going from the home page to the decoded token.
 */
const PIN = '1234';
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';
let dataDir: string;
let origin: string;

const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

async function waitFor(what: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what.test(output)) {
    if (Date.now() > deadline) throw new Error(`server did not print ${what} in time:\n${output}`);
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`server exited ${server.exitCode}:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  execFileSync(path.join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' });
  dataDir = mkdtempSync(path.join(tmpdir(), 'openpsc-npm-start-'));
  const port = await freePort();
  origin = `http://localhost:${port}`;
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'TZ']) if (process.env[k]) env[k] = process.env[k]!;
  // What `npm start` runs (package.json "start"), with nothing configured but the port and data folder.
  server = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
    cwd: projectRoot,
    env: { ...env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  server.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  await waitFor(/ecps-device watch/, 90_000);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) server.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start: the one-minute demo', () => {
  test('prints the issuer, the discovery URLs and what to try', () => {
    expect(output).toContain(`issuer:    ${origin}/auth/realms/esante-wallet`);
    expect(output).toContain(`${origin}/auth/realms/esante-wallet/.well-known/wallet-openid-configuration`);
    expect(output).toContain('Professional 899700427885');
  });

  test('Chromium: home → demo relying party → e-CPS push approved by the simulator → decoded ID token, userinfo, introspection', async () => {
    // The simulated phone, activated with the codes the server wrote to its development outbox.
    const nationalId = '899700427885';
    const contact = demoContact(nationalId);
    const since = new Date();
    const { activation_id: activationId } = await startActivation({ server: origin }, nationalId);
    const { emailCode, smsCode } = await outboxCodes(path.join(dataDir, 'ecps-outbox'), contact.email, contact.mobile, since);
    const device = await EcpsDevice.unlock(await completeActivation({ server: origin }, { activationId, emailCode, smsCode, pin: PIN, nationalId }), PIN);

    const page = await browser!.newPage();
    await page.goto(`${origin}/`);
    await page.click('#demo-login');
    await page.fill('#ecps-national-id', nationalId);
    await page.click('#ecps-push');
    const shown = (await page.textContent('#ecps-code'))!.trim();
    let [pending] = await device.pending();
    for (let i = 0; !pending && i < 50; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      [pending] = await device.pending();
    }
    expect(pending).toMatchObject({ code: shown, client_name: 'Démonstration OpenPSC' });
    await device.approve(pending!.request_id);

    await page.waitForSelector('#demo-connected', { timeout: 30_000 });
    const text = (await page.textContent('main'))!;
    expect(text).toContain(`"SubjectNameID": "${nationalId}"`);
    expect(text).toContain('"authMode": "MOBILE"');
    expect(text).toContain('"active": true');
    expect(text).toContain('"acr": "eidas1"');
    await page.screenshot({ path: path.join(dataDir, 'demo.png'), fullPage: true });
  });

  test('SIGTERM stops the server gracefully (exit code 0)', async () => {
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    server!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
