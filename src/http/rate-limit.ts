import type Koa from 'koa';
import { sql, type Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';
import type { Logger } from '../log/logger.js';

/**
 * Rate limits shared by every node through PostgreSQL (table rate_limit_window,
 * migrations/0401_rate_limit.sql). Each key counts hits in fixed windows; the decision uses the
 * sliding-window estimate `previous × (1 − elapsed fraction) + current`, which smooths the burst a
 * fixed window allows at its boundary. One atomic statement per hit: INSERT … ON CONFLICT DO
 * UPDATE … RETURNING, so concurrent nodes never lose a count.
 *
 * @example
 *   const limiter = new RateLimiter(database.db);
 *   const r = await limiter.consume(`login:${ctx.ip}`, { limit: 20, windowSeconds: 60 });
 *   if (!r.allowed) ctx.set('Retry-After', String(r.retryAfter));
 */

export interface RateLimitPolicy {
  /** Hits allowed per window (sliding estimate). */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in the current sliding window (0 when refused). */
  remaining: number;
  /** Seconds until a new hit would be allowed (0 when allowed). */
  retryAfter: number;
}

/**
 * Seconds from `elapsed` (into the current window) until one more hit fits, assuming no other hit:
 * first while the previous window's weight decays, else in the next window while the current one's does.
 */
export function retryAfterSeconds(previous: number, current: number, limit: number, windowSeconds: number, elapsed: number): number {
  // Fractions of a window in floating point: 0.3 - 0.1 is not 0.2, and ceil() would add a second.
  const seconds = (x: number): number => Math.max(1, Math.ceil(x - 1e-6));
  const f = elapsed / windowSeconds;
  if (previous * (1 - f) + current + 1 <= limit) return 0;
  if (current + 1 <= limit && previous > 0) {
    const fAllowed = 1 - (limit - current - 1) / previous;
    return seconds((fAllowed - f) * windowSeconds);
  }
  const untilNext = windowSeconds - elapsed;
  const gAllowed = current > 0 ? Math.max(0, 1 - (limit - 1) / current) : 0;
  return seconds(untilNext + gAllowed * windowSeconds);
}

export class RateLimiter {
  constructor(
    private readonly db: Kysely<Schema>,
    /** Milliseconds since the epoch; injected by tests. Nodes' clocks must agree (NTP). */
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one hit for `key` and says whether it is within the policy. */
  async consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    const w = policy.windowSeconds;
    const nowSeconds = this.clock() / 1000;
    const windowStart = Math.floor(nowSeconds / w) * w;
    const elapsed = nowSeconds - windowStart;
    const { rows } = await sql<{ hits: number; previous: number }>`
      WITH cur AS (
        INSERT INTO rate_limit_window (key, window_start, hits, expires_at)
        VALUES (${key}, to_timestamp(${windowStart}), 1, to_timestamp(${windowStart + 2 * w}))
        ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_window.hits + 1
        RETURNING hits
      )
      SELECT cur.hits,
        COALESCE((SELECT p.hits FROM rate_limit_window p
                  WHERE p.key = ${key} AND p.window_start = to_timestamp(${windowStart - w})), 0) AS previous
      FROM cur`.execute(this.db);
    const current = Number(rows[0]!.hits);
    const previous = Number(rows[0]!.previous);
    const estimate = previous * (1 - elapsed / w) + current;
    const allowed = estimate <= policy.limit;
    return {
      allowed,
      remaining: allowed ? Math.max(0, Math.floor(policy.limit - estimate)) : 0,
      retryAfter: allowed ? 0 : retryAfterSeconds(previous, current, policy.limit, w, elapsed),
    };
  }

  /** Deletes windows that no longer weigh in any estimate; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.db.deleteFrom('rate_limit_window')
      .where('expires_at', '<', new Date(this.clock()))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Purges every `intervalSeconds` in the background (unref'd); returns the stop function. */
  startPurge(intervalSeconds: number, logger?: Logger): () => void {
    const timer = setInterval(() => {
      this.purgeExpired().catch((err: unknown) => logger?.warn({ err }, 'rate-limit purge failed'));
    }, intervalSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}

export interface RateLimitRule extends RateLimitPolicy {
  /** Stable name, part of the key and of logs: "login", "token". */
  name: string;
  /** Methods the rule applies to (all when absent). */
  methods?: string[];
  /** Paths the rule applies to: exact path, or a RegExp tested against ctx.path. */
  path: string | RegExp;
}

export interface RateLimitOptions {
  rules: RateLimitRule[];
  /**
   * Whose hits count together: Koa's ctx.ip by default. Behind proxies pass clientIpResolver(settings)
   * (client-ip.ts): ctx.ip would trust the client's own leftmost X-Forwarded-For entry.
   */
  clientKey?: (ctx: Koa.Context) => string;
  logger?: Logger;
  /**
   * When the database cannot count, let the request through (true, the default: an IdP that stops
   * logging everyone in is worse) or answer 503 (false).
   */
  failOpen?: boolean;
}

/** The error code of refused requests, in the OIDC error shape. */
export const RATE_LIMITED = 'too_many_requests';

function matches(rule: RateLimitRule, ctx: Koa.Context): boolean {
  if (rule.methods && !rule.methods.includes(ctx.method)) return false;
  return typeof rule.path === 'string' ? ctx.path === rule.path : rule.path.test(ctx.path);
}

/**
 * Koa middleware applying every matching rule, keyed by rule name + client key. A refused request
 * gets 429, `Retry-After` and `{"error":"too_many_requests","error_description":"…"}`, or a short
 * French HTML page when the client prefers HTML (a professional's browser posting the login form).
 *
 * @example
 *   app.use(rateLimit(limiter, { rules: [
 *     { name: 'login', methods: ['POST'], path: /\/interaction\/[^/]+\//, limit: 20, windowSeconds: 60 },
 *     { name: 'token', methods: ['POST'], path: `${issuerPath}/protocol/openid-connect/token`, limit: 300, windowSeconds: 60 },
 *   ] }));
 */
export function rateLimit(limiter: RateLimiter, options: RateLimitOptions): Koa.Middleware {
  const clientKey = options.clientKey ?? ((ctx: Koa.Context) => ctx.ip);
  const failOpen = options.failOpen ?? true;
  return async (ctx, next) => {
    const log = (ctx.state.log as Logger | undefined) ?? options.logger;
    for (const rule of options.rules) {
      if (!matches(rule, ctx)) continue;
      const client = clientKey(ctx);
      let decision: RateLimitDecision;
      try {
        decision = await limiter.consume(`${rule.name}:${client}`, rule);
      } catch (err) {
        log?.warn({ err, rule: rule.name }, 'rate limit unavailable');
        if (failOpen) continue;
        ctx.status = 503;
        ctx.body = { error: 'temporarily_unavailable', error_description: 'Service momentanément indisponible, réessayez dans un instant.' };
        return;
      }
      if (!decision.allowed) {
        log?.warn({ rule: rule.name, client }, 'rate limited');
        // Refused before routing: without this the duration metric would file it as "unmatched".
        ctx.state.routeLabel = `rate-limited:${rule.name}`;
        ctx.status = 429;
        ctx.set('Retry-After', String(decision.retryAfter));
        ctx.set('Cache-Control', 'no-store');
        const message = `Trop de tentatives : réessayez dans ${decision.retryAfter} seconde${decision.retryAfter > 1 ? 's' : ''}.`;
        if (ctx.accepts('json', 'html') === 'html') {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Trop de tentatives</title>` +
            `<link rel="stylesheet" href="/static/openpsc.css"></head><body><main><h1>Trop de tentatives</h1><p>${message}</p></main></body></html>`;
        } else {
          ctx.body = { error: RATE_LIMITED, error_description: message };
        }
        return;
      }
    }
    await next();
  };
}
