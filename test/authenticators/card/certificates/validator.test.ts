import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { CrlCache } from '../../../../src/authenticators/card/certificates/crl-cache.js';
import { crlSignedBy, normalizeSerial, parseCrl } from '../../../../src/authenticators/card/certificates/crl.js';
import { derObjects } from '../../../../src/authenticators/card/certificates/pem.js';
import { parseCertificate, TrustStore } from '../../../../src/authenticators/card/certificates/trust-store.js';
import { CardCertificateValidator } from '../../../../src/authenticators/card/certificates/validator.js';
import { createLogger } from '../../../../src/log/logger.js';
import { ensureTestCards, type TestCards } from '../helpers/test-cards.js';

const logger = createLogger('silent');
let cards: TestCards;
let store: TrustStore;

beforeAll(() => {
  cards = ensureTestCards();
  store = TrustStore.fromPaths([cards.trustDir]);
});

async function validatorWith(sources: string[], stalePolicy: 'refuse' | 'warn' = 'refuse') {
  const crls = new CrlCache({ sources, refreshSeconds: 3600, logger });
  await crls.refresh();
  return new CardCertificateValidator({ trustStore: store, crls, stalePolicy, logger });
}

describe('CRL parsing', () => {
  test('the test CRL lists the revoked card, is signed by the TEST PERSONNES CA and not by the rogue one', () => {
    const [der] = derObjects(readFileSync(cards.crlPem), 'X509 CRL');
    const crl = parseCrl(der!);
    const lost = parseCertificate(cards.certificateDer('lost'));
    expect(crl.revoked.has(normalizeSerial(lost.serialNumber))).toBe(true);
    expect(crl.revoked.size).toBe(1);
    expect(crl.issuerName).toContain('CN=TEST AC IGC-SANTE FORT PERSONNES');
    expect(crl.issuerHash).toBe(lost.issuer.hash);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * 86400 * 1000);
    const inter = new X509Certificate(readFileSync(path.join(cards.trustDir, 'inter.pem')));
    const rogue = new X509Certificate(readFileSync(path.join(cards.dir, 'pki', 'rogue', 'inter.pem')));
    expect(crlSignedBy(crl, inter.publicKey)).toBe(true);
    expect(crlSignedBy(crl, rogue.publicKey)).toBe(false);
  });

  test('DER and PEM CRL files give the same list', () => {
    const pem = parseCrl(derObjects(readFileSync(cards.crlPem), 'X509 CRL')[0]!);
    const der = parseCrl(derObjects(readFileSync(path.join(cards.dir, 'pki', 'inter.crl.der')), 'X509 CRL')[0]!);
    expect([...der.revoked]).toEqual([...pem.revoked]);
  });
});

describe('certificate validation', () => {
  test('a valid card: national id, names (UTF-8 title), chain', async () => {
    const v = await validatorWith([cards.crlPem]);
    const ok = v.validate(cards.certificateDer('kit'));
    expect(ok.subject).toEqual({ nationalId: '899700218896', lastName: 'TEST-KIT', firstName: 'KIT', title: 'Médecin' });
    expect(ok.chain).toEqual(['TEST AC IGC-SANTE FORT PERSONNES', 'TEST AC RACINE IGC-SANTE FORT']);
  });

  test('revoked is refused with the CRL; without CRLs configured, revocation is not checked', async () => {
    await expect(validatorWith([cards.crlPem]).then((v) => v.validate(cards.certificateDer('lost')))).rejects.toMatchObject({ code: 'CARD_CERT_REVOKED' });
    expect((await validatorWith([])).validate(cards.certificateDer('lost')).subject.nationalId).toBe('899700000103');
  });

  test('stale CRL (past nextUpdate): refused with policy refuse, accepted and logged with warn', async () => {
    const later = new Date(Date.now() + 8 * 86400 * 1000);
    const refuse = await validatorWith([cards.crlPem], 'refuse');
    expect(() => refuse.validate(cards.certificateDer('kit'), later)).toThrow(expect.objectContaining({
      code: 'CARD_CRL_UNAVAILABLE', status: 503, detail: expect.stringMatching(/CRL of "TEST AC IGC-SANTE FORT PERSONNES" expired/),
    }) as never);
    const warn = await validatorWith([cards.crlPem], 'warn');
    expect(warn.validate(cards.certificateDer('kit'), later).subject.nationalId).toBe('899700218896');
    // Revocation still applies with a stale CRL.
    expect(() => warn.validate(cards.certificateDer('lost'), later)).toThrow(expect.objectContaining({ code: 'CARD_CERT_REVOKED' }) as never);
  });

  test('CRLs configured but none from the card\'s issuer (only the rogue CA\'s) → CARD_CRL_UNAVAILABLE', async () => {
    const v = await validatorWith([path.join(cards.dir, 'pki', 'rogue', 'inter.crl.pem')]);
    expect(() => v.validate(cards.certificateDer('kit'))).toThrow(expect.objectContaining({ code: 'CARD_CRL_UNAVAILABLE' }) as never);
  });

  test('an unreadable CRL source is logged and skipped; the last good copy is kept on refresh failure', async () => {
    const crls = new CrlCache({ sources: ['/nonexistent.crl'], refreshSeconds: 3600, logger });
    expect(await crls.refresh()).toBe(1);
    expect(crls.forIssuer('x')).toEqual([]);
  });

  test.each([
    ['old', 'CARD_CERT_EXPIRED'], ['soon', 'CARD_CERT_NOT_YET_VALID'], ['evil', 'CARD_CERT_UNTRUSTED'], ['nku', 'CARD_CERT_KEY_USAGE'],
  ] as const)('%s → %s', async (card, code) => {
    const v = await validatorWith([cards.crlPem]);
    expect(() => v.validate(cards.certificateDer(card))).toThrow(expect.objectContaining({ code }) as never);
  });

  test('anchors without the PERSONNES intermediate: the card does not chain', async () => {
    const rootOnly = new CardCertificateValidator({
      trustStore: TrustStore.fromPaths([path.join(cards.trustDir, 'root.pem')]),
      crls: new CrlCache({ sources: [], refreshSeconds: 3600, logger }), stalePolicy: 'refuse', logger,
    });
    expect(() => rootOnly.validate(cards.certificateDer('kit'))).toThrow(expect.objectContaining({
      code: 'CARD_CERT_UNTRUSTED', detail: expect.stringMatching(/no trusted CA signed "899700218896"/),
    }) as never);
  });

  test('a CA certificate presented as a card is refused (not an end-entity)', async () => {
    const v = await validatorWith([]);
    const inter = derObjects(readFileSync(path.join(cards.trustDir, 'inter.pem')), 'CERTIFICATE')[0]!;
    expect(() => v.validate(inter)).toThrow(expect.objectContaining({ code: 'CARD_CERT_KEY_USAGE' }) as never);
  });
});

describe('revocation of a CA of the chain (root CRL, like IGC-Santé ACR-*.crl)', () => {
  test('a root CRL revoking the PERSONNES intermediate refuses every card below it', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'openpsc-root-crl-'));
    try {
      const inter = new X509Certificate(readFileSync(path.join(cards.trustDir, 'inter.pem')));
      writeFileSync(path.join(work, 'index.txt'), `R\t330101000000Z\t250101000000Z,cACompromise\t${inter.serialNumber}\tunknown\t/CN=inter\n`);
      writeFileSync(path.join(work, 'crlnumber'), '01\n');
      writeFileSync(path.join(work, 'ca.cnf'), [
        '[ca]', 'default_ca = root', '[root]', `database = ${work}/index.txt`, `crlnumber = ${work}/crlnumber`,
        `certificate = ${cards.dir}/pki/test/root.pem`, `private_key = ${cards.dir}/pki/test/root.key`,
        'default_md = sha256', 'default_crl_days = 30', '',
      ].join('\n'));
      execFileSync('openssl', ['ca', '-config', path.join(work, 'ca.cnf'), '-gencrl', '-out', path.join(work, 'root.crl.pem')], { stdio: 'ignore' });
      const v = await validatorWith([cards.crlPem, path.join(work, 'root.crl.pem')]);
      expect(() => v.validate(cards.certificateDer('kit'))).toThrow(expect.objectContaining({ code: 'CARD_CERT_REVOKED' }) as never);
      // Without the root's CRL the intermediate is not checked (only the leaf's CRL is required).
      expect((await validatorWith([cards.crlPem])).validate(cards.certificateDer('kit')).subject.nationalId).toBe('899700218896');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

/** Polls `condition` (no timing assertion: only a generous deadline). */
async function until(condition: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('CRL from an http distribution point, refreshed on schedule', () => {
  let server: Server;
  let served: Buffer;
  let url: string;
  beforeAll(async () => {
    served = readFileSync(path.join(cards.dir, 'pki', 'inter.crl.der'));
    server = createServer((req, res) => {
      if (req.url === '/crl') res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(served);
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });

  test('the schedule picks up a new CRL: a card revoked after start is refused once the CRL is refreshed', async () => {
    // An empty CRL first, from a copy of the TEST PERSONNES CA with an empty database.
    const work = mkdtempSync(path.join(os.tmpdir(), 'openpsc-crl-refresh-'));
    try {
      writeFileSync(path.join(work, 'index.txt'), '');
      writeFileSync(path.join(work, 'crlnumber'), '01\n');
      writeFileSync(path.join(work, 'ca.cnf'), [
        '[ca]', 'default_ca = inter', '[inter]', `database = ${work}/index.txt`, `crlnumber = ${work}/crlnumber`,
        `certificate = ${cards.dir}/pki/test/inter.pem`, `private_key = ${cards.dir}/pki/test/inter.key`,
        'default_md = sha256', 'default_crl_days = 7', '',
      ].join('\n'));
      execFileSync('openssl', ['ca', '-config', path.join(work, 'ca.cnf'), '-gencrl', '-out', path.join(work, 'empty.crl.pem')], { stdio: 'ignore' });
      served = readFileSync(path.join(work, 'empty.crl.pem')); // PEM from this source, DER from the next: both accepted
      const crls = new CrlCache({ sources: [`${url}/crl`], refreshSeconds: 0.05, logger });
      await crls.start();
      try {
        const v = new CardCertificateValidator({ trustStore: store, crls, stalePolicy: 'refuse', logger });
        expect(v.validate(cards.certificateDer('lost')).subject.nationalId).toBe('899700000103');
        served = readFileSync(path.join(cards.dir, 'pki', 'inter.crl.der'));
        await until(() => {
          try { v.validate(cards.certificateDer('lost')); return false; } catch (err) { return (err as { code?: string }).code === 'CARD_CERT_REVOKED'; }
        });
      } finally {
        crls.stop();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('downloads, applies, and keeps the last good CRL when the server fails', async () => {
    served = readFileSync(path.join(cards.dir, 'pki', 'inter.crl.der'));
    const crls = new CrlCache({ sources: [`${url}/crl`], refreshSeconds: 3600, logger });
    await crls.start();
    try {
      const v = new CardCertificateValidator({ trustStore: store, crls, stalePolicy: 'refuse', logger });
      expect(() => v.validate(cards.certificateDer('lost'))).toThrow(expect.objectContaining({ code: 'CARD_CERT_REVOKED' }) as never);
      served = Buffer.from('garbage');
      expect(await crls.refresh()).toBe(1);
      expect(() => v.validate(cards.certificateDer('lost'))).toThrow(expect.objectContaining({ code: 'CARD_CERT_REVOKED' }) as never);
    } finally {
      crls.stop();
    }
  });
});
