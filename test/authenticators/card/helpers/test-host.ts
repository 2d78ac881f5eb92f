import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';

import Router from '@koa/router';
import Koa from 'koa';

import { loadSettings, type Settings } from '../../../../src/config/settings.js';
import type { Database } from '../../../../src/db/database.js';
import { loadProfessional } from '../../../../src/directory/claims.js';
import { createLogger } from '../../../../src/log/logger.js';
import type { Authenticator, AuthenticatorFactory, AuthenticatorHost, LoginResult } from '../../../../src/authenticators/plugin.js';
import { csrfToken, csrfValid } from '../../../../src/interactions/csrf.js';

const CSRF_KEY = 'card-test-host-key';

/**
 * A stand-in for the interaction host (src/interactions/host.ts) without a provider: real
 * database, real mirror lookup; an interaction is "open" after openInteraction(uid) and needs the
 * `_interaction` cookie = uid (as oidc-provider's interaction cookie binds the browser).
 * finishLogin records the result. The provider-backed end-to-end tests use the real host.
 */
export class TestHost implements AuthenticatorHost {
  /** Everything the plug-in logged, one JSON line each. */
  readonly logLines: string[] = [];
  readonly logger = createLogger('info', new Writable({
    write: (chunk, _enc, done) => { this.logLines.push(String(chunk)); done(); },
  }));
  readonly results: { uid: string; result: LoginResult }[] = [];
  private readonly open = new Set<string>();

  constructor(readonly settings: Settings, readonly database: Database) {}

  /** Opens interaction `uid`: the cookie and anti-CSRF token its login page would give. */
  openInteraction(uid: string): { cookie: string; csrf: string } {
    this.open.add(uid);
    return { cookie: `_interaction=${uid}`, csrf: csrfToken(CSRF_KEY, uid) };
  }

  readonly failures: { authenticator: string; errorCode: string }[] = [];

  async recordFailure(_ctx: Koa.Context, failure: { authenticator: 'card' | 'ecps'; errorCode: string }): Promise<void> {
    this.failures.push(failure);
  }

  checkCsrf(ctx: Koa.Context, token: unknown): boolean {
    return csrfValid(CSRF_KEY, String(ctx.params.uid), token);
  }

  findProfessional = (nationalId: string) => loadProfessional(this.database.db, nationalId);

  async finishLogin(ctx: Koa.Context, result: LoginResult): Promise<void> {
    const uid = this.requireInteraction(ctx);
    this.results.push({ uid, result });
    this.open.delete(uid);
    // As the real host: JSON callers get the URL to navigate to, form posts a 303.
    if (ctx.accepts('html', 'json') === 'json') ctx.body = { redirect: '/done' };
    else {
      ctx.status = 303;
      ctx.redirect('/done');
    }
  }

  async abortLogin(ctx: Koa.Context, error: string, description: string): Promise<void> {
    ctx.status = 400;
    ctx.body = { error, error_description: description };
  }

  async finishCiba(): Promise<void> {
    throw new Error('no CIBA in the card test host');
  }

  async describeInteraction(ctx: Koa.Context) {
    const uid = this.requireInteraction(ctx);
    return { uid, clientId: 'test-client', clientName: 'Logiciel de test' };
  }

  private requireInteraction(ctx: Koa.Context): string {
    const uid = String(ctx.params.uid);
    if (!this.open.has(uid) || ctx.cookies.get('_interaction') !== uid) ctx.throw(400, 'interaction not found');
    return uid;
  }
}

export function cardTestSettings(env: Record<string, string>): Settings {
  return loadSettings({ PUBLIC_URL: 'http://127.0.0.1:9', ...env });
}

export interface TestApp {
  url: string;
  plugin: Authenticator;
  close(): Promise<void>;
}

/** Koa app with the plug-in's routes mounted where the lead's host mounts them. */
export async function startTestApp(host: TestHost, factory: AuthenticatorFactory): Promise<TestApp> {
  const plugin = factory(host);
  await plugin.start?.();
  const app = new Koa();
  const interaction = new Router({ prefix: `${host.settings.issuerPath}/interaction/:uid/card` });
  plugin.interactionRoutes(interaction);
  const pub = new Router({ prefix: '/card' });
  plugin.publicRoutes?.(pub);
  app.use(interaction.routes()).use(pub.routes());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    plugin,
    close: async () => {
      await plugin.stop?.();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
