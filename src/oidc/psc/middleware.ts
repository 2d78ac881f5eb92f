import type Provider from 'oidc-provider';

import type { Settings } from '../../config/settings.js';
import { decorateTokenResponse } from './token-claims.js';

const KEYCLOAK_AUTHORIZATION_PENDING = "The authorization request is still pending as the end-user hasn't yet been authenticated.";

/**
 * Response post-processing that makes oidc-provider look like PSC's Keycloak to relying parties.
 */
export function installPscMiddleware(provider: Provider, settings: Settings): void {
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (route === 'token' && ctx.status === 400 && body?.error === 'authorization_pending') {
      // CIBA polling: PSC answers with Keycloak's exact words (psc-contract.md §14).
      body.error_description = KEYCLOAK_AUTHORIZATION_PENDING;
    }
    if (route === 'backchannel_authentication' && ctx.status === 400 && body?.error === 'invalid_request') {
      // CIBA Core §13 codes (psc-contract.md §14) where oidc-provider answers invalid_request.
      const description = String(body.error_description ?? '');
      if (description.endsWith('is not allowed for this client')) body.error = 'unauthorized_client';
      else if (description.startsWith('openid scope must be requested')) body.error = 'invalid_scope';
    }
    if (ctx.status !== 200 || !body || typeof body !== 'object') return;
    if (route === 'discovery') {
      // PSC publishes the authorization endpoint on its wallet host (psc-contract.md §1).
      if (settings.authorizationEndpoint) body.authorization_endpoint = settings.authorizationEndpoint;
      body.backchannel_token_delivery_modes_supported &&= ['poll'];
      // Members of PSC's discovery that oidc-provider leaves out although the features are there:
      // introspection and revocation take the token endpoint's client authentication (RFC 8414).
      for (const endpoint of ['introspection', 'revocation']) {
        if (!body[`${endpoint}_endpoint`]) continue;
        body[`${endpoint}_endpoint_auth_methods_supported`] ??= body.token_endpoint_auth_methods_supported;
        body[`${endpoint}_endpoint_auth_signing_alg_values_supported`] ??= body.token_endpoint_auth_signing_alg_values_supported;
      }
      body.tls_client_certificate_bound_access_tokens ??= false; // no cnf binding (psc-contract.md §8)
      if (body.pushed_authorization_request_endpoint) body.require_pushed_authorization_requests ??= false;
    } else if (route === 'token') {
      decorateTokenResponse(body, settings.ttl.refreshToken);
    } else if (route === 'introspection' && body.active === true) {
      const token = ctx.oidc.entities.AccessToken;
      // oidc-provider omits the id of opaque tokens; ours are JWTs whose jti PSC echoes.
      if (token && body.jti === undefined) body.jti = token.jti;
      // and it writes the token's own (unset) sid over the extra claims; PSC returns it (§11).
      const sid = (token?.extra as { sid?: string } | undefined)?.sid;
      if (sid && body.sid === undefined) body.sid = sid;
    } else if (route === 'backchannel_authentication') {
      body.interval = settings.cibaInterval;
    }
  });
}
