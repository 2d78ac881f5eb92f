import type forge from 'node-forge';

import { CardCertificateUntrustedError } from '../errors.js';
import type { ParsedCertificate, TrustedCa, TrustStore } from './trust-store.js';

const MAX_DEPTH = 6;

interface BasicConstraints { cA?: boolean; pathLenConstraint?: number }
interface KeyUsage { keyCertSign?: boolean }

/** The subject CN, for logs and messages (`?` when absent). */
export const commonName = (cert: forge.pki.Certificate): string =>
  String(cert.subject.getField({ type: '2.5.4.3' })?.value ?? '?');

/**
 * The path from `leaf` up to a trusted self-signed anchor, each link checked by signature, CA flag,
 * keyCertSign and path length, and each CA valid at `now`. Throws CardCertificateUntrustedError.
 * The leaf's own dates are checked by the caller (they get their own error codes).
 */
export function buildChain(leaf: ParsedCertificate, store: TrustStore, now: Date): TrustedCa[] {
  const path: TrustedCa[] = [];
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
    const issuer = pickIssuer(current, store, now, path.length);
    path.push(issuer);
    if (issuer.selfSigned) return path;
    current = issuer;
  }
  throw new CardCertificateUntrustedError(`no anchor within ${MAX_DEPTH} links above "${commonName(leaf.cert)}"`);
}

function pickIssuer(child: ParsedCertificate, store: TrustStore, now: Date, casBelow: number): TrustedCa {
  const issuers = store.issuersOf(child);
  const { cert } = child;
  if (issuers.length === 0) {
    throw new CardCertificateUntrustedError(`no trusted CA signed "${commonName(cert)}" (issuer "${String(cert.issuer.getField({ type: '2.5.4.3' })?.value ?? '?')}")`);
  }
  const usable = issuers.filter((ca) => caProblem(ca, now, casBelow) === undefined);
  if (usable.length === 0) throw new CardCertificateUntrustedError(caProblem(issuers[0]!, now, casBelow)!);
  return usable[0]!;
}

/** Why this CA cannot issue at this depth now, or undefined. */
function caProblem(ca: TrustedCa, now: Date, casBelow: number): string | undefined {
  const name = commonName(ca.cert);
  const bc = ca.cert.getExtension('basicConstraints') as BasicConstraints | undefined;
  if (!bc?.cA) return `"${name}" is not a CA`;
  const ku = ca.cert.getExtension('keyUsage') as KeyUsage | undefined;
  if (ku && !ku.keyCertSign) return `"${name}" lacks keyCertSign`;
  if (bc.pathLenConstraint !== undefined && bc.pathLenConstraint >= 0 && casBelow > bc.pathLenConstraint) {
    return `"${name}" path length ${bc.pathLenConstraint} exceeded`;
  }
  if (now < ca.cert.validity.notBefore) return `CA "${name}" not valid before ${ca.cert.validity.notBefore.toISOString()}`;
  if (now > ca.cert.validity.notAfter) return `CA "${name}" expired ${ca.cert.validity.notAfter.toISOString()}`;
  return undefined;
}
