import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';

import forge from 'node-forge';

/** A parsed X.509 CRL (RFC 5280 §5): what revocation checks need. */
export interface Crl {
  /** SHA-1 of the issuer Name DER: the same key forge gives `cert.issuer.hash`. */
  issuerHash: string;
  issuerName: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serial numbers, lower-case hex without leading zeros. */
  revoked: Set<string>;
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
}

const HASH_OF_SIGNATURE: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

/** Serial numbers compared as integers: lower-case hex, no leading zeros. */
export const normalizeSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');

/** Start offset and total length of the DER element at `offset`. */
function tlvSpan(der: Buffer, offset: number): { start: number; end: number; contentStart: number } {
  let i = offset + 1;
  const first = der[i++]!;
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let k = 0; k < n; k += 1) len = len * 256 + der[i++]!;
  }
  if (i + len > der.length) throw new Error('truncated DER');
  return { start: offset, end: i + len, contentStart: i };
}

const time = (node: forge.asn1.Asn1): Date =>
  node.type === forge.asn1.Type.UTCTIME
    ? forge.asn1.utcTimeToDate(node.value as string)
    : forge.asn1.generalizedTimeToDate(node.value as string);

const isTime = (node: forge.asn1.Asn1 | undefined): boolean =>
  node?.type === forge.asn1.Type.UTCTIME || node?.type === forge.asn1.Type.GENERALIZEDTIME;

// Present at runtime in node-forge, missing from its typings.
const rdnAttributes = (forge.pki as unknown as {
  RDNAttributesAsArray(name: forge.asn1.Asn1): { type: string; shortName?: string; value: string }[];
}).RDNAttributesAsArray;

/** Parses a DER CRL; throws on malformed input. */
export function parseCrl(der: Buffer): Crl {
  const outer = tlvSpan(der, 0);
  const tbsSpan = tlvSpan(der, outer.contentStart);
  const tbs = der.subarray(tbsSpan.start, tbsSpan.end);
  // decodeBitStrings off: a signature's bytes could by chance parse as ASN.1. (The typings lag.)
  const fromDer = forge.asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: { decodeBitStrings: boolean }) => forge.asn1.Asn1;
  const root = fromDer(forge.util.createBuffer(der.toString('binary')), { decodeBitStrings: false });
  const [tbsNode, , sigNode] = root.value as forge.asn1.Asn1[];
  const fields = [...(tbsNode!.value as forge.asn1.Asn1[])];
  if (fields[0]?.type === forge.asn1.Type.INTEGER) fields.shift();
  const [algNode, issuerNode, thisNode, ...rest] = fields;
  const signatureAlgorithm = forge.asn1.derToOid(((algNode!.value as forge.asn1.Asn1[])[0]!.value as string));
  const nextUpdate = isTime(rest[0]) ? time(rest.shift()!) : undefined;
  const revoked = new Set<string>();
  const list = rest[0];
  if (list && list.tagClass === forge.asn1.Class.UNIVERSAL && list.type === forge.asn1.Type.SEQUENCE) {
    for (const entry of list.value as forge.asn1.Asn1[]) {
      const serial = (entry.value as forge.asn1.Asn1[])[0]!.value as string;
      revoked.add(normalizeSerial(forge.util.bytesToHex(serial)));
    }
  }
  const issuerDer = forge.asn1.toDer(issuerNode!).getBytes();
  const sigBits = (sigNode!.value as string);
  return {
    issuerHash: createHash('sha1').update(Buffer.from(issuerDer, 'binary')).digest('hex'),
    issuerName: rdnAttributes(issuerNode!).map((a) => `${a.shortName ?? a.type}=${a.value}`).join(', '),
    thisUpdate: time(thisNode!),
    nextUpdate,
    revoked,
    tbs,
    signatureAlgorithm,
    // BIT STRING content: first byte is the count of unused bits (0 for signatures).
    signature: Buffer.from(sigBits, 'binary').subarray(1),
  };
}

/** Whether `issuerKey` signed this CRL. */
export function crlSignedBy(crl: Crl, issuerKey: KeyObject): boolean {
  const hash = HASH_OF_SIGNATURE[crl.signatureAlgorithm];
  if (!hash) return false;
  try {
    return verifySignature(hash, crl.tbs, issuerKey, crl.signature);
  } catch {
    return false;
  }
}
