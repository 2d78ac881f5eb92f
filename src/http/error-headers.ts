/**
 * Koa answers a thrown error by removing every header already set on the response, then setting
 * those of `err.headers`. Middleware whose headers must survive (request id, security headers)
 * add them there before rethrowing.
 *
 * @example
 *   try { await next(); } catch (err) { keepHeadersOnError(err, { 'X-Request-Id': id }); throw err; }
 */
export function keepHeadersOnError(err: unknown, headers: Record<string, string>): void {
  if (!err || typeof err !== 'object') return;
  const e = err as { headers?: Record<string, string> };
  // The error's own headers (e.g. WWW-Authenticate, Retry-After) win over ours.
  e.headers = { ...headers, ...(e.headers ?? {}) };
}
