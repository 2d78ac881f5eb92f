import path from 'node:path';

import { describe, expect, test } from '@jest/globals';

import { buildChain, commonName } from '../../../../src/authenticators/card/certificates/chain.js';
import { TrustStore } from '../../../../src/authenticators/card/certificates/trust-store.js';
import { projectRoot } from '../../../../src/config/settings.js';

// The real IGC-Santé CA certificates (never copied into the repo): ../shared/igc-sante.
const IGC = path.resolve(projectRoot, '..', 'shared', 'igc-sante');
const NOW = new Date('2026-11-22T00:00:00Z');

describe('real IGC-Santé CA certificates with the project validator', () => {
  const store = TrustStore.fromPaths([IGC]);

  test('all nine parse: three self-signed roots, six intermediates, fingerprints as published', () => {
    expect(store.cas).toHaveLength(9);
    expect(store.anchors().map((ca) => commonName(ca.cert)).sort()).toEqual([
      'AC RACINE IGC-SANTE ELEMENTAIRE', 'AC RACINE IGC-SANTE FORT', 'AC RACINE IGC-SANTE STANDARD',
    ]);
    const byName = new Map(store.cas.map((ca) => [commonName(ca.cert), ca.fingerprint]));
    expect(byName.get('AC RACINE IGC-SANTE FORT')).toBe('53D30A19570826BDE0C0762501F1F1C7A659F976C6C023123DF5239DF34A4EEA');
    expect(byName.get('AC IGC-SANTE FORT PERSONNES')).toBe('38284E4F6107456E70C7439C85DA7D564D0FE1FE1A968C9EB6D43E1FC0D63C3A');
    expect(byName.get('AC IGC-SANTE STANDARD PERSONNES')).toBe('6C339EBCB3E1B0102B143C9694225C2A4AB2EF6FEDF7D364DA8DB305E7F7D997');
    expect(byName.get('AC IGC-SANTE ELEMENTAIRE PERSONNES')).toBe('19C1EAEAB477B6FBC233CDA3B53FBDBC3F4E9BF6CF6973E46F7DFAEF89C06C6C');
  });

  test.each(['FORT', 'STANDARD', 'ELEMENTAIRE'])('%s PERSONNES chains to its own root by signature', (tier) => {
    const inter = store.cas.find((ca) => commonName(ca.cert) === `AC IGC-SANTE ${tier} PERSONNES`)!;
    const chain = buildChain(inter, store, NOW);
    expect(chain.map((ca) => commonName(ca.cert))).toEqual([`AC RACINE IGC-SANTE ${tier}`]);
    expect(chain[0]!.selfSigned).toBe(true);
  });

  test('an intermediate trusted without its root does not chain (anchors are self-signed roots)', () => {
    const fortRootOnly = TrustStore.fromPaths([path.join(IGC, 'ACR_FORT_20130625.cer')]);
    const storeWithoutFortRoot = TrustStore.fromPaths([path.join(IGC, 'ACR_STANDARD_20130625.cer'), path.join(IGC, 'AC_FORT_PERSONNES_20130625.cer')]);
    const inter = TrustStore.fromPaths([IGC]).cas.find((ca) => commonName(ca.cert) === 'AC IGC-SANTE FORT PERSONNES')!;
    expect(() => buildChain(inter, storeWithoutFortRoot, NOW)).toThrow(expect.objectContaining({ code: 'CARD_CERT_UNTRUSTED' }) as never);
    expect(buildChain(inter, fortRootOnly, NOW)).toHaveLength(1);
  });

  test('the CA certificates expire in 2033: past that date the chain is refused', () => {
    const inter = store.cas.find((ca) => commonName(ca.cert) === 'AC IGC-SANTE FORT PERSONNES')!;
    expect(() => buildChain(inter, store, new Date('2034-01-01T00:00:00Z'))).toThrow(expect.objectContaining({
      code: 'CARD_CERT_UNTRUSTED', detail: expect.stringMatching(/CA "AC RACINE IGC-SANTE FORT" expired 2033-06-25/),
    }) as never);
  });

  test('a trust anchor setting that holds no CA is a configuration error naming the setting', () => {
    expect(() => TrustStore.fromPaths([path.join(projectRoot, 'package.json')])).toThrow(/^CARD_TRUST_ANCHORS: .*package\.json/);
    expect(() => TrustStore.fromPaths(['/nonexistent/anchors'])).toThrow(/^CARD_TRUST_ANCHORS: /);
    expect(() => TrustStore.fromPaths([path.join(IGC, 'AC_FORT_PERSONNES_20130625.cer')])).toThrow(/no self-signed root/);
  });
});
