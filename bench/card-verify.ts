/**
 * Card login figures on this machine (docs/card.md): agent signature on SoftHSM2 (C_Login +
 * C_SignAsync, one session per operation), server certificate validation + signature check, and
 * challenge issue + consume in the database (DATABASE_URL, else in-memory PGlite).
 *
 *   npm run bench:card            # N=200 by default; BENCH_N=1000 npm run bench:card
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, verify } from 'node:crypto';

import { CardReader } from '../src/authenticators/card/agent/card-reader.js';
import { finalizePkcs11Modules, loadPkcs11Module } from '../src/authenticators/card/agent/pkcs11-module.js';
import { CrlCache } from '../src/authenticators/card/certificates/crl-cache.js';
import { parseCrl } from '../src/authenticators/card/certificates/crl.js';
import { derObjects } from '../src/authenticators/card/certificates/pem.js';
import { TrustStore } from '../src/authenticators/card/certificates/trust-store.js';
import { CardCertificateValidator } from '../src/authenticators/card/certificates/validator.js';
import { ChallengeStore } from '../src/authenticators/card/store.js';
import { projectRoot } from '../src/config/settings.js';
import { openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/log/logger.js';

const N = Number(process.env.BENCH_N ?? 200);

async function time(label: string, n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < Math.min(10, n); i += 1) await fn(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < n; i += 1) await fn(i);
  const ms = performance.now() - start;
  console.log(`${label.padEnd(48)} n=${String(n).padStart(5)}  ${(ms / n).toFixed(3).padStart(8)} ms/op  ${(n / (ms / 1000)).toFixed(0).padStart(7)} op/s`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'openpsc-bench-cards-'));
try {
  execFileSync(path.join(projectRoot, 'scripts', 'test-cards.sh'), {
    env: { ...process.env, OUT: dir, CA_BITS: '2048', CARDS: 'kit=valid:899700218896' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.SOFTHSM2_CONF = path.join(dir, 'softhsm2.conf');
  const logger = createLogger('silent');
  const reader = new CardReader(loadPkcs11Module('/usr/lib/softhsm/libsofthsm2.so'));
  const challenge = Buffer.alloc(32, 1);
  const signed = await reader.sign({ challenge, pin: '1234' });

  await time('agent: sign on SoftHSM2 (login + RSA-2048)', Math.min(N, 200), () => reader.sign({ challenge, pin: '1234' }));

  const crls = new CrlCache({ sources: [path.join(dir, 'pki', 'inter.crl.pem')], refreshSeconds: 3600, logger });
  await crls.refresh();
  const validator = new CardCertificateValidator({ trustStore: TrustStore.fromPaths([path.join(dir, 'trust')]), crls, stalePolicy: 'refuse', logger });
  await time('server: validate certificate (chain, CRL, CN)', N, () => validator.validate(signed.certificate));
  const key = validator.validate(signed.certificate).publicKey;
  await time('server: verify challenge signature', N, () => verify('sha256', challenge, key, signed.signature));

  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', poolMax: 5 });
  await migrate(database);
  const store = new ChallengeStore(database.db);
  await time(`db (${database.kind}): issue + consume challenge`, N, async (i) => {
    const c = await store.issue(`bench-${i}`, 120, new Date());
    await store.consume(c.id, `bench-${i}`, new Date());
  });
  await database.close();

  // A national-size CRL: 100 000 revoked serials signed by the test CA.
  const ca = path.join(dir, 'pki', 'test');
  writeFileSync(path.join(ca, 'index.txt'), Array.from({ length: 100_000 }, (_, i) =>
    `R\t300101000000Z\t250101000000Z,keyCompromise\t${randomBytes(8).toString('hex').toUpperCase()}\tunknown\t/CN=x${i}\n`).join(''));
  execFileSync('openssl', ['ca', '-config', path.join(ca, 'ca.cnf'), '-gencrl', '-out', path.join(ca, 'big.crl.pem')], { stdio: 'ignore' });
  const bigCrl = derObjects(readFileSync(path.join(ca, 'big.crl.pem')), 'X509 CRL')[0]!;
  await time('server: parse a CRL of 100 000 entries', 5, () => parseCrl(bigCrl));
} finally {
  finalizePkcs11Modules();
  rmSync(dir, { recursive: true, force: true });
}
