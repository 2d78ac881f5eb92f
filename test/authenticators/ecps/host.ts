import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import Router from '@koa/router';
import Koa from 'koa';

import { createEcpsAuthenticator } from '../../../src/authenticators/ecps/plugin.js';
import type { EcpsService } from '../../../src/authenticators/ecps/service.js';
import type { Authenticator, AuthenticatorHost, InteractionView, LoginResult } from '../../../src/authenticators/plugin.js';
import { loadSettings, type Settings } from '../../../src/config/settings.js';
import { loadProfessional } from '../../../src/directory/claims.js';
import { saveProfessional } from '../../../src/directory/repository.js';
import { createLogger } from '../../../src/log/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { medecin } from '../../helpers/fixtures.js';

/**
 * A small stand-in for the lead's interaction host, over a real database: it keeps fake
 * interactions in memory, renders the e-CPS login section in a page under a strict CSP, and
 * records what finishLogin / finishCiba are given. Used until the OIDC provider lands, and for
 * tests that exercise the plug-in alone.
 */
export interface EcpsTestApp {
  t: TestDatabase;
  settings: Settings;
  host: AuthenticatorHost;
  authenticator: Authenticator & { service: EcpsService };
  service: EcpsService;
  /** Origin of the running app, e.g. http://127.0.0.1:40123 */
  origin: string;
  outboxDir: string;
  logins: { uid: string; result: LoginResult }[];
  cibaOutcomes: Map<string, LoginResult | { error: string; description: string }>;
  /** Opens a login interaction; returns its uid. */
  newInteraction(v?: Partial<Omit<InteractionView, 'uid'>>): string;
  /** The anti-CSRF token of interaction `uid`'s forms. */
  csrfOf(uid: string): string;
  /** URL of the login page of interaction `uid`. */
  loginUrl(uid: string): string;
  interactionBase(uid: string): string;
  /** A professional in activity in the mirror, with contacts for activation. */
  addProfessional(nationalId: string, contacts?: { email?: string; mobile?: string }): Promise<void>;
  close(): Promise<void>;
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Starts the test app. `logLines`, when given, receives every log line (level debug), so tests can
 * check what is logged — and what never is.
 */
export async function startEcpsTestApp(overrides: Record<string, string | number> = {}, logLines?: string[]): Promise<EcpsTestApp> {
  const t = await createTestDatabase();
  const outboxDir = mkdtempSync(path.join(tmpdir(), 'ecps-outbox-'));
  const settings = loadSettings({}, {
    KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'), DATA_DIR: outboxDir, ECPS_OUTBOX_DIR: outboxDir, LOG_LEVEL: 'silent',
    // Tests activate many devices: no equalized answer time unless a test asks for it.
    ECPS_ACTIVATION_ANSWER_MS: 0,
    ...overrides,
  });
  const interactions = new Map<string, InteractionView & { csrf: string }>();
  const logins: EcpsTestApp['logins'] = [];
  const cibaOutcomes: EcpsTestApp['cibaOutcomes'] = new Map();
  const host: AuthenticatorHost = {
    settings,
    database: t.database,
    logger: logLines
      ? createLogger('debug', new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }))
      : createLogger(process.env.ECPS_TEST_LOG ?? 'silent'),
    findProfessional: (nationalId) => loadProfessional(t.database.db, nationalId),
    async finishLogin(ctx, result) {
      const uid = String(ctx.params.uid);
      logins.push({ uid, result });
      interactions.delete(uid);
      ctx.status = 200;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = `<!doctype html><html lang="fr"><body><p id="logged-in">Connecté : ${result.nationalId} (${result.amr.join(',')})</p></body></html>`;
    },
    async abortLogin(ctx, error, description) {
      ctx.status = 400;
      ctx.body = { error, error_description: description };
    },
    async recordFailure() {},
    checkCsrf(ctx, token) {
      return token === interactions.get(String(ctx.params.uid))?.csrf;
    },
    async finishCiba(authReqId, outcome) {
      cibaOutcomes.set(authReqId, outcome);
    },
    async describeInteraction(ctx) {
      const view = interactions.get(String(ctx.params.uid));
      if (!view) throw new Error('interaction expired');
      return view;
    },
  };
  const authenticator = createEcpsAuthenticator(host) as Authenticator & { service: EcpsService };

  const app = new Koa();
  app.proxy = false;
  app.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    await next();
  });
  const base = `${settings.issuerPath}/interaction/:uid`;
  const shell = new Router();
  shell.get(base, (ctx) => {
    const view = interactions.get(ctx.params.uid!);
    if (!view) { ctx.status = 404; return; }
    const section = authenticator.renderLogin({ ...view, basePath: `${settings.issuerPath}/interaction/${view.uid}/ecps` });
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = `<!doctype html><html lang="fr"><head><title>Connexion</title></head><body>${section.html}${(section.scripts ?? []).map((s) => `<script src="${s}"></script>`).join('')}</body></html>`;
  });
  const interactionRouter = new Router({ prefix: `${base}/ecps` });
  authenticator.interactionRoutes(interactionRouter);
  const publicRouter = new Router({ prefix: '/ecps' });
  authenticator.publicRoutes!(publicRouter);
  app.use(shell.routes()).use(interactionRouter.routes()).use(publicRouter.routes());
  await authenticator.start?.();

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    t, settings, host, authenticator, service: authenticator.service, origin, outboxDir, logins, cibaOutcomes,
    newInteraction(v = {}) {
      const uid = randomBytes(12).toString('base64url');
      interactions.set(uid, { uid, clientId: 'client-test', clientName: 'Logiciel de test', csrf: randomBytes(8).toString('hex'), ...v });
      return uid;
    },
    csrfOf: (uid) => interactions.get(uid)?.csrf ?? '',
    loginUrl: (uid) => `${origin}${settings.issuerPath}/interaction/${uid}`,
    interactionBase: (uid) => `${origin}${settings.issuerPath}/interaction/${uid}/ecps`,
    async addProfessional(nationalId, contacts) {
      await saveProfessional(t.database.db, medecin(nationalId));
      if (contacts) await authenticator.service.store.setContact({ nationalId, ...contacts });
    },
    async close() {
      await authenticator.stop?.();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await t.drop();
      rmSync(outboxDir, { recursive: true, force: true });
    },
  };
}
