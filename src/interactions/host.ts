import type Koa from 'koa';
import Provider, { errors } from 'oidc-provider';

import type { AuthenticatorHost, InteractionView, LoginResult } from '../authenticators/plugin.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { loadProfessional, nationalIdOf, subjectOf } from '../directory/claims.js';
import type { Logger } from '../log/logger.js';
import { markCibaAnswered } from '../oidc/ciba-limits.js';
import type { AuthenticationEvents } from '../audit/authentication-events.js';
import { csrfValid } from './csrf.js';

/** Login refused because the professional is not (or no longer) in the mirror. */
export class UnknownProfessionalError extends Error {
  override name = 'UnknownProfessionalError';
  readonly code = 'PROFESSIONAL_NOT_FOUND';
  constructor() {
    super("Aucun professionnel en exercice ne correspond à cette identité dans l'Annuaire Santé.");
  }
}

const authenticatorOf = (r: LoginResult) => (r.authMode === 'CARD' ? 'card' : 'ecps');

const wantsJson = (ctx: Koa.Context) => ctx.accepts('html', 'json') === 'json' || ctx.is('application/json') === 'application/json';

/** The services the host offers to authenticator plug-ins (see src/authenticators/plugin.ts). */
export function createAuthenticatorHost(deps: { settings: Settings; database: Database; logger: Logger; events?: AuthenticationEvents; provider: () => Provider }): AuthenticatorHost {
  const { settings, database } = deps;

  async function details(ctx: Koa.Context) {
    const d = await deps.provider().interactionDetails(ctx.req, ctx.res);
    if (ctx.params.uid && d.uid !== ctx.params.uid) throw new errors.InvalidRequest('interaction mismatch');
    return d;
  }

  async function finish(ctx: Koa.Context, result: Record<string, unknown>) {
    const redirect = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    if (wantsJson(ctx)) {
      ctx.status = 200;
      ctx.body = { redirect };
    } else {
      ctx.status = 303;
      ctx.redirect(redirect);
    }
  }

  /**
   * Frees the request's place under RATE_LIMIT_CIBA_PENDING. The result is already stored: a
   * failure here only keeps the place taken until the request expires.
   */
  async function answered(authReqId: string) {
    try {
      await markCibaAnswered(database.db, authReqId);
    } catch (err) {
      deps.logger.warn({ event: 'ciba.mark_answered_failed', err: (err as Error).message }, 'CIBA request answered but still counted as pending');
    }
  }

  return {
    settings,
    database,
    logger: deps.logger,
    findProfessional: (nationalId) => loadProfessional(database.db, nationalId),
    async finishLogin(ctx, result: LoginResult) {
      const d = await details(ctx);
      const audit = { type: 'login' as const, authenticator: authenticatorOf(result), nationalId: result.nationalId, clientId: String(d.params.client_id) };
      if (!(await loadProfessional(database.db, result.nationalId))) {
        await deps.events?.ended(ctx, { ...audit, outcome: 'failure', errorCode: 'PROFESSIONAL_NOT_FOUND' });
        throw new UnknownProfessionalError();
      }
      await deps.events?.ended(ctx, { ...audit, outcome: 'success', details: { amr: result.amr } });
      await finish(ctx, {
        login: { accountId: subjectOf(settings.subjectUuid, result.nationalId), acr: settings.acr, amr: result.amr, remember: true },
      });
    },
    async abortLogin(ctx, error, description) {
      const d = await details(ctx);
      await deps.events?.ended(ctx, { type: 'login', clientId: String(d.params.client_id), outcome: 'aborted', errorCode: error });
      await finish(ctx, { error, error_description: description });
    },
    async recordFailure(ctx, failure) {
      let clientId: string | undefined;
      try {
        clientId = String((await deps.provider().interactionDetails(ctx.req, ctx.res)).params.client_id);
      } catch {
        // the interaction is gone: the failure is still worth recording
      }
      await deps.events?.ended(ctx, { type: 'login', outcome: 'failure', ...failure, ...(clientId ? { clientId } : {}) });
    },
    checkCsrf(ctx, token) {
      return csrfValid(settings.cookieKeys[0]!, String(ctx.params.uid ?? ''), token);
    },
    async finishCiba(authReqId, outcome) {
      const provider = deps.provider();
      const request = await provider.BackchannelAuthenticationRequest.find(authReqId);
      if (!request) throw new Error('CIBA request not found or expired');
      if ('error' in outcome) {
        await deps.events?.ended(undefined, { type: 'ciba', authenticator: 'ecps', nationalId: nationalIdOf(request.accountId!), clientId: request.clientId, outcome: 'failure', errorCode: outcome.error });
        await provider.backchannelResult(request, new errors.AccessDenied(outcome.description));
        await answered(authReqId);
        return;
      }
      if (nationalIdOf(request.accountId!) !== outcome.nationalId) throw new Error('CIBA result for another professional');
      const grant = new provider.Grant({ clientId: request.clientId!, accountId: request.accountId! });
      grant.addOIDCScope(request.scope ?? 'openid');
      if (request.claims?.id_token) grant.addOIDCClaims(Object.keys(request.claims.id_token));
      if (request.claims?.userinfo) grant.addOIDCClaims(Object.keys(request.claims.userinfo));
      await grant.save();
      await provider.backchannelResult(request, grant, { acr: settings.acr, amr: outcome.amr, authTime: Math.floor(Date.now() / 1000) });
      await answered(authReqId);
      await deps.events?.ended(undefined, { type: 'ciba', authenticator: authenticatorOf(outcome), nationalId: outcome.nationalId, clientId: request.clientId, outcome: 'success', details: { amr: outcome.amr } });
    },
    async describeInteraction(ctx): Promise<InteractionView> {
      const d = await details(ctx);
      const clientId = String(d.params.client_id);
      const client = await deps.provider().Client.find(clientId);
      const loginHint = typeof d.params.login_hint === 'string' ? d.params.login_hint : undefined;
      return { uid: d.uid, clientId, clientName: client?.clientName ?? clientId, ...(loginHint ? { loginHint } : {}) };
    },
  };
}

export { Provider };
