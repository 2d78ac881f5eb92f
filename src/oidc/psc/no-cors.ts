import type Koa from 'koa';

import { PSC_ROUTES } from './routes.js';

/**
 * PSC forbids CORS on its back-channel endpoints ("exigence 22": no browser clients). oidc-provider
 * adds CORS headers itself unless a response already carries an `Access-Control-*` header, so one
 * that grants nothing is set first: browsers then refuse the cross-origin response.
 */
export function noCors(issuerPath: string): Koa.Middleware {
  const paths = new Set(['token', 'userinfo', 'introspection', 'revocation', 'backchannel_authentication', 'pushed_authorization_request']
    .map((r) => `${issuerPath}${PSC_ROUTES[r as keyof typeof PSC_ROUTES]}`));
  return async (ctx, next) => {
    if (paths.has(ctx.path)) ctx.res.setHeader('Access-Control-Max-Age', '0');
    await next();
  };
}
