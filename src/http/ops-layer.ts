import type Koa from 'koa';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { DISCOVERY_PATH, PSC_ROUTES, WALLET_DISCOVERY_PATH } from '../oidc/psc/routes.js';
import { bodyLimit } from './body-limits.js';
import { clientIpResolver } from './client-ip.js';
import { healthRouter, type ReadinessCheck } from './health.js';
import { Metrics, type KnownRoute, type MetricsOptions } from './metrics.js';
import { RateLimiter, rateLimit, type RateLimitRule } from './rate-limit.js';
import { requestLog } from './request-log.js';
import { securityHeaders, type SecurityHeadersOptions } from './security-headers.js';

/**
 * The production layer in front of the IdP's own routes, installed in the one order that works:
 *
 * 1. request id + request log   — first, so that every later refusal is logged with its id; the
 *                                  client IP is resolved once (client-ip.ts: not forgeable through
 *                                  X-Forwarded-For) and kept in ctx.state.clientIp;
 * 2. request timing (metrics)    — sees every response, refusals included;
 * 3. security headers            — before anything writes a response, and before the provider
 *                                  (which appends its form_post script hash to our CSP);
 * 4. /healthz, /readyz, /metrics — answered here: never rate-limited, no body;
 * 5. body limit                  — 413 before any parser and before counting a rate-limit hit;
 * 6. rate limits                 — login POSTs and the token-type endpoints, per client IP.
 *
 * Then the caller's middleware (static files, interactions, plug-ins, provider).
 *
 * @example
 *   const app = new Koa({ proxy: settings.trustProxy });
 *   const ops = installOpsLayer(app, { settings, database, logger, checks: {
 *     signingKeys: async () => (signingJwks.keys.length ? true : 'no signing key'),
 *   } });
 *   instrumentProvider(provider, ops.metrics);
 *   app.use(staticFiles()); …                   // the IdP's own middleware, unchanged
 *   shutdown.onClose(() => ops.stop());
 */

export interface OpsLayerOptions {
  settings: Settings;
  database: Database;
  logger: Logger;
  /** Readiness checks beyond database and migrations (signing keys, directory mirror). */
  checks?: Record<string, ReadinessCheck>;
  /** Directory gauges (see Metrics). */
  directory?: MetricsOptions['directory'];
  /** Per-request extra form-action sources (see securityHeaders). */
  formActionFor?: SecurityHeadersOptions['formActionFor'];
  /** True once a graceful shutdown started (GracefulShutdown.stopping): /readyz then answers 503. */
  stopping?: () => boolean;
  /** Extra routes for the duration histogram (paths the IdP serves outside @koa/router). */
  knownRoutes?: KnownRoute[];
}

export interface OpsLayer {
  metrics: Metrics;
  limiter: RateLimiter;
  rules: RateLimitRule[];
  /** Stops the background purge of rate-limit windows. */
  stop(): void;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rate-limit rules of settings.ops.rateLimit, on the IdP's paths. */
export function defaultRateLimitRules(settings: Settings): RateLimitRule[] {
  const { windowSeconds, login, token } = settings.ops.rateLimit;
  const issuer = escape(settings.issuerPath);
  const tokenPaths = [PSC_ROUTES.token, PSC_ROUTES.pushed_authorization_request, PSC_ROUTES.backchannel_authentication,
    PSC_ROUTES.introspection, PSC_ROUTES.revocation].map(escape).join('|');
  return [
    // Every POST of a plug-in inside a login interaction: PIN, card challenge, e-CPS code…
    { name: 'login', methods: ['POST'], path: new RegExp(`^${issuer}/interaction/[^/]+/[^/]+/`), limit: login, windowSeconds },
    { name: 'token', methods: ['POST'], path: new RegExp(`^${issuer}(${tokenPaths})$`), limit: token, windowSeconds },
  ];
}

/** Route labels for what oidc-provider serves (it is not routed by @koa/router). */
export function providerRoutes(issuerPath: string): KnownRoute[] {
  return [
    ...Object.values(PSC_ROUTES).map((p) => `${issuerPath}${p}`),
    `${issuerPath}${DISCOVERY_PATH}`,
    `${issuerPath}${WALLET_DISCOVERY_PATH}`,
    `${issuerPath}${PSC_ROUTES.end_session}/confirm`,
    `${issuerPath}${PSC_ROUTES.end_session}/success`,
    { pattern: new RegExp(`^${escape(issuerPath + PSC_ROUTES.authorization)}/[^/]+$`), label: `${issuerPath}${PSC_ROUTES.authorization}/:uid` },
    { pattern: /^\/static\/[^/]+$/, label: '/static/:file' },
  ];
}

export function installOpsLayer(app: Koa, options: OpsLayerOptions): OpsLayer {
  const { settings, database, logger } = options;
  const metrics = new Metrics({ pool: database.pool, directory: options.directory, logger });
  const limiter = new RateLimiter(database.db);
  const rules = settings.ops.rateLimit.enabled ? defaultRateLimitRules(settings) : [];

  const clientIp = clientIpResolver(settings);
  app.use(requestLog(logger, { clientIp, quietPaths: ['/healthz', '/readyz', '/metrics'] }));
  app.use(metrics.timeRequests({ knownRoutes: [...providerRoutes(settings.issuerPath), ...(options.knownRoutes ?? [])] }));
  app.use(securityHeaders({
    publicUrl: settings.publicUrl,
    // The card login page fetch()es the workstation's card agent (docs/card.md).
    connectSrc: [...settings.ops.cardAgentOrigins, ...(settings.authenticators.includes('card') ? [new URL(settings.card.agentUrl).origin] : [])],
    formAction: settings.ops.formActionOrigins,
    formActionFor: options.formActionFor,
  }));
  const health = healthRouter({ database, checks: options.checks, logger, stopping: options.stopping });
  app.use(health.routes());
  if (settings.ops.metricsEnabled) app.use(metrics.endpoint());
  app.use(bodyLimit({ maxBytes: settings.ops.bodyLimit }));
  if (rules.length) app.use(rateLimit(limiter, { rules, logger, clientKey: clientIp }));

  const stopPurge = limiter.startPurge(Math.max(60, settings.ops.rateLimit.windowSeconds), logger);
  return { metrics, limiter, rules, stop: stopPurge };
}
