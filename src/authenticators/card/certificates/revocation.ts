import type forge from 'node-forge';

import type { Logger } from '../../../log/logger.js';
import { CardCertificateRevokedError, CardRevocationUnavailableError } from '../errors.js';
import { crlSignedBy, normalizeSerial, type Crl } from './crl.js';
import type { CrlCache } from './crl-cache.js';
import type { TrustedCa } from './trust-store.js';
import { commonName } from './chain.js';

export type StalePolicy = 'refuse' | 'warn';

/**
 * Checks the leaf and each intermediate against its issuer's CRL. The leaf must be covered by a
 * current CRL; an intermediate is checked when its root's CRL is loaded. A missing or stale CRL
 * is refused or only logged, per CARD_CRL_STALE_POLICY. Nothing is checked when no CRL is configured.
 */
export function checkRevocation(
  leaf: forge.pki.Certificate,
  chain: TrustedCa[],
  crls: CrlCache,
  policy: StalePolicy,
  now: Date,
  logger: Logger,
): void {
  if (!crls.configured) return;
  const links: { cert: forge.pki.Certificate; issuer: TrustedCa; required: boolean }[] = [];
  let cert = leaf;
  for (const issuer of chain) {
    links.push({ cert, issuer, required: cert === leaf });
    cert = issuer.cert;
  }
  for (const { cert: c, issuer, required } of links) {
    const crl = currentCrl(crls.forIssuer(c.issuer.hash as string), issuer);
    const name = commonName(c);
    if (!crl) {
      if (required) stale(policy, logger, `no CRL signed by "${commonName(issuer.cert)}" is loaded`);
      continue;
    }
    if (crl.nextUpdate && now > crl.nextUpdate) {
      stale(policy, logger, `CRL of "${commonName(issuer.cert)}" expired ${crl.nextUpdate.toISOString()}`);
    }
    const serial = normalizeSerial(c.serialNumber);
    if (crl.revoked.has(serial)) {
      if (c !== leaf) logger.warn({ event: 'card.crl.ca_revoked', ca: name }, 'a CA of the chain is revoked');
      throw new CardCertificateRevokedError(serial);
    }
  }
}

const verified = new WeakMap<Crl, Set<string>>();

/** The newest CRL really signed by `issuer`. */
function currentCrl(candidates: Crl[], issuer: TrustedCa): Crl | undefined {
  const good = candidates.filter((crl) => {
    const seen = verified.get(crl) ?? new Set<string>();
    if (seen.has(issuer.fingerprint)) return true;
    if (!crlSignedBy(crl, issuer.x509.publicKey)) return false;
    seen.add(issuer.fingerprint);
    verified.set(crl, seen);
    return true;
  });
  return good.sort((a, b) => b.thisUpdate.getTime() - a.thisUpdate.getTime())[0];
}

function stale(policy: StalePolicy, logger: Logger, reason: string): void {
  if (policy === 'refuse') throw new CardRevocationUnavailableError(reason);
  logger.warn({ event: 'card.crl.stale', reason }, 'revocation status not current; accepted per CARD_CRL_STALE_POLICY=warn');
}
