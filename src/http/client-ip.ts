import { isIP } from 'node:net';

import type Koa from 'koa';

/**
 * The client's IP address for rate limits and logs, which must not be forgeable.
 *
 * Koa's `ctx.ip` with `proxy: true` is the *leftmost* X-Forwarded-For entry: whatever the client
 * wrote there, since proxies append. A client could then rotate fake addresses to escape every
 * per-IP limit. Here the chain is read from the right (socket peer, then X-Forwarded-For
 * backwards), skipping only the proxies we trust:
 *
 * - `trustProxy` false: the socket peer, always;
 * - `trustedProxies` listed: the first address from the right that is not one of them;
 * - `trustProxy` true without a list: one proxy hop — the rightmost X-Forwarded-For entry.
 *
 * @example
 *   const ipOf = clientIpResolver({ trustProxy: true, trustedProxies: ['10.0.0.5'] });
 *   // peer 10.0.0.5, X-Forwarded-For: "6.6.6.6, 198.51.100.7" → "198.51.100.7"
 */
export interface ClientIpSettings {
  trustProxy: boolean;
  trustedProxies: string[];
}

/** "::ffff:192.0.2.1" → "192.0.2.1": one client, one key, whichever socket family it came in on. */
export function normalizeIp(ip: string): string {
  const v = ip.trim();
  return v.toLowerCase().startsWith('::ffff:') && isIP(v.slice(7)) === 4 ? v.slice(7) : v;
}

export function clientIpResolver(settings: ClientIpSettings): (ctx: Koa.Context) => string {
  const trusted = new Set(settings.trustedProxies.map(normalizeIp));
  return (ctx) => {
    const peer = normalizeIp(ctx.req.socket.remoteAddress ?? '');
    if (!settings.trustProxy) return peer;
    const forwarded = (ctx.get('X-Forwarded-For') || '').split(',').map(normalizeIp).filter((s) => isIP(s) !== 0);
    if (!trusted.size) return forwarded.at(-1) ?? peer;
    if (!trusted.has(peer)) return peer;
    for (let i = forwarded.length - 1; i >= 0; i -= 1) {
      if (!trusted.has(forwarded[i]!)) return forwarded[i]!;
    }
    return forwarded[0] ?? peer;
  };
}
