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

interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The DER element at `offset` (tag, where its content starts, where it ends). */
function tlv(der: Buffer, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = der[offset]!;
  let i = offset + 1;
  const first = der[i++]!;
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let k = 0; k < n; k += 1) len = len * 256 + der[i++]!;
  }
  if (i + len > limit) throw new Error('truncated DER');
  return { tag, start: offset, contentStart: i, end: i + len };
}

/** The elements inside a constructed element. */
function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; at = out[out.length - 1]!.end) out.push(tlv(der, at, parent.end));
  return out;
}

const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, SEQUENCE: 0x30, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18 } as const;
const isTime = (t: Tlv | undefined): boolean => t?.tag === TAG.UTC_TIME || t?.tag === TAG.GENERALIZED_TIME;

/** forge for the few small elements (times, OID, name); the entry list is walked by hand. */
const small = (der: Buffer, t: Tlv): forge.asn1.Asn1 =>
  forge.asn1.fromDer(forge.util.createBuffer(der.subarray(t.start, t.end).toString('binary')));

function time(der: Buffer, t: Tlv): Date {
  const value = small(der, t).value as string;
  return t.tag === TAG.UTC_TIME ? forge.asn1.utcTimeToDate(value) : forge.asn1.generalizedTimeToDate(value);
}

// Present at runtime in node-forge, missing from its typings.
const rdnAttributes = (forge.pki as unknown as {
  RDNAttributesAsArray(name: forge.asn1.Asn1): { type: string; shortName?: string; value: string }[];
}).RDNAttributesAsArray;

/**
 * Parses a DER CRL; throws on malformed input. The revoked list is walked directly on the bytes:
 * a national CRL has tens of thousands of entries, and a full ASN.1 tree of it (node-forge) costs
 * seconds of event-loop time and hundreds of MB.
 */
export function parseCrl(der: Buffer): Crl {
  const outer = tlv(der, 0);
  const [tbsTlv, algTlv, sigTlv] = children(der, outer);
  if (!tbsTlv || !algTlv || sigTlv?.tag !== TAG.BIT_STRING) throw new Error('not a CRL');
  const fields = children(der, tbsTlv);
  if (fields[0]?.tag === TAG.INTEGER) fields.shift();
  const [, issuerTlv, thisTlv, ...rest] = fields;
  if (issuerTlv?.tag !== TAG.SEQUENCE || !isTime(thisTlv)) throw new Error('not a CRL');
  const nextUpdate = isTime(rest[0]) ? time(der, rest.shift()!) : undefined;
  const revoked = new Set<string>();
  if (rest[0]?.tag === TAG.SEQUENCE) {
    for (const entry of children(der, rest[0])) {
      const serial = tlv(der, entry.contentStart, entry.end);
      if (serial.tag !== TAG.INTEGER) throw new Error('malformed CRL entry');
      revoked.add(normalizeSerial(der.subarray(serial.contentStart, serial.end).toString('hex')));
    }
  }
  const algorithm = small(der, algTlv).value as forge.asn1.Asn1[];
  return {
    issuerHash: createHash('sha1').update(der.subarray(issuerTlv.start, issuerTlv.end)).digest('hex'),
    issuerName: rdnAttributes(small(der, issuerTlv)).map((a) => `${a.shortName ?? a.type}=${a.value}`).join(', '),
    thisUpdate: time(der, thisTlv!),
    nextUpdate,
    revoked,
    tbs: der.subarray(tbsTlv.start, tbsTlv.end),
    signatureAlgorithm: forge.asn1.derToOid(algorithm[0]!.value as string),
    // BIT STRING content: first byte is the count of unused bits (0 for signatures).
    signature: der.subarray(sigTlv.contentStart + 1, sigTlv.end),
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
