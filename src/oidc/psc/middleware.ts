import type Provider from 'oidc-provider';

import type { Settings } from '../../config/settings.js';
import { decorateTokenResponse } from './token-claims.js';

/**
 * Response post-processing that makes oidc-provider look like PSC's Keycloak to relying parties.
 */
export function installPscMiddleware(provider: Provider, settings: Settings): void {
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status !== 200 || !body || typeof body !== 'object') return;
    if (route === 'discovery') {
      // PSC publishes the authorization endpoint on its wallet host (psc-contract.md §1).
      if (settings.authorizationEndpoint) body.authorization_endpoint = settings.authorizationEndpoint;
      body.backchannel_token_delivery_modes_supported &&= ['poll'];
    } else if (route === 'token') {
      decorateTokenResponse(body, settings.ttl.refreshToken);
    } else if (route === 'introspection' && body.active === true && body.jti === undefined) {
      // oidc-provider omits the id of opaque tokens; ours are JWTs whose jti PSC echoes.
      const token = ctx.oidc.entities.AccessToken;
      if (token) body.jti = token.jti;
    } else if (route === 'backchannel_authentication') {
      body.interval = settings.cibaInterval;
    }
  });
}
