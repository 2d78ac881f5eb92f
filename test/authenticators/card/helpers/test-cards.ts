import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { projectRoot } from '../../../../src/config/settings.js';

/** The cards every card test may use (scripts/test-cards.sh specs). */
export const CARDS = {
  kit: { variant: 'valid', nationalId: '899700218896' },
  ghost: { variant: 'valid', nationalId: '899700000999' },
  idle: { variant: 'valid', nationalId: '899700000777' },
  old: { variant: 'expired', nationalId: '899700000101' },
  soon: { variant: 'notyet', nationalId: '899700000102' },
  lost: { variant: 'revoked', nationalId: '899700000103' },
  evil: { variant: 'rogue', nationalId: '899700000104' },
  nku: { variant: 'nokeyusage', nationalId: '899700000105' },
  /** A structure card (CPE/CPA): CN `<structure id>/<n°>` (the PSC CIBA test login_hint). */
  cpa: { variant: 'valid', nationalId: '500000001815646/CPAT00045' },
} as const;
export type CardName = keyof typeof CARDS;

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const PIN = '1234';

export interface TestCards {
  dir: string;
  softhsmConf: string;
  trustDir: string;
  crlPem: string;
  certificatePem(name: CardName): string;
  certificateDer(name: CardName): Buffer;
  label(name: CardName): string;
}

/** Test cards of earlier runs (other parent pids), older than an hour. */
function removeStaleRuns(current: string): void {
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync(os.tmpdir())) {
    const full = path.join(os.tmpdir(), name);
    if (!name.startsWith('openpsc-test-cards-') || full.startsWith(current)) continue;
    try {
      if (statSync(full).mtimeMs < hourAgo) rmSync(full, { recursive: true, force: true });
    } catch { /* another run removed it */ }
  }
}

/**
 * Runs scripts/test-cards.sh once per test run (all jest workers share the jest parent pid) with
 * RSA-2048 CAs, and sets SOFTHSM2_CONF for this process. Other workers wait for the first one.
 */
export function ensureTestCards(): TestCards {
  const dir = path.join(os.tmpdir(), `openpsc-test-cards-${process.ppid}`);
  const done = path.join(dir, 'cards.tsv');
  const lock = `${dir}.lock`;
  if (!existsSync(done)) {
    let owner = false;
    try {
      mkdirSync(lock);
      owner = true;
    } catch { /* another worker builds them */ }
    if (owner) {
      removeStaleRuns(dir);
      try {
        const specs = Object.entries(CARDS).map(([n, c]) => `${n}=${c.variant}:${c.nationalId}`).join(' ');
        execFileSync(path.join(projectRoot, 'scripts', 'test-cards.sh'), {
          env: { ...process.env, OUT: `${dir}.tmp`, CA_BITS: '2048', CARDS: specs },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        rmSync(dir, { recursive: true, force: true });
        // Renaming would break the absolute paths in softhsm2.conf: rebuild in place instead.
        execFileSync('mv', [`${dir}.tmp`, dir]);
        writeFileSync(path.join(dir, 'softhsm2.conf'),
          readFileSync(path.join(dir, 'softhsm2.conf'), 'utf8').replace(`${dir}.tmp`, dir));
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    } else {
      const deadline = Date.now() + 120_000;
      while (!existsSync(done) || existsSync(lock)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for test cards in ${dir}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      }
    }
  }
  const softhsmConf = path.join(dir, 'softhsm2.conf');
  // Jest gives tests a copy of process.env: SoftHSM (native getenv) would not see an assignment.
  // process.loadEnvFile writes the real environment.
  const envFile = path.join(dir, 'softhsm.env');
  if (!existsSync(envFile)) writeFileSync(envFile, `SOFTHSM2_CONF=${softhsmConf}\n`);
  process.loadEnvFile(envFile);
  process.env.SOFTHSM2_CONF = softhsmConf;
  const pem = (name: CardName): string => readFileSync(path.join(dir, 'cards', `${name}.pem`), 'utf8');
  return {
    dir,
    softhsmConf,
    trustDir: path.join(dir, 'trust'),
    crlPem: path.join(dir, 'pki', 'inter.crl.pem'),
    certificatePem: pem,
    certificateDer: (name) => Buffer.from(pem(name).replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    label: (name) => `CPS3 TEST ${name.toUpperCase()}`,
  };
}
