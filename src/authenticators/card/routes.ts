import { readFileSync } from 'node:fs';
import path from 'node:path';

import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';

import { projectRoot } from '../../config/settings.js';
import type { AuthenticatorHost } from '../plugin.js';
import { clientCertificateFromProxy } from './certificates/client-header.js';
import { CardCsrfError, CardError } from './errors.js';
import type { CardLogin, CardLoginService, SignedChallenge } from './service.js';
import { renderCardErrorPage, SCRIPT_ROUTE } from './views.js';

const parseBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '64kb', formLimit: '64kb' });

/** The browser script, read once. */
const scriptFile = path.join(projectRoot, 'static', 'card', 'login.js');
let script: string | undefined;

/**
 * Interaction routes, relative to `<issuerPath>/interaction/:uid/card`:
 * - `POST /challenge` → `{ challengeId, challenge, expiresAt }` (JSON);
 * - `POST /verify` (JSON or form: challengeId, certificate, signature) → login (JSON: `{ redirect }`);
 * - `POST /mtls` (form) → login with the certificate a trusted TLS proxy verified.
 * Each needs the interaction cookie and its anti-CSRF token (header X-CSRF-Token or field `csrf`).
 * Refusals: `{ error, message }` with a 4xx status, or an HTML page for form posts.
 */
export function mountInteractionRoutes(router: Router, host: AuthenticatorHost, service: CardLoginService): void {
  router.post('/challenge', parseBody, async (ctx) => {
    await handle(ctx, host, async () => {
      await host.describeInteraction(ctx); // the interaction exists and this browser holds its cookie
      checkCsrf(ctx, host);
      const c = await service.issueChallenge(uid(ctx));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { challengeId: c.id, challenge: c.challenge.toString('base64'), expiresAt: c.expiresAt.toISOString() };
    });
  });

  router.post('/verify', parseBody, async (ctx) => {
    await handle(ctx, host, async () => {
      await host.describeInteraction(ctx);
      checkCsrf(ctx, host);
      const login = await service.verifySignedChallenge(uid(ctx), (ctx.request.body ?? {}) as Partial<SignedChallenge>);
      await finish(ctx, host, login, 'agent');
    });
  });

  router.post('/mtls', parseBody, async (ctx) => {
    await handle(ctx, host, async () => {
      await host.describeInteraction(ctx);
      checkCsrf(ctx, host);
      const der = clientCertificateFromProxy({ remoteAddress: ctx.req.socket.remoteAddress, header: (n) => ctx.get(n) || undefined }, host.settings);
      const login = await service.verifyPresentedCertificate(der);
      await finish(ctx, host, login, 'mtls');
    });
  });
}

/** Public routes, relative to `/card`: the login page's script. */
export function mountPublicRoutes(router: Router): void {
  router.get(SCRIPT_ROUTE, (ctx) => {
    script ??= readFileSync(scriptFile, 'utf8');
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = script;
  });
}

/** The interaction's anti-CSRF token, from the X-CSRF-Token header (fetch) or the `csrf` field (form). */
function checkCsrf(ctx: Koa.Context, host: AuthenticatorHost): void {
  const token = ctx.get('x-csrf-token') || (ctx.request.body as { csrf?: unknown } | undefined)?.csrf;
  if (!host.checkCsrf(ctx, token)) throw new CardCsrfError();
}

const uid = (ctx: Koa.Context): string => String((ctx.params as { uid?: string }).uid ?? '');

async function finish(ctx: Koa.Context, host: AuthenticatorHost, login: CardLogin, via: 'agent' | 'mtls'): Promise<void> {
  host.logger.info({
    event: 'card.login', via, uid: uid(ctx), nationalId: login.result.nationalId,
    serial: login.certificate.serial, fingerprint: login.certificate.fingerprint, chain: login.certificate.chain,
  }, 'card login accepted');
  await host.finishLogin(ctx, login.result);
}

async function handle(ctx: Koa.Context, host: AuthenticatorHost, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
    host.logger.warn({ event: 'card.login_refused', error: err.code, detail: err.detail, uid: uid(ctx) }, 'card login refused');
    await host.recordFailure(ctx, { authenticator: 'card', errorCode: err.code });
    ctx.status = err.status;
    ctx.set('Cache-Control', 'no-store');
    if (ctx.request.is('urlencoded') && ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'html';
      ctx.body = renderCardErrorPage(err, `${host.settings.issuerPath}/interaction/${encodeURIComponent(uid(ctx))}`);
    } else {
      ctx.body = { error: err.code, message: err.message };
    }
  }
}
