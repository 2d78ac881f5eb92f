/**
 * Benchmark of the Annuaire Santé import: npm run bench:import
 *   ("bench:import": "tsc -p bench/tsconfig.json && node dist/bench/bench/import.js").
 *
 *   BENCH_PROFESSIONALS=1480000 (≈ 2.3 M rows, ≈ 1 GB: the size of the real extract)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (admin URL: a fresh
 *   `openpsc_bench` database is created on that server)
 *   BENCH_WORKERS=0 (reader threads; default: DIRECTORY_IMPORT_WORKERS's "auto")
 *
 * 1. generates the full-size file once (cached under bench/out/) and its "next day" (1 % touched);
 * 2. floor: `psql \copy` of the raw file into an UNLOGGED table of 57 text columns, timed before
 *    and after the full import (the ratio is to their mean);
 * 3. the OpenPSC import into an empty mirror, in a child process (its peak RSS is measured);
 * 4. an incremental sync with the next-day file;
 * and prints rows/s, the ratio to the floor, peak RSS, against the targets of issue #3.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { projectRoot } from '../src/config/settings.js';
import { openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { writeExtract } from '../src/directory/generator/write-extract.js';
import { importExtract } from '../src/directory/import/importer.js';
import { autoWorkers } from '../src/directory/import/settings.js';

const PROFESSIONALS = Number(process.env.BENCH_PROFESSIONALS ?? 1_480_000);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'openpsc_bench';
const outDir = path.join(projectRoot, 'bench', 'out');

const dbUrl = () => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
};

async function cachedExtract(name: string, nextDay?: number): Promise<string> {
  const file = path.join(outDir, name);
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const stats = await writeExtract(`${file}.part`, { professionals: PROFESSIONALS, seed: 'bench', ...(nextDay ? { nextDay: { share: nextDay } } : {}) });
  renameSync(`${file}.part`, file);
  console.log(`generated ${name}: ${stats.rows} rows, ${(stats.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

/** The child: one import, then its own figures on stdout (peak RSS is per process). */
async function child(file: string): Promise<void> {
  const database = await openDatabase({ databaseUrl: dbUrl(), poolMax: 5, applicationName: 'openpsc-bench' });
  const started = performance.now();
  const workers = process.env.BENCH_WORKERS === undefined ? {} : { workers: Number(process.env.BENCH_WORKERS) };
  const result = await importExtract(database, file, { maxRowChange: 0, maxDisappearShare: 0.05, ...workers });
  const ms = performance.now() - started;
  await database.close();
  const { report: _r, ...counts } = result;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, counts }));
}

function runChild(file: string): Promise<{ ms: number; maxRssMb: number; counts: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`import child exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const day0 = await cachedExtract(`PS_LibreAcces_Personne_activite_bench_${PROFESSIONALS}.txt`);
  const day1 = await cachedExtract(`PS_LibreAcces_Personne_activite_bench_${PROFESSIONALS}_next.txt`, 0.01);
  const mb = statSync(day0).size / 1e6;

  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: dbUrl(), poolMax: 2 });
  await migrate(database);

  // The floor is timed before and after the full import and the ratio taken to their mean: on a
  // shared machine the load drifts, and one floor taken at a quiet moment would flatter or
  // penalise the import.
  const floor = async (): Promise<{ ms: number; rows: number }> => {
    await database.exec(`DROP TABLE IF EXISTS bench_raw_floor; CREATE UNLOGGED TABLE bench_raw_floor (${Array.from({ length: 57 }, (_, i) => `c${i} text`).join(', ')})`);
    const t = performance.now();
    execFileSync('psql', [dbUrl(), '-q', '-c', `\\copy bench_raw_floor FROM '${day0}' WITH (FORMAT csv, DELIMITER '|', QUOTE E'\\x01', HEADER true)`]);
    const ms = performance.now() - t;
    const { rows } = await database.pool!.query<{ n: number }>('SELECT count(*) AS n FROM bench_raw_floor');
    await database.exec('DROP TABLE bench_raw_floor');
    return { ms, rows: Number(rows[0]!.n) };
  };

  const before = await floor();
  const full = await runChild(day0);
  const after = await floor();
  await database.close();
  const sync = await runChild(day1);
  const rowCount = before.rows;
  const floorMs = (before.ms + after.ms) / 2;

  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rate = (ms: number) => `${Math.round(rowCount / (ms / 1000)).toLocaleString('en')} rows/s`;
  const verdict = (ok: boolean) => (ok ? 'OK' : 'MISSED');
  console.log(`\nfile: ${rowCount} rows, ${mb.toFixed(0)} MB (${PROFESSIONALS} professionals); reader threads: ${process.env.BENCH_WORKERS ?? `auto (${autoWorkers()})`}`);
  console.log(`floor  psql \\copy → unlogged table : ${s(floorMs)}  ${rate(floorMs)}  (mean of ${s(before.ms)} before and ${s(after.ms)} after the full import)`);
  console.log(`OpenPSC full import (empty mirror) : ${s(full.ms)}  ${rate(full.ms)}  ratio ${(full.ms / floorMs).toFixed(2)}× (target ≤ 2×: ${verdict(full.ms <= 2 * floorMs)})  peak RSS ${full.maxRssMb.toFixed(0)} MB (target ≤ 300: ${verdict(full.maxRssMb <= 300)})`);
  console.log(`  full import steps (ms): ${JSON.stringify(full.counts.timings)}`);
  console.log(`OpenPSC incremental sync (1 %)     : ${s(sync.ms)}  ${JSON.stringify({ created: sync.counts.created, updated: sync.counts.updated, ended: sync.counts.ended })} (target ≤ 30 s: ${verdict(sync.ms <= 30_000)})  peak RSS ${sync.maxRssMb.toFixed(0)} MB`);
  console.log(`  sync steps (ms): ${JSON.stringify(sync.counts.timings)}`);
}

if (process.argv[2] === '--child') {
  child(process.argv[3]!).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
