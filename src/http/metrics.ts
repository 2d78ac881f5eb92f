import type Koa from 'koa';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Logger } from '../log/logger.js';

/**
 * Prometheus metrics of one app instance, in its own Registry (never prom-client's global one:
 * two apps in one process — tests, a future admin listener — must not share or clash).
 *
 * Label values are bounded: routes are route *patterns* (never raw paths with ids), methods a
 * fixed list, codes and grant types checked against a pattern; anything else becomes "other".
 *
 * @example
 *   const metrics = new Metrics({ pool: database.pool, directory: {
 *     lastImportAgeSeconds: async () => secondsSinceLastImport(database.db),
 *     professionals: async () => countProfessionals(database.db),
 *   } });
 *   app.use(metrics.timeRequests({ knownRoutes: [`${issuerPath}/protocol/openid-connect/token`] }));
 *   app.use(metrics.endpoint());                   // GET /metrics
 *   metrics.loginAttempt('card', 'success');
 *   instrumentProvider(provider, metrics);          // tokens issued, OIDC errors
 */

export type LoginOutcome = 'success' | 'failure' | 'aborted';

export interface MetricsOptions {
  /** The pg pool behind the database, for openpsc_db_pool_clients (absent on PGlite). */
  pool?: pg.Pool;
  directory?: {
    /** Seconds since the last successful Annuaire Santé import, undefined if none yet. */
    lastImportAgeSeconds?: () => Promise<number | undefined>;
    /** Professionals in the mirror with at least one current activity. */
    professionals?: () => Promise<number | undefined>;
  };
  /** Node.js process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
  logger?: Logger;
}

/**
 * A gauge read from a callback at scrape time, absent from the scrape when the callback has no
 * value (no directory import yet) or fails — rather than a misleading 0, which label-less prom-client
 * gauges would report. Alert on `absent(…)` for "never imported".
 */
class OptionalGauge extends Gauge {
  private missing = true;

  constructor(name: string, help: string, registers: Registry[], read: () => Promise<number | undefined>, log?: Logger) {
    super({
      name, help, registers,
      collect: async () => {
        this.missing = true;
        try {
          const v = await read();
          if (v !== undefined && Number.isFinite(v)) {
            this.set(v);
            this.missing = false;
          }
        } catch (err) {
          log?.warn({ err, metric: name }, 'metric source failed');
        }
      },
    });
  }

  override async get(): ReturnType<Gauge['get']> {
    const metric = await super.get();
    return this.missing ? { ...metric, values: [] } : metric;
  }
}

/** A route for the duration histogram: a fixed path, or a pattern standing for its label. */
export type KnownRoute = string | { pattern: RegExp; label: string };

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const CODE = /^[a-z0-9_]{1,64}$/;
const GRANT_TYPE = /^[a-z0-9:_.-]{1,100}$/i;
const bounded = (value: string, allowed: RegExp): string => (allowed.test(value) ? value : 'other');

export class Metrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'authenticator' | 'outcome'>;
  private readonly tokens: Counter<'grant_type'>;
  private readonly oidcErrors: Counter<'error'>;
  private readonly durations: Histogram<'method' | 'route' | 'status'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const log = options.logger;
    this.logins = new Counter({
      name: 'openpsc_logins_total', help: 'Login attempts by authenticator and outcome',
      labelNames: ['authenticator', 'outcome'], registers,
    });
    this.tokens = new Counter({
      name: 'openpsc_tokens_issued_total', help: 'Successful token endpoint responses by grant type',
      labelNames: ['grant_type'], registers,
    });
    this.oidcErrors = new Counter({
      name: 'openpsc_oidc_errors_total', help: 'OIDC error responses by error code',
      labelNames: ['error'], registers,
    });
    this.durations = new Histogram({
      name: 'openpsc_http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });

    const gaugeFrom = (name: string, help: string, read?: () => Promise<number | undefined>): void => {
      if (read) new OptionalGauge(name, help, registers, read, log);
    };
    gaugeFrom('openpsc_directory_last_import_age_seconds', 'Seconds since the last successful directory import', options.directory?.lastImportAgeSeconds);
    gaugeFrom('openpsc_directory_professionals', 'Professionals with a current activity in the directory mirror', options.directory?.professionals);

    const pool = options.pool;
    if (pool) {
      new Gauge({
        name: 'openpsc_db_pool_clients', help: 'PostgreSQL pool clients by state (total, idle, waiting requests)',
        labelNames: ['state'], registers,
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A login ended: `authenticator` is the plug-in id ('card', 'ecps'). */
  loginAttempt(authenticator: string, outcome: LoginOutcome): void {
    this.logins.inc({ authenticator: bounded(authenticator, CODE), outcome });
  }

  /** The token endpoint issued tokens for this grant type. */
  tokenIssued(grantType: string): void {
    this.tokens.inc({ grant_type: bounded(grantType, GRANT_TYPE) });
  }

  /** An OIDC error response (`invalid_grant`, `access_denied`…). */
  oidcError(code: string): void {
    this.oidcErrors.inc({ error: bounded(code, CODE) });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.durations.observe({ method: METHODS.has(method) ? method : 'OTHER', route, status: String(status) }, seconds);
  }

  /**
   * Times every request until its response is finished. The route label is, in order: the
   * @koa/router pattern that matched (`/interaction/:uid/card/pin`), `ctx.state.routeLabel` if a
   * handler set one, a `knownRoutes` entry matching the path (for what is not routed by
   * @koa/router: the provider, static files), else "unmatched".
   */
  timeRequests({ knownRoutes = [] }: { knownRoutes?: KnownRoute[] } = {}): Koa.Middleware {
    const fixed = new Set(knownRoutes.filter((r): r is string => typeof r === 'string'));
    const patterns = knownRoutes.filter((r): r is { pattern: RegExp; label: string } => typeof r !== 'string');
    return async (ctx, next) => {
      const started = process.hrtime.bigint();
      const method = ctx.method;
      const path = ctx.path;
      const res = ctx.res;
      let observed = false;
      const done = (): void => {
        if (observed) return;
        observed = true;
        const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        const route = typeof matched === 'string' ? matched
          : typeof ctx.state.routeLabel === 'string' ? ctx.state.routeLabel
            : fixed.has(path) ? path
              : patterns.find((p) => p.pattern.test(path))?.label ?? 'unmatched';
        this.observeRequest(method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      };
      res.once('finish', done);
      res.once('close', done);
      await next();
    };
  }

  /** Serves the registry at GET `path` in the Prometheus text format. */
  endpoint(path = '/metrics'): Koa.Middleware {
    return async (ctx, next) => {
      if (ctx.path !== path || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = this.registry.contentType;
      ctx.body = await this.registry.metrics();
    };
  }
}

/** What `instrumentProvider` needs of oidc-provider: its event emitter. */
export interface ProviderEvents {
  on(event: string, listener: (ctx: { oidc?: { params?: Record<string, unknown> } }, err?: { error?: string }) => void): unknown;
}

/** oidc-provider events that carry an OIDC error response. */
export const PROVIDER_ERROR_EVENTS = [
  'authorization.error', 'backchannel.error', 'grant.error', 'userinfo.error', 'introspection.error',
  'revocation.error', 'end_session.error', 'end_session_confirm.error', 'pushed_authorization_request.error',
  'backchannel_authentication.error', 'registration_create.error', 'registration_read.error', 'jwks.error',
  'discovery.error', 'server_error',
] as const;

/** Counts tokens issued (grant.success) and OIDC errors from oidc-provider's events. */
export function instrumentProvider(provider: ProviderEvents, metrics: Metrics): void {
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc?.params?.grant_type;
    metrics.tokenIssued(typeof grantType === 'string' ? grantType : 'other');
  });
  for (const event of PROVIDER_ERROR_EVENTS) {
    provider.on(event, (_ctx, err) => metrics.oidcError(event === 'server_error' ? 'server_error' : err?.error ?? 'other'));
  }
}
