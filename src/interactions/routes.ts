import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';

import type { Authenticator, AuthenticatorHost } from '../authenticators/plugin.js';
import type { Settings } from '../config/settings.js';
import { bodyParserLimits } from '../http/body-limits.js';
import { allowFormAction } from '../http/security-headers.js';
import { csrfToken } from './csrf.js';
import { UnknownProfessionalError } from './host.js';
import { errorPage } from './pages/error-page.js';
import { loginPage } from './pages/login-page.js';

/**
 * The login interaction: `<issuerPath>/interaction/:uid` shows the login page (one section per
 * authenticator); each authenticator's routes live under `…/:uid/<authenticator id>/`.
 */
export function interactionRouter(deps: { settings: Settings; provider: () => Provider; host: AuthenticatorHost; authenticators: Authenticator[] }): Router {
  const { settings, host, authenticators } = deps;
  const base = `${settings.issuerPath}/interaction/:uid`;
  const router = new Router();

  router.use(base, interactionErrors);
  router.use(base, bodyParser({ enableTypes: ['json', 'form'], ...bodyParserLimits(settings.ops.bodyLimit) }));

  router.get(base, async (ctx) => {
    const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction mismatch');
    if (details.prompt.name === 'consent') {
      // PSC has no consent screen: relying parties are approved by the operator when registered
      // and grants are created without asking (src/oidc/grants.ts). An explicit prompt=consent
      // (OIDC Core §11 with offline_access) is answered with that standing approval.
      ctx.redirect(await deps.provider().interactionResult(ctx.req, ctx.res, { consent: { grantId: await grantFor(deps.provider(), details) } }));
      return;
    }
    if (details.prompt.name !== 'login') {
      await host.abortLogin(ctx, 'interaction_required', `unexpected prompt ${details.prompt.name}`);
      return;
    }
    // The login ends with a form post or redirect back to the client: let the CSP allow it.
    allowFormAction(ctx, String(details.params.redirect_uri ?? ''));
    const view = await host.describeInteraction(ctx);
    const csrf = csrfToken(settings.cookieKeys[0]!, details.uid);
    const basePath = `${settings.issuerPath}/interaction/${details.uid}`;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = loginPage({
      clientName: view.clientName,
      sections: authenticators.map((a) => a.renderLogin({ ...view, csrf, basePath: `${basePath}/${a.id}` })),
      abortUrl: `${basePath}/abort`,
    });
  });

  router.get(`${base}/abort`, async (ctx) => {
    await host.abortLogin(ctx, 'access_denied', 'End-User aborted interaction');
  });

  for (const authenticator of authenticators) {
    const sub = new Router({ prefix: `${base}/${authenticator.id}` });
    authenticator.interactionRoutes(sub);
    router.use(sub.routes(), sub.allowedMethods());
  }
  return router;
}

/** The grant of a consent interaction: the one loaded for the request, else a new one for what it asks. */
async function grantFor(provider: Provider, details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<string> {
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
  if (typeof details.params.scope === 'string') grant.addOIDCScope(details.params.scope);
  return grant.save();
}

/** French error pages (or JSON for fetch calls) for what can go wrong in an interaction. */
async function interactionErrors(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const json = ctx.accepts('html', 'json') === 'json';
    if (err instanceof errors.SessionNotFound || (err as { error?: string }).error === 'invalid_request') {
      ctx.status = 400;
      const message = 'Votre demande de connexion a expiré ou a déjà été utilisée. Revenez à votre logiciel et recommencez.';
      ctx.body = json ? { error: 'INTERACTION_EXPIRED', message } : errorPage('session_not_found');
      return;
    }
    if (err instanceof UnknownProfessionalError) {
      ctx.status = 403;
      ctx.body = json ? { error: err.code, message: err.message } : errorPage('access_denied', err.message);
      return;
    }
    throw err;
  }
}
