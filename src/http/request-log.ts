import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type Koa from 'koa';

import type { Logger } from '../log/logger.js';
import { normalizeIp } from './client-ip.js';
import { keepHeadersOnError } from './error-headers.js';

/**
 * First middleware of the app: gives each request an id and a logger, and writes one JSON line per
 * request when its response is finished (or the client went away).
 *
 * - The id comes from an incoming `X-Request-Id` when it is well-formed (a proxy's id, so logs of
 *   both join), else a fresh UUID; it is echoed in the response's `X-Request-Id`.
 * - `ctx.state.log` is a child logger carrying the id; `ctx.state.requestId` the id itself.
 * - The line has the path *without* the query string: queries carry authorization codes,
 *   login_hint, state and sometimes tokens. It is measured on the Node response, so it is right
 *   also for responses written outside Koa (the provider mounted with `ctx.respond = false`).
 *
 * @example
 *   app.use(requestLog(logger));
 *   router.get('/x', (ctx) => { ctx.state.log.info({ clientId }, 'something happened'); });
 *   // {"level":30,"time":"…","service":"openpsc","requestId":"6f1c…","method":"GET","path":"/x",
 *   //  "status":200,"durationMs":3.1,"ip":"127.0.0.1","msg":"request"}
 */

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an upstream proxy may send as request id: no spaces, quotes or control characters to forge log lines with. */
export const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

export function requestIdFrom(incoming: string | undefined): string {
  return incoming && ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** What this middleware puts in ctx.state for the handlers after it. */
export interface RequestLogState {
  requestId: string;
  log: Logger;
  /** The client IP as resolved once for the request (rate limits, audit). */
  clientIp: string;
}

/**
 * The same state by Node request: oidc-provider runs its hooks in a Koa context of its own (the
 * provider is mounted with `ctx.respond = false`), which shares only `req` and `res` with ours.
 */
const byRequest = new WeakMap<IncomingMessage, RequestLogState>();

export function requestLogState(req: IncomingMessage): RequestLogState | undefined {
  return byRequest.get(req);
}

/**
 * The client IP to key limits and audit rows on, from any Koa context of the request (ours or the
 * provider's): the one resolved behind TRUST_PROXY by this middleware; the socket peer where the
 * middleware is not installed (never Koa's `ctx.ip`, which a client can forge: client-ip.ts).
 */
export function clientIpOf(ctx: Koa.Context): string {
  return (ctx.state.clientIp as string | undefined) ?? byRequest.get(ctx.req)?.clientIp ?? normalizeIp(ctx.req.socket.remoteAddress ?? '');
}

export interface RequestLogOptions {
  /** The client IP to log; Koa's ctx.ip by default (see client-ip.ts for a non-forgeable one). */
  clientIp?: (ctx: Koa.Context) => string;
  /**
   * Paths logged at debug level whatever their status: probes and scrapes (/healthz, /readyz,
   * /metrics) every few seconds would otherwise drown the log, and a 503 from /readyz during a
   * start or an outage is a state, not an error of this request.
   */
  quietPaths?: string[];
}

export function requestLog(logger: Logger, options: RequestLogOptions = {}): Koa.Middleware {
  const clientIp = options.clientIp ?? ((ctx: Koa.Context) => ctx.ip);
  const quiet = new Set(options.quietPaths ?? []);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(ctx.get(REQUEST_ID_HEADER) || undefined);
    const log = logger.child({ requestId });
    ctx.state.requestId = requestId;
    ctx.state.log = log;
    ctx.set(REQUEST_ID_HEADER, requestId);
    // Read now: later middleware may rewrite ctx.url (the provider mount does).
    const method = ctx.method;
    const path = ctx.path;
    const ip = clientIp(ctx);
    ctx.state.clientIp = ip;
    byRequest.set(ctx.req, { requestId, log, clientIp: ip });
    const res = ctx.res;
    let logged = false;
    let failure: unknown;
    const done = (): void => {
      if (logged) return;
      logged = true;
      res.off('finish', done);
      res.off('close', done);
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100;
      const line = {
        method, path, status: res.statusCode, durationMs, ip,
        ...(res.writableFinished ? {} : { aborted: true }),
        // What made a 5xx: the thrown error (pino's err serializer: type, message, stack).
        ...(failure !== undefined && res.statusCode >= 500 ? { err: failure } : {}),
      };
      if (quiet.has(path)) log.debug(line, 'request');
      else if (res.statusCode >= 500) log.error(line, 'request');
      else log.info(line, 'request');
    };
    res.once('finish', done);
    res.once('close', done);
    try {
      await next();
    } catch (err) {
      failure = err;
      keepHeadersOnError(err, { [REQUEST_ID_HEADER]: requestId });
      throw err;
    }
  };
}
