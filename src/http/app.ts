import Koa from 'koa';
import type Provider from 'oidc-provider';

import type { Authenticator } from '../authenticators/plugin.js';
import { AUTHENTICATOR_FACTORIES } from '../authenticators/registry.js';
import type { Settings } from '../config/settings.js';
import { SecretBox } from '../crypto/secret-box.js';
import type { Database } from '../db/database.js';
import { createAuthenticatorHost } from '../interactions/host.js';
import { interactionRouter } from '../interactions/routes.js';
import type { Logger } from '../log/logger.js';
import { ensureDemoClient } from '../demo/demo-client.js';
import { demoRelyingParty } from '../demo/relying-party.js';
import { ClientRegistry } from '../oidc/clients.js';
import { ensureSigningKeys, loadSigningJwks } from '../oidc/keys.js';
import { createProvider } from '../oidc/provider.js';
import { cookielessLogout } from '../oidc/psc/cookieless-logout.js';
import { jwtTokenParams } from '../oidc/psc/jwt-token-params.js';
import { noCors } from '../oidc/psc/no-cors.js';
import { DISCOVERY_PATH, PSC_ROUTES, WALLET_DISCOVERY_PATH } from '../oidc/psc/routes.js';
import { AuthenticationEvents } from '../audit/authentication-events.js';
import { activeProfessionals, lastImportAgeSeconds, mirrorLoaded } from '../directory/health.js';
import { instrumentProvider, type Metrics } from './metrics.js';
import { installOpsLayer } from './ops-layer.js';
import { staticFiles } from './static-files.js';

export interface OpenPsc {
  /** Lines shown on the demo page (demo national ids, how to approve with the device simulator). */
  setDemoHints(hints: string[]): void;
  app: Koa;
  provider: Provider;
  authenticators: Authenticator[];
  clients: ClientRegistry;
  metrics: Metrics;
  /** Stops the plug-ins (the caller closes the server and the database). */
  stop(): Promise<void>;
}

/**
 * The whole IdP as one Koa application: the provider mounted at the issuer path
 * (`/auth/realms/<realm>`), PSC's extra discovery path and wallet authorization path, the login
 * interaction and the authenticators' routes.
 */
export interface OpenPscOptions {
  settings: Settings;
  database: Database;
  logger: Logger;
  /** True once a graceful shutdown started: /readyz then answers 503 (src/http/shutdown.ts). */
  stopping?: () => boolean;
}

export async function createOpenPsc({ settings, database, logger, stopping }: OpenPscOptions): Promise<OpenPsc> {
  const box = new SecretBox(settings.keysEncryptionKey);
  await ensureSigningKeys(database.db, box);
  const signingJwks = await loadSigningJwks(database.db, box);
  const clients = new ClientRegistry(database.db, box, { allowHttp: !settings.production });

  const app = new Koa({ proxy: settings.trustProxy });
  app.keys = settings.cookieKeys;
  // Request id and log, timing, security headers, /healthz /readyz /metrics, body limit, rate limits.
  const ops = installOpsLayer(app, {
    settings,
    database,
    logger,
    stopping,
    checks: {
      signingKeys: async () => (signingJwks.length ? true : 'no signing key'),
      directory: () => mirrorLoaded(database.db),
    },
    directory: {
      lastImportAgeSeconds: () => lastImportAgeSeconds(database.db),
      professionals: () => activeProfessionals(database.db),
    },
  });
  const events = new AuthenticationEvents(database.db, ops.metrics, logger);

  let provider: Provider | undefined;
  let demoHints: string[] = [];
  const host = createAuthenticatorHost({ settings, database, logger, events, provider: () => provider! });
  const authenticators: Authenticator[] = [];
  for (const id of settings.authenticators) {
    const load = AUTHENTICATOR_FACTORIES[id];
    if (!load) {
      logger.warn({ authenticator: id }, 'authenticator not available in this build: skipped');
      continue;
    }
    authenticators.push((await load())(host));
  }

  const created = createProvider({
    settings,
    database,
    clients,
    signingJwks,
    cibaChannels: authenticators.flatMap((a) => (a.ciba ? [a.ciba] : [])),
    events,
    logger,
  });
  provider = created.provider;
  instrumentProvider(provider, ops.metrics);
  provider.on('server_error', (ctx, err) => logger.error({ err, route: (ctx as { oidc?: { route?: string } }).oidc?.route }, 'provider error'));

  const issuerPath = settings.issuerPath;
  const walletAuthPath = settings.authorizationEndpoint ? new URL(settings.authorizationEndpoint).pathname : undefined;
  const interactions = interactionRouter({ settings, provider: () => provider!, host, authenticators });
  const providerCallback = provider.callback();

  app.use(staticFiles());
  if (settings.demo) {
    const demo = await ensureDemoClient(settings, clients);
    const rp = demoRelyingParty(settings, demo, () => demoHints);
    app.use(rp.routes()).use(rp.allowedMethods());
    app.use(async (ctx, next) => {
      if (ctx.path === '/' && ctx.method === 'GET') ctx.redirect('/demo/');
      else await next();
    });
  }
  app.use(async (ctx, next) => {
    // PSC's non-standard discovery path serves the same document as the standard one.
    if (ctx.path === `${issuerPath}${WALLET_DISCOVERY_PATH}`) ctx.path = `${issuerPath}${DISCOVERY_PATH}`;
    // The authorization endpoint published on the wallet host (psc-contract.md §1).
    else if (walletAuthPath && ctx.path === walletAuthPath) ctx.path = `${issuerPath}${PSC_ROUTES.authorization}`;
    await next();
  });
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  for (const a of authenticators) {
    if (!a.publicRoutes) continue;
    const Router = (await import('@koa/router')).default;
    const router = new Router({ prefix: `/${a.id}` });
    a.publicRoutes(router);
    app.use(router.routes()).use(router.allowedMethods());
  }
  app.use(noCors(issuerPath));
  app.use(jwtTokenParams(issuerPath, created.accessTokens));
  app.use(cookielessLogout(issuerPath, () => provider!, database.db));
  app.use(async (ctx, next) => {
    if (ctx.path !== issuerPath && !ctx.path.startsWith(`${issuerPath}/`)) return next();
    // Mounted like Express mounts: the provider sees paths relative to the issuer.
    // oidc-provider derives its mount path from originalUrl minus url: both after our rewrites.
    (ctx.req as { originalUrl?: string }).originalUrl = ctx.url;
    ctx.req.url = ctx.url.slice(issuerPath.length) || '/';
    ctx.respond = false;
    await providerCallback(ctx.req, ctx.res);
  });

  for (const a of authenticators) await a.start?.();
  return {
    app,
    provider,
    authenticators,
    clients,
    metrics: ops.metrics,
    setDemoHints(hints) { demoHints = hints; },
    async stop() {
      ops.stop();
      for (const a of authenticators) await a.stop?.();
    },
  };
}
