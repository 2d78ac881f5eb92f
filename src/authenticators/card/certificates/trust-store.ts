import { createHash, X509Certificate } from 'node:crypto';

import forge from 'node-forge';

import { ConfigError } from '../../../config/errors.js';
import { readCertificateFiles } from './pem.js';

/**
 * One certificate, parsed twice: node-forge for names and extensions, node:crypto for signature
 * checks (native: ~100× faster than forge's JavaScript RSA, which matters with RSA-4096 CAs).
 */
export interface ParsedCertificate {
  cert: forge.pki.Certificate;
  x509: X509Certificate;
  der: Buffer;
}

/** A CA certificate the server trusts: a self-signed anchor or an intermediate below one. */
export interface TrustedCa extends ParsedCertificate {
  /** SHA-256 of the DER, upper-case hex (the form of cps-card.md §6.1). */
  fingerprint: string;
  selfSigned: boolean;
  file: string;
}

/** node-forge view of a DER certificate (names, extensions); throws on malformed input. */
export function parseCertificate(der: Buffer): forge.pki.Certificate {
  return forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))));
}

/** Throws on anything that is not a DER X.509 certificate both parsers accept. */
export function parseBoth(der: Buffer): ParsedCertificate {
  return { cert: parseCertificate(der), x509: new X509Certificate(der), der };
}

/** SHA-256 of a DER certificate, upper-case hex (as cps-card.md §6.1 prints them). */
export const sha256Fingerprint = (der: Buffer): string => createHash('sha256').update(der).digest('hex').toUpperCase();

/** Whether `issuer`'s key signed `child` (false on any unsupported algorithm). */
export function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/**
 * The CA certificates of CARD_TRUST_ANCHORS. Trust comes from these files' keys, never from names:
 * a certificate is trusted when its signatures lead, key by key, to one of the self-signed ones.
 *
 * @example
 *   const store = TrustStore.fromPaths(['../shared/igc-sante']);
 *   store.anchors().map((ca) => ca.cert.subject.getField('CN').value); // ['AC RACINE IGC-SANTE ELEMENTAIRE', …]
 */
export class TrustStore {
  private readonly bySubject = new Map<string, TrustedCa[]>();

  constructor(readonly cas: TrustedCa[]) {
    for (const ca of cas) {
      const list = this.bySubject.get(ca.cert.subject.hash as string) ?? [];
      list.push(ca);
      this.bySubject.set(ca.cert.subject.hash as string, list);
    }
  }

  /** Loads DER/PEM files and folders; a file that is not a CA certificate is a configuration error. */
  static fromPaths(paths: string[], setting = 'CARD_TRUST_ANCHORS'): TrustStore {
    let files: { file: string; der: Buffer }[];
    try {
      files = readCertificateFiles(paths);
    } catch (err) {
      throw new ConfigError(setting, (err as Error).message);
    }
    const cas = files.map(({ file, der }) => {
      let parsed: ParsedCertificate;
      try {
        parsed = parseBoth(der);
      } catch (err) {
        throw new ConfigError(setting, `${file} is not an X.509 certificate (${(err as Error).message})`);
      }
      const { cert } = parsed;
      const bc = cert.getExtension('basicConstraints') as { cA?: boolean } | undefined;
      if (!bc?.cA) throw new ConfigError(setting, `${file} is not a CA certificate (basicConstraints cA missing)`);
      const selfSigned = cert.isIssuer(cert) && signedBy(parsed, parsed);
      return { ...parsed, fingerprint: sha256Fingerprint(der), selfSigned, file };
    });
    if (paths.length > 0 && !cas.some((ca) => ca.selfSigned)) {
      throw new ConfigError(setting, 'holds no self-signed root certificate to anchor trust');
    }
    return new TrustStore(cas);
  }

  anchors(): TrustedCa[] {
    return this.cas.filter((ca) => ca.selfSigned);
  }

  /** The trusted CAs whose name is `cert`'s issuer name and whose key signed it. */
  issuersOf(child: ParsedCertificate): TrustedCa[] {
    return (this.bySubject.get(child.cert.issuer.hash as string) ?? []).filter((ca) => signedBy(child, ca));
  }
}
