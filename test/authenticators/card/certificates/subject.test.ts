import { describe, expect, test } from '@jest/globals';

import forge from 'node-forge';

import { cardSubject, isNationalId } from '../../../../src/authenticators/card/certificates/subject.js';
import { parseCertificate } from '../../../../src/authenticators/card/certificates/trust-store.js';

const keys = forge.pki.rsa.generateKeyPair({ bits: 512, e: 0x10001 });

/** A certificate whose subject is exactly `attrs`, in that order (one RDN each). */
function certWith(attrs: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 86400_000);
  cert.setSubject(attrs);
  cert.setIssuer([{ shortName: 'CN', value: 'issuer' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return parseCertificate(der);
}

describe('national id from the card subject', () => {
  test('CN looked up by OID wherever it sits; SN, GN and UTF-8 title decoded', () => {
    const cert = certWith([
      { type: '2.5.4.4', value: 'PHARMACH0007512' },
      { type: '2.5.4.3', value: '899700075122' },
      { type: '2.5.4.42', value: 'CAROLE' },
      { type: '2.5.4.12', value: 'Pharmacien·ne', valueTagClass: forge.asn1.Type.UTF8 } as unknown as forge.pki.CertificateField,
      { type: '2.5.4.6', value: 'FR' },
    ]);
    expect(cardSubject(cert)).toEqual({ nationalId: '899700075122', lastName: 'PHARMACH0007512', firstName: 'CAROLE', title: 'Pharmacien·ne' });
  });

  test('a structure card CN (`<structure id>/<n°>`) is a national id', () => {
    expect(cardSubject(certWith([{ type: '2.5.4.3', value: '500000001815646/CPAT00045' }])).nationalId).toBe('500000001815646/CPAT00045');
  });

  test.each([
    ['too short', '12345678'], ['too long', '1234567890123'], ['letters', '89970021889A'], ['empty', ''],
    ['path tricks', '../../etc'], ['structure with spaces', '500000001815646/CPAT 45'],
  ])('refused CN: %s', (_what, cn) => {
    expect(isNationalId(cn)).toBe(false);
  });

  test('no CN, or two CNs, is refused with CARD_NATIONAL_ID_INVALID', () => {
    expect(() => cardSubject(certWith([{ type: '2.5.4.4', value: 'X' }]))).toThrow(expect.objectContaining({ code: 'CARD_NATIONAL_ID_INVALID' }) as never);
    expect(() => cardSubject(certWith([{ type: '2.5.4.3', value: '899700218896' }, { type: '2.5.4.3', value: '899700000001' }])))
      .toThrow(expect.objectContaining({ code: 'CARD_NATIONAL_ID_INVALID', detail: 'subject has 2 CN values' }) as never);
  });

  test('accepted: RPPS (12) and ADELI (10) IDNPS', () => {
    expect(isNationalId('810002813839')).toBe(true);
    expect(isNationalId('0751234567')).toBe(true);
  });
});
