import Router from '@koa/router';
import { sql } from 'kysely';

import type { Database } from '../db/database.js';
import { migrationStatus } from '../db/migrate.js';
import type { Logger } from '../log/logger.js';

/**
 * Liveness and readiness for orchestrators and load balancers.
 *
 * - `GET /healthz`: the process answers (its event loop turns). Never touches the database, so a
 *   database outage does not get every node restarted.
 * - `GET /readyz`: this node can serve logins: the database answers, its migrations are current
 *   (none pending, none changed), and the injected checks pass (signing keys loaded, directory
 *   mirror loaded). 200 `{"status":"ready","checks":{…}}`, else 503
 *   `{"status":"unavailable","failing":["migrations"],"checks":{"migrations":"pending: 0400_audit",…}}`.
 *   Reasons are short and fixed; details go to the log, not to the (possibly public) body.
 *
 * @example
 *   const health = healthRouter({ database, logger, checks: {
 *     signingKeys: async () => (jwks.keys.length ? true : 'no signing key'),
 *     directory: async () => ((await countProfessionals(database.db)) > 0 ? true : 'mirror empty'),
 *   } });
 *   app.use(health.routes());
 */

/** A readiness check: true when ready, else a short reason; a throw counts as "failed". */
export type ReadinessCheck = () => Promise<true | string>;

export interface HealthOptions {
  database: Database;
  /** Extra checks by name (signingKeys, directory…), run in parallel with the built-in ones. */
  checks?: Record<string, ReadinessCheck>;
  /** True once a graceful shutdown started: /readyz answers 503 `stopping` at once. */
  stopping?: () => boolean;
  /** Each check's time limit, in milliseconds (default 2000): a hung check means not ready. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
  failing: string[];
}

export function databaseCheck(database: Database): ReadinessCheck {
  return async () => {
    await sql`SELECT 1`.execute(database.db);
    return true;
  };
}

export function migrationsCheck(database: Database, dir?: string): ReadinessCheck {
  return async () => {
    const s = await migrationStatus(database, dir);
    if (s.changed.length) return `changed: ${s.changed.join(', ')}`;
    if (s.pending.length) return `pending: ${s.pending.join(', ')}`;
    return true;
  };
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check (in parallel, each bounded by the timeout) and sums them up. */
export async function checkReadiness(options: HealthOptions): Promise<Readiness> {
  const all: Record<string, ReadinessCheck> = {
    database: databaseCheck(options.database),
    migrations: migrationsCheck(options.database),
    ...options.checks,
  };
  const timeoutMs = options.timeoutMs ?? 2000;
  const results = await Promise.all(Object.entries(all).map(async ([name, check]) => {
    try {
      const r = await withTimeout(check, timeoutMs);
      return [name, r === true ? 'ok' : r] as const;
    } catch (err) {
      options.logger?.warn({ err, check: name }, 'readiness check failed');
      return [name, 'failed'] as const;
    }
  }));
  const checks = Object.fromEntries(results);
  // The migrations check cannot succeed without a database: report the root cause only.
  if (checks.database !== 'ok' && checks.migrations === 'failed') checks.migrations = 'skipped: database unavailable';
  const failing = results.filter(([, r]) => r !== 'ok').map(([name]) => name);
  return { ready: failing.length === 0, checks, failing };
}

export function healthRouter(options: HealthOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (options.stopping?.()) {
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 503;
      ctx.body = { status: 'stopping', failing: ['shutdown'], checks: {} };
      return;
    }
    const r = await checkReadiness({ ...options, logger: (ctx.state.log as Logger | undefined) ?? options.logger });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = r.ready ? 200 : 503;
    ctx.body = r.ready ? { status: 'ready', checks: r.checks } : { status: 'unavailable', failing: r.failing, checks: r.checks };
  });
  return router;
}
