import type { KeyObject } from 'node:crypto';

import type { Logger } from '../../../log/logger.js';
import {
  CardCertificateExpiredError,
  CardCertificateKeyUsageError,
  CardCertificateMalformedError,
  CardCertificateNotYetValidError,
} from '../errors.js';
import { buildChain, commonName } from './chain.js';
import type { CrlCache } from './crl-cache.js';
import { normalizeSerial } from './crl.js';
import { checkRevocation, type StalePolicy } from './revocation.js';
import { cardSubject, type CardSubject } from './subject.js';
import { parseBoth, sha256Fingerprint, type ParsedCertificate, type TrustStore } from './trust-store.js';

/** A card certificate that passed every check. */
export interface ValidatedCertificate {
  subject: CardSubject;
  serial: string;
  fingerprint: string;
  notAfter: Date;
  /** CNs from the leaf's issuer up to the anchor, for logs. */
  chain: string[];
  publicKey: KeyObject;
}

/**
 * Validates a card's authentication certificate: chain to a configured anchor (by key), validity
 * dates, keyUsage digitalSignature (when the extension is present, RFC 5280), revocation from the
 * CRLs, and an IDNPS in the subject CN. Throws a CardError naming the first failed check.
 *
 * @example
 *   const validator = new CardCertificateValidator({ trustStore, crls, stalePolicy: 'refuse', logger });
 *   validator.validate(der).subject.nationalId; // '899700218896'
 */
export class CardCertificateValidator {
  constructor(private readonly options: {
    trustStore: TrustStore;
    crls: CrlCache;
    stalePolicy: StalePolicy;
    logger: Logger;
  }) {}

  validate(der: Buffer, now = new Date()): ValidatedCertificate {
    let leaf: ParsedCertificate;
    try {
      leaf = parseBoth(der);
    } catch (err) {
      throw new CardCertificateMalformedError((err as Error).message);
    }
    const { cert } = leaf;
    const chain = buildChain(leaf, this.options.trustStore, now);
    if (now < cert.validity.notBefore) throw new CardCertificateNotYetValidError(cert.validity.notBefore);
    if (now > cert.validity.notAfter) throw new CardCertificateExpiredError(cert.validity.notAfter);
    const bc = cert.getExtension('basicConstraints') as { cA?: boolean } | undefined;
    const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean } | undefined;
    if (bc?.cA || (ku && !ku.digitalSignature)) throw new CardCertificateKeyUsageError();
    checkRevocation(cert, chain, this.options.crls, this.options.stalePolicy, now, this.options.logger);
    return {
      subject: cardSubject(cert),
      serial: normalizeSerial(cert.serialNumber),
      fingerprint: sha256Fingerprint(der),
      notAfter: cert.validity.notAfter,
      chain: chain.map((ca) => commonName(ca.cert)),
      publicKey: leaf.x509.publicKey,
    };
  }
}
