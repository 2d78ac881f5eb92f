import { X509Certificate } from 'node:crypto';

import type { Settings } from '../../../config/settings.js';
import { CardClientCertificateMissingError } from '../errors.js';

/** The peer's IP address as TRUSTED_PROXIES lists it (IPv4-mapped IPv6 unwrapped). */
export function peerAddress(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '').replace(/^::ffff:/, '');
}

/**
 * The DER certificate a TLS-terminating reverse proxy passed in CLIENT_CERT_HEADER, read only when
 * the TCP peer is one of TRUSTED_PROXIES (anyone else could set the header). Formats:
 * `pem-urlencoded` (nginx `$ssl_client_escaped_cert`) and `base64-der` (HAProxy `%[ssl_c_der,base64]`).
 *
 * @example
 *   clientCertificateFromProxy({ remoteAddress: '127.0.0.1', header: (n) => req.headers[n] }, settings); // Buffer
 */
export function clientCertificateFromProxy(
  request: { remoteAddress?: string; header(name: string): string | undefined },
  settings: Pick<Settings, 'clientCertHeader' | 'clientCertHeaderFormat' | 'trustedProxies'>,
): Buffer {
  if (!settings.clientCertHeader) throw new CardClientCertificateMissingError('CLIENT_CERT_HEADER is not set');
  const peer = peerAddress(request.remoteAddress);
  if (!settings.trustedProxies.includes(peer)) {
    throw new CardClientCertificateMissingError(`peer ${peer} is not in TRUSTED_PROXIES`);
  }
  const value = request.header(settings.clientCertHeader)?.trim();
  if (!value) throw new CardClientCertificateMissingError(`no ${settings.clientCertHeader} header`);
  try {
    const der = settings.clientCertHeaderFormat === 'base64-der'
      ? Buffer.from(value.replace(/\s+/g, ''), 'base64')
      : new X509Certificate(decodeURIComponent(value)).raw;
    return new X509Certificate(der).raw;
  } catch {
    throw new CardClientCertificateMissingError(`${settings.clientCertHeader} does not hold a ${settings.clientCertHeaderFormat} certificate`);
  }
}
