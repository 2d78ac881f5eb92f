import forge from 'node-forge';

import { CardNationalIdInvalidError } from '../errors.js';

/** Attribute OIDs of a card subject (cps-card.md §7). */
export const SUBJECT_OID = { CN: '2.5.4.3', SN: '2.5.4.4', GN: '2.5.4.42', TITLE: '2.5.4.12' } as const;

/** IDNPS of a person: type digit + RPPS (11) or ADELI (9)… */
const PERSON_ID = /^[0-9]{9,12}$/;
/** …or a structure card: `<structure id>/<card holder n°>` (e.g. `500000001815646/CPAT00045`). */
const STRUCTURE_ID = /^[0-9]{1,15}\/[0-9A-Za-z]{1,20}$/;

export interface CardSubject {
  nationalId: string;
  lastName?: string;
  firstName?: string;
  /** Profession as printed (`Médecin`). */
  title?: string;
}

const UTF8_STRING = 12;

function values(cert: forge.pki.Certificate, oid: string): string[] {
  // forge flattens multi-valued RDNs into one attribute list, so lookup by OID ignores the AVA
  // order inside `CN=…+SN=…+GN=…` (a DER SET, sorted differently by each issuer).
  return (cert.subject.attributes as { type?: string; value: unknown; valueTagClass?: number }[])
    .filter((a) => a.type === oid)
    .map((a) => (a.valueTagClass === UTF8_STRING ? forge.util.decodeUtf8(String(a.value)) : String(a.value)));
}

/**
 * The national id and names of a card's authentication certificate. Throws
 * CardNationalIdInvalidError when the CN is missing, repeated, or not an IDNPS.
 *
 * @example
 *   cardSubject(cert); // { nationalId: '899700218896', lastName: 'TEST-KIT', firstName: 'KIT', title: 'Médecin' }
 */
export function cardSubject(cert: forge.pki.Certificate): CardSubject {
  const cns = values(cert, SUBJECT_OID.CN);
  if (cns.length !== 1) throw new CardNationalIdInvalidError(`subject has ${cns.length} CN values`);
  const nationalId = cns[0]!.trim();
  if (!isNationalId(nationalId)) throw new CardNationalIdInvalidError(`CN "${nationalId.slice(0, 64)}" is not a national id`);
  return {
    nationalId,
    lastName: values(cert, SUBJECT_OID.SN)[0],
    firstName: values(cert, SUBJECT_OID.GN)[0],
    title: values(cert, SUBJECT_OID.TITLE)[0],
  };
}

/** Whether `value` is an IDNPS (`^[0-9]{9,12}$`) or a structure-card id (`<structure>/<n°>`). */
export function isNationalId(value: string): boolean {
  return PERSON_ID.test(value) || STRUCTURE_ID.test(value);
}
