import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

import type { KoaContextWithOIDC } from 'oidc-provider';

import type { Settings } from '../config/settings.js';

/**
 * Client certificates for `tls_client_auth` (psc-contract.md §5): from the TLS socket when
 * OpenPSC terminates TLS itself, or from a header set by a reverse proxy that did — and then
 * only when the request really comes from one of TRUSTED_PROXIES.
 */

export function peerAddress(ctx: { req: { socket: { remoteAddress?: string } } }): string {
  return (ctx.req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

export function fromTrustedProxy(ctx: { req: { socket: { remoteAddress?: string } } }, settings: Settings): boolean {
  return settings.trustedProxies.includes(peerAddress(ctx));
}

/** PEM of a certificate passed by a proxy header, in the configured format. */
export function certificateFromHeader(value: string, format: Settings['clientCertHeaderFormat']): string | undefined {
  try {
    const der = format === 'base64-der'
      ? Buffer.from(value.replace(/\s+/g, ''), 'base64')
      : new X509Certificate(decodeURIComponent(value)).raw;
    return new X509Certificate(der).toString();
  } catch {
    return undefined;
  }
}

export function getClientCertificate(ctx: KoaContextWithOIDC, settings: Settings): string | undefined {
  const socket = ctx.req.socket as TLSSocket;
  if (typeof socket.getPeerX509Certificate === 'function') {
    const cert = socket.getPeerX509Certificate();
    if (cert) return cert.toString();
  }
  if (settings.clientCertHeader && fromTrustedProxy(ctx, settings)) {
    const header = ctx.get(settings.clientCertHeader);
    if (header) return certificateFromHeader(header, settings.clientCertHeaderFormat);
  }
  return undefined;
}

/** The socket verified the chain (server `requestCert` + CA), or the trusted proxy did. */
export function clientCertificateAuthorized(ctx: KoaContextWithOIDC, settings: Settings): boolean {
  const socket = ctx.req.socket as TLSSocket;
  if (typeof socket.getPeerX509Certificate === 'function' && socket.getPeerX509Certificate()) return socket.authorized;
  return Boolean(settings.clientCertHeader && fromTrustedProxy(ctx, settings));
}

/** RFC 4514-ish normal form: attributes trimmed, upper-cased types, `,` separated, in order. */
export function normalizeDn(dn: string): string {
  return dn.split(/\n|,(?=\s*[A-Za-z0-9.]+=)/).map((part) => {
    const i = part.indexOf('=');
    return `${part.slice(0, i).trim().toUpperCase()}=${part.slice(i + 1).trim()}`;
  }).filter((p) => p !== '=').join(',');
}

export function subjectMatches(pem: string, expectedDn: string): boolean {
  const subject = new X509Certificate(pem).subject; // "C=FR\nO=…\nCN=…" (most significant first)
  const ours = normalizeDn(subject);
  const theirs = normalizeDn(expectedDn);
  return ours === theirs || ours === theirs.split(',').reverse().join(',');
}
