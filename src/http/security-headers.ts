import type Koa from 'koa';

import type { Logger } from '../log/logger.js';
import { keepHeadersOnError } from './error-headers.js';

/**
 * Security headers on every response, set before the downstream middleware runs so that
 * oidc-provider finds the CSP and adds the hash of its form_post script to it (it reads and rewrites
 * `content-security-policy` itself), and so that responses written by the provider outside Koa's
 * response cycle carry them too.
 *
 * The CSP allows no inline script or style anywhere: our pages load /static/*.js and *.css.
 * `form-action` starts at 'self': a login form whose success redirects to the relying party needs
 * the RP's redirect origin added (Chromium applies form-action to the redirects that follow a form
 * submission) — per request with `allowFormAction(ctx, redirectUri)` or the `formActionFor` hook.
 *
 * @example
 *   app.use(securityHeaders({
 *     publicUrl: settings.publicUrl,
 *     connectSrc: settings.ops.cardAgentOrigins,        // e.g. http://127.0.0.1:9444
 *     formAction: settings.ops.formActionOrigins,
 *   }));
 *   // later, rendering the login page of an interaction whose client is known:
 *   allowFormAction(ctx, interaction.params.redirect_uri);
 */
export interface SecurityHeadersOptions {
  /** Public origin of the IdP; HSTS is sent when it is https. */
  publicUrl: string;
  /** Extra origins pages may fetch() (the local card agent). */
  connectSrc?: string[];
  /** Extra origins forms may post to, for every page. */
  formAction?: string[];
  /** Extra form-action sources for this request, computed before the handler runs. */
  formActionFor?: (ctx: Koa.Context) => Iterable<string> | Promise<Iterable<string>>;
  /** HSTS max-age in seconds (default one year). */
  hstsMaxAge?: number;
}

const CSP_HEADER = 'Content-Security-Policy';
/** What this middleware sets (kept on error responses too). */
const HEADER_NAMES = [CSP_HEADER, 'X-Content-Type-Options', 'Referrer-Policy', 'X-Frame-Options',
  'Cross-Origin-Opener-Policy', 'Permissions-Policy', 'Strict-Transport-Security'];

/** Permissions no page of the IdP uses. */
export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), interest-cohort=()';

/** The policy as a header value, with `extra` sources appended to their directives. */
export function buildCsp(extra: { connectSrc?: Iterable<string>; formAction?: Iterable<string> } = {}): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...new Set(extra.connectSrc ?? [])]],
    ['form-action', ["'self'", ...new Set(extra.formAction ?? [])]],
    ['frame-ancestors', ["'none'"]],
    ['base-uri', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/**
 * The CSP source allowing a form to reach `uri`: its origin for http(s), its scheme for a
 * private-use scheme (native apps' redirect URIs), nothing for schemes that run code.
 */
export function formActionSource(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol === 'https:' || u.protocol === 'http:') return u.origin;
  if (['javascript:', 'data:', 'blob:', 'filesystem:', 'about:', 'file:'].includes(u.protocol)) return undefined;
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? u.protocol : undefined;
}

/** Adds sources to one directive of the response's CSP, keeping what is there (e.g. oidc-provider's hashes). */
function extendDirective(ctx: Koa.Context, directive: string, sources: string[]): void {
  const current = ctx.response.get(CSP_HEADER);
  if (!current || !sources.length) return;
  const parts = current.split(';').map((p) => p.trim()).filter(Boolean);
  const i = parts.findIndex((p) => p.split(/\s+/)[0] === directive);
  if (i < 0) return;
  const present = new Set(parts[i]!.split(/\s+/).slice(1));
  const added = [...new Set(sources)].filter((s) => !present.has(s));
  if (!added.length) return;
  parts[i] = `${parts[i]} ${added.join(' ')}`;
  ctx.set(CSP_HEADER, parts.join('; '));
}

/** Lets this response's forms post (and be redirected) to the origins of `uris` (redirect URIs). */
export function allowFormAction(ctx: Koa.Context, ...uris: string[]): void {
  extendDirective(ctx, 'form-action', uris.map(formActionSource).filter((s): s is string => s !== undefined));
}

export function securityHeaders(options: SecurityHeadersOptions): Koa.Middleware {
  const csp = buildCsp({
    connectSrc: options.connectSrc,
    formAction: (options.formAction ?? []).map(formActionSource).filter((s): s is string => s !== undefined),
  });
  const hsts = new URL(options.publicUrl).protocol === 'https:'
    ? `max-age=${options.hstsMaxAge ?? 31_536_000}; includeSubDomains`
    : undefined;
  return async (ctx, next) => {
    ctx.set(CSP_HEADER, csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', PERMISSIONS_POLICY);
    if (hsts) ctx.set('Strict-Transport-Security', hsts);
    if (options.formActionFor) {
      try {
        allowFormAction(ctx, ...await options.formActionFor(ctx));
      } catch (err) {
        // The page still works for same-origin forms; only the redirect to the RP may be blocked.
        (ctx.state.log as Logger | undefined)?.warn({ err }, 'formActionFor failed');
      }
    }
    try {
      await next();
    } catch (err) {
      keepHeadersOnError(err, Object.fromEntries(HEADER_NAMES.flatMap((name) => {
        const value = ctx.response.get(name);
        return value ? [[name, value]] : [];
      })));
      throw err;
    }
  };
}
