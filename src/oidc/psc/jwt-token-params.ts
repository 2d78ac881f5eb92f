import type Koa from 'koa';

import type { AccessTokenJwt } from './access-token-jwt.js';
import { PSC_ROUTES } from './routes.js';

const MAX_BODY = 56 * 1024; // oidc-provider's own limit

/**
 * oidc-provider refuses JWT-looking tokens at introspection and revocation (it cannot look up
 * structured tokens). Ours are stored tokens with a JWT value (access-token-jwt.ts), so before the
 * provider reads the form, a JWT we signed is replaced by its token id. The rewritten form is
 * handed over as `req.body`, which oidc-provider reads when the stream is already consumed.
 */
export function jwtTokenParams(issuerPath: string, accessTokens: AccessTokenJwt): Koa.Middleware {
  const paths = new Set([`${issuerPath}${PSC_ROUTES.introspection}`, `${issuerPath}${PSC_ROUTES.revocation}`]);
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !paths.has(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        ctx.status = 413;
        ctx.body = { error: 'invalid_request', error_description: 'request body too large' };
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const token = form.get('token');
    if (token && token.split('.').length === 3) {
      const jti = await accessTokens.idFromValue(token);
      if (jti) form.set('token', jti);
    }
    (ctx.req as { body?: string }).body = form.toString();
    await next();
  };
}
