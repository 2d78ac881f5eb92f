/**
 * Benchmark: e-CPS push approvals per second, end to end over HTTP on this machine.
 *
 * Each approval is what a login costs the server: a request created for a professional (as the
 * login page's POST does), then the device's signed answer through the device API (ES256 JWS
 * verified, nonce recorded, request answered), then the status read the page polls. Devices sign
 * on the client side of the same process, as many phones would in parallel.
 *
 *   npm run bench:ecps                              # defaults: 2000 approvals, concurrency 16
 *   BENCH_APPROVALS=5000 BENCH_CONCURRENCY=32 npm run bench:ecps
 *
 * Database: DATABASE_URL's server (a temporary database is created and dropped), else the local
 * server at postgres://postgres@127.0.0.1:5432/postgres if reachable, else in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { codeInMessage, readOutbox } from '../src/authenticators/ecps/channels/outbox.js';
import { completeActivation, EcpsDevice, startActivation } from '../src/authenticators/ecps/device/client.js';
import type { EcpsService } from '../src/authenticators/ecps/service.js';
import { loadSettings } from '../src/config/settings.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { saveProfessional } from '../src/directory/repository.js';
import type { ProfessionalRecord } from '../src/directory/professional.js';
import { createOpenPsc } from '../src/http/app.js';
import { createLogger } from '../src/log/logger.js';

const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PROFESSIONALS = CONCURRENCY; // one phone per worker: each answers its own requests

async function benchDatabase(): Promise<{ database: Database; label: string; drop(): Promise<void> }> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const probe = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
  } catch {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database);
    return { database, label: 'PGlite (in memory)', drop: () => database.close() };
  }
  const name = `openpsc_bench_${randomBytes(4).toString('hex')}`;
  await probe.query(`CREATE DATABASE ${name}`);
  await probe.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolMax: 10, applicationName: 'openpsc-bench' });
  await migrate(database);
  return {
    database,
    label: `PostgreSQL (${url.host})`,
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function professional(nationalId: string): ProfessionalRecord {
  const activity = { codeModeExercice: 'L', raisonSocialeSite: 'CABINET BENCH' } as ProfessionalRecord['exercices'][number]['activities'][number];
  return {
    nationalId, idType: '8', identifier: nationalId.slice(1), codeCivilite: 'M',
    exercices: [{ codeProfession: '10', nomDexercice: 'BENCH', prenomDexercice: 'E-CPS', activities: [activity] } as ProfessionalRecord['exercices'][number]],
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function main(): Promise<void> {
  const { database, label, drop } = await benchDatabase();
  const outboxDir = mkdtempSync(path.join(tmpdir(), 'ecps-bench-'));
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const settings = loadSettings({}, {
    PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    COOKIE_KEYS: randomBytes(16).toString('hex'), LOG_LEVEL: 'silent', AUTHENTICATORS: 'ecps', DATA_DIR: outboxDir,
    ECPS_OUTBOX_DIR: outboxDir, ECPS_PUSH_MAX_REQUESTS: 1000,
  });
  const openpsc = await createOpenPsc({ settings, database, logger: createLogger('silent') });
  server.on('request', openpsc.app.callback());
  const origin = `http://127.0.0.1:${port}`;
  const service = (openpsc.authenticators.find((a) => a.id === 'ecps') as unknown as { service: EcpsService }).service;

  try {
    // Setup (not measured): professionals with contacts and an activated device each.
    const devices: { nationalId: string; device: EcpsDevice }[] = [];
    for (let i = 0; i < PROFESSIONALS; i += 1) {
      const nationalId = `8${String(99000000000 + i)}`;
      const email = `bench${i}@example.test`;
      const mobile = `+3360000${String(i).padStart(4, '0')}`;
      await saveProfessional(database.db, professional(nationalId));
      await service.store.setContact({ nationalId, email, mobile });
      const { activation_id: activationId } = await startActivation({ server: origin }, nationalId);
      const [mail] = await readOutbox(outboxDir, email);
      const [sms] = await readOutbox(outboxDir, mobile);
      const state = await completeActivation({ server: origin }, {
        activationId, emailCode: codeInMessage(mail!.text)!, smsCode: codeInMessage(sms!.text)!, pin: '1234', nationalId,
      });
      devices.push({ nationalId, device: await EcpsDevice.unlock(state, '1234') });
    }

    const latencies: number[] = [];
    let next = 0;
    const worker = async (w: number) => {
      const { nationalId, device } = devices[w]!;
      while (next < APPROVALS) {
        next += 1;
        const t0 = performance.now();
        const uid = randomBytes(9).toString('base64url');
        const a = await service.approvals.requestLogin({ uid, nationalId, clientId: 'bench', clientName: 'Bench', clientIp: `10.0.${w}.1` });
        await device.answer('approve', a.id, a.code);
        if ((await service.approvals.loginStatus(uid, a.id)) !== 'approved') throw new Error('approval not recorded');
        latencies.push(performance.now() - t0);
      }
    };
    const started = performance.now();
    await Promise.all(devices.map((_, w) => worker(w)));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((x, y) => x - y);
    const result = {
      benchmark: 'ecps-approvals',
      database: label,
      approvals: latencies.length,
      concurrency: CONCURRENCY,
      seconds: Number(seconds.toFixed(2)),
      approvalsPerSecond: Number((latencies.length / seconds).toFixed(1)),
      machine: { cpus: cpus().length, loadAverage1m: Number(loadavg()[0]!.toFixed(2)) },
      latencyMs: { p50: Number(percentile(latencies, 0.5).toFixed(1)), p95: Number(percentile(latencies, 0.95).toFixed(1)), max: Number(latencies.at(-1)!.toFixed(1)) },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await openpsc.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await drop();
    rmSync(outboxDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
