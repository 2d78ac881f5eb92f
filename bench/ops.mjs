// Benchmarks of the production layer (run: npm run bench:ops; needs PostgreSQL on 127.0.0.1:5432
// or BENCH_DATABASE_URL). Plain JavaScript over dist/ (built first by the npm script), so that it
// measures the compiled code the image runs.
//
//   1. RateLimiter.consume(): one atomic upsert per hit — throughput and latency at concurrency 16.
//   2. Request overhead of the ops layer (request log, timing, security headers, body limit) on a
//      trivial route, against the bare route; then the same with a rate-limit rule on the route.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import Koa from 'koa';
import pg from 'pg';

import { openDatabase } from '../dist/src/db/database.js';
import { migrate } from '../dist/src/db/migrate.js';
import { loadSettings } from '../dist/src/config/settings.js';
import { createLogger } from '../dist/src/log/logger.js';
import { installOpsLayer } from '../dist/src/http/ops-layer.js';
import { RateLimiter } from '../dist/src/http/rate-limit.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function report(name, count, latencies, seconds) {
  latencies.sort((a, b) => a - b);
  console.log(`${name.padEnd(46)} ${(count / seconds).toFixed(0).padStart(7)} /s   p50 ${percentile(latencies, 0.5).toFixed(2)} ms   p99 ${percentile(latencies, 0.99).toFixed(2)} ms`);
}

/** Runs `op` from CONCURRENCY workers for SECONDS; returns count and latencies (ms). */
async function load(op) {
  const latencies = [];
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, w) => {
    let i = 0;
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await op(w, i += 1);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  return { count: latencies.length, latencies };
}

async function serve(app) {
  const server = http.createServer(app.callback());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function get(agent, port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

const name = `openpsc_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN);
url.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: url.toString(), poolMax: 10 });
try {
  await migrate(database);
  console.log(`PostgreSQL ${(await database.pool.query('SHOW server_version')).rows[0].server_version}, concurrency ${CONCURRENCY}, ${SECONDS} s per measure, node ${process.version}`);

  const limiter = new RateLimiter(database.db);
  const policy = { limit: 1_000_000, windowSeconds: 60 };
  let r = await load((w) => limiter.consume(`bench:10.0.0.${w}`, policy));
  report('RateLimiter.consume (16 keys)', r.count, r.latencies, SECONDS);
  r = await load(() => limiter.consume('bench:one-hot-key', policy));
  report('RateLimiter.consume (one hot key)', r.count, r.latencies, SECONDS);

  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const handler = (ctx) => { ctx.body = 'ok'; };
  const bare = new Koa().use(handler);
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  const settings = loadSettings({}, { LOG_LEVEL: 'info', RATE_LIMIT_LOGIN: 1_000_000_000 });
  const layered = new Koa();
  const ops = installOpsLayer(layered, { settings, database, logger: createLogger('info', sink) });
  layered.use(handler);
  for (const [label, app, path] of [
    ['bare Koa route', bare, '/x'],
    ['same route behind the ops layer', layered, '/x'],
  ]) {
    const server = await serve(app);
    const { port } = server.address();
    r = await load(() => get(agent, port, path));
    report(label, r.count, r.latencies, SECONDS);
    server.close();
  }
  // A rate-limited route: one PostgreSQL round trip per request.
  const server = await serve(layered);
  const { port } = server.address();
  const loginPath = `${settings.issuerPath}/interaction/abc/card/pin`;
  r = await load(() => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: loginPath, method: 'POST', agent, headers: { 'Content-Length': 0 } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end();
  }));
  report('rate-limited POST behind the ops layer', r.count, r.latencies, SECONDS);
  server.close();
  ops.stop();
  agent.destroy();
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
