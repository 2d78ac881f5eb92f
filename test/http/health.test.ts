import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import request from 'supertest';

import { openDatabase } from '../../src/db/database.js';
import { migrationsDir } from '../../src/db/migrate.js';
import { checkReadiness, healthRouter, migrationsCheck, type HealthOptions } from '../../src/http/health.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

/** A database handle on a port where nothing listens: every query fails at once. */
const unreachable = () => openDatabase({ databaseUrl: 'postgres://openpsc@127.0.0.1:1/none', poolMax: 1 });

function app(options: HealthOptions): Koa {
  const a = new Koa();
  a.use(healthRouter(options).routes());
  return a;
}

describe('health endpoints', () => {
  test('/healthz answers while the process lives, without touching the database', async () => {
    const down = await unreachable();
    const res = await request(app({ database: down }).callback()).get('/healthz').expect(200);
    await down.close();
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('/readyz is 200 on a migrated database with every injected check passing', async () => {
    const res = await request(app({
      database: t.database,
      checks: { signingKeys: async () => true, directory: async () => true },
    }).callback()).get('/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', signingKeys: 'ok', directory: 'ok' },
    });
  });

  test('/readyz is 503 naming each failing check and its short reason', async () => {
    const res = await request(app({
      database: t.database,
      checks: {
        signingKeys: async () => 'no active signing key',
        directory: async () => { throw new Error('relation "professional" does not exist'); },
      },
    }).callback()).get('/readyz').expect(503);
    expect(res.body).toEqual({
      status: 'unavailable',
      failing: ['signingKeys', 'directory'],
      checks: { database: 'ok', migrations: 'ok', signingKeys: 'no active signing key', directory: 'failed' },
    });
    // The exception text stays in the logs.
    expect(JSON.stringify(res.body)).not.toContain('relation');
  });

  test('/readyz is 503 "stopping" as soon as a graceful shutdown started, without running the checks', async () => {
    let ran = false;
    const res = await request(app({
      database: t.database,
      stopping: () => true,
      checks: { signingKeys: async () => { ran = true; return true; } },
    }).callback()).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'stopping', failing: ['shutdown'], checks: {} });
    expect(ran).toBe(false);
  });

  test('a check that hangs counts as not ready after the timeout', async () => {
    const r = await checkReadiness({
      database: t.database,
      timeoutMs: 50,
      checks: { directory: () => new Promise(() => {}) },
    });
    expect(r).toMatchObject({ ready: false, failing: ['directory'] });
    expect(r.checks.directory).toBe('timeout');
  });

  test('an unreachable database: database failed, migrations skipped', async () => {
    const down = await unreachable();
    const res = await request(app({ database: down }).callback()).get('/readyz').expect(503);
    await down.close();
    expect(res.body.failing).toEqual(['database', 'migrations']);
    expect(res.body.checks).toEqual({ database: 'failed', migrations: 'skipped: database unavailable' });
  });

  test('pending migrations (a new release before its migration job ran) make the node not ready', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-migrations-'));
    try {
      cpSync(migrationsDir, dir, { recursive: true });
      writeFileSync(path.join(dir, '0499_next_release.sql'), 'SELECT 1;');
      expect(await migrationsCheck(t.database, dir)()).toBe('pending: 0499_next_release');
      writeFileSync(path.join(dir, '0400_audit.sql'), '-- edited after being applied\n');
      expect(await migrationsCheck(t.database, dir)()).toBe('changed: 0400_audit');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
