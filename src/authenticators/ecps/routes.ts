import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';

import { clientIpOf } from '../../http/request-log.js';
import type { InteractionView } from '../plugin.js';
import { EcpsCsrfError, EcpsError, EcpsLockedError } from './errors.js';
import { outcomePage, waitPage } from './pages.js';
import type { EcpsService } from './service.js';

/** `<issuerPath>/interaction/:uid/ecps` from a route's path (everything before the suffix). */
function basePathOf(ctx: Koa.Context, uid: string): string {
  const marker = `/interaction/${encodeURIComponent(uid)}/ecps`;
  const at = ctx.path.indexOf(marker);
  return at >= 0 ? ctx.path.slice(0, at + marker.length) : marker;
}

/** The host's login page of the interaction (where "Réessayer" goes). */
const loginPageOf = (base: string) => base.slice(0, -'/ecps'.length);

// The Content-Security-Policy comes from the app's security headers (src/http/security-headers.ts).
function html(ctx: Koa.Context, body: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/**
 * The browser side of the e-CPS login, mounted under `<issuerPath>/interaction/:uid/ecps`:
 * `POST push` asks the phone, `GET push/:id` waits (the static script polls `status`),
 * `GET push/:id/finish` ends the login or shows why not; `POST otp` checks a one-time code.
 */
export class InteractionRoutes {
  constructor(private readonly ecps: EcpsService) {}

  register(router: Router): void {
    const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
    const logger = this.ecps.host.logger;

    // Every step first checks that the interaction is alive (the host throws when it is not).
    const withInteraction = (handler: (ctx: Koa.Context, view: InteractionView, base: string) => Promise<void>): Koa.Middleware =>
      async (ctx) => {
        const c = ctx as Koa.Context;
        const uid = String(c.params.uid);
        const base = basePathOf(c, uid);
        let view: InteractionView;
        try {
          view = await this.ecps.host.describeInteraction(c);
        } catch (err) {
          logger.debug({ event: 'ecps.interaction_gone', uid, err: (err as Error).message }, 'e-CPS step for an interaction that is gone');
          return html(c, outcomePage('expired', { message: 'Votre session de connexion a expiré. Recommencez depuis le service que vous utilisiez.' }), 400);
        }
        try {
          await handler(c, view, base);
        } catch (err) {
          if (!(err instanceof EcpsError)) throw err;
          logger.info({ event: 'ecps.login_refused', errorCode: err.code, uid, reason: err.message }, 'e-CPS login step refused');
          await this.ecps.host.recordFailure(c, { authenticator: 'ecps', errorCode: err.code });
          if (err instanceof EcpsLockedError) c.set('Retry-After', String(err.retryAfterSeconds));
          html(c, outcomePage('error', { message: err.french, retryUrl: loginPageOf(base) }), err.status);
        }
      };

    const formBody = (ctx: Koa.Context) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      if (!this.ecps.host.checkCsrf(ctx, body.csrf)) throw new EcpsCsrfError('bad or missing csrf token');
      return body;
    };

    router.post('/push', form, withInteraction(async (ctx, view, base) => {
      const nationalId = String(formBody(ctx).national_id ?? '');
      const approval = await this.ecps.approvals.requestLogin({
        uid: view.uid, nationalId, clientId: view.clientId, clientName: view.clientName, clientIp: clientIpOf(ctx),
      });
      logger.info({ event: 'ecps.push_sent', requestId: approval.id, uid: view.uid, clientId: view.clientId }, 'e-CPS approval requested');
      ctx.status = 303;
      ctx.redirect(`${base}/push/${encodeURIComponent(approval.id)}`);
    }));

    router.get('/push/:id', withInteraction(async (ctx, view, base) => {
      const id = ctx.params.id!;
      const status = await this.ecps.approvals.loginStatus(view.uid, id);
      const a = await this.ecps.store.approval(id);
      const url = `${base}/push/${encodeURIComponent(id)}`;
      if (status !== 'pending' || !a) return ctx.redirect(`${url}/finish`);
      html(ctx, waitPage({
        clientName: a.client_name, code: a.code, statusUrl: `${url}/status`, finishUrl: `${url}/finish`,
        expiresIn: Math.max(0, Math.round((a.expires_at.getTime() - Date.now()) / 1000)),
      }));
    }));

    router.get('/push/:id/status', async (ctx) => {
      try {
        const status = await this.ecps.approvals.loginStatus(String(ctx.params.uid), ctx.params.id!);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { status };
      } catch (err) {
        if (!(err instanceof EcpsError)) throw err;
        ctx.status = err.status;
        ctx.body = err.toJSON();
      }
    });

    router.get('/push/:id/finish', withInteraction(async (ctx, view, base) => {
      const id = ctx.params.id!;
      const status = await this.ecps.approvals.loginStatus(view.uid, id);
      const retryUrl = loginPageOf(base);
      if (status === 'pending') return ctx.redirect(`${base}/push/${encodeURIComponent(id)}`);
      if (status === 'denied') return html(ctx, outcomePage('denied', { retryUrl }), 403);
      if (status === 'timeout') return html(ctx, outcomePage('timeout', { retryUrl }), 408);
      const result = status === 'approved' ? await this.ecps.approvals.consumeLogin(view.uid, id) : undefined;
      if (!result) return html(ctx, outcomePage('expired', { retryUrl }), 410);
      logger.info({ event: 'ecps.login', uid: view.uid, requestId: id, amr: result.amr }, 'e-CPS push login');
      await this.ecps.host.finishLogin(ctx, result);
    }));

    router.post('/otp', form, withInteraction(async (ctx, view) => {
      const body = formBody(ctx);
      const result = await this.ecps.otp.verify(String(body.national_id ?? ''), String(body.otp ?? ''), clientIpOf(ctx));
      logger.info({ event: 'ecps.login', uid: view.uid, amr: result.amr }, 'e-CPS one-time code login');
      await this.ecps.host.finishLogin(ctx, result);
    }));
  }
}
