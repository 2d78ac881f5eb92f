import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Kysely } from 'kysely';

import type { SecretBox } from '../crypto/secret-box.js';
import type { Schema } from '../db/schema.js';

/**
 * Signing keys, kept in PostgreSQL with the private part sealed under KEYS_ENCRYPTION_KEY.
 * One active key per algorithm signs; keys in `verify` stay published in the JWKS until every
 * token they signed has expired, then `openpsc keys retire` withdraws them. Every node loads the
 * keys at start: after `keys rotate`, restart nodes one by one (each publishes both keys).
 */

/** RS256 is PSC's algorithm; PS256 and ES256 serve clients that register them. */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface KeyInfo {
  kid: string;
  alg: string;
  status: 'active' | 'verify' | 'retired';
  createdAt: Date;
  rotatedAt: Date | null;
  retiredAt: Date | null;
}

const sealContext = (kid: string) => `signing_key:${kid}`;

async function generate(alg: SigningAlg): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg, use: 'sig' };
  return { kid, publicJwk: { ...publicJwk, ...meta }, privateJwk: { ...(await exportJWK(privateKey)), ...meta } };
}

async function insertActive(db: Kysely<Schema>, box: SecretBox, alg: SigningAlg): Promise<string> {
  const { kid, publicJwk, privateJwk } = await generate(alg);
  await db.insertInto('signing_key').values({
    kid,
    alg,
    status: 'active',
    public_jwk: JSON.stringify(publicJwk),
    private_jwk_encrypted: box.seal(JSON.stringify(privateJwk), sealContext(kid)),
  }).execute();
  return kid;
}

/** Creates the missing active keys (first start); concurrent nodes are serialised by the unique index. */
export async function ensureSigningKeys(db: Kysely<Schema>, box: SecretBox): Promise<string[]> {
  const created: string[] = [];
  for (const alg of SIGNING_ALGS) {
    const active = await db.selectFrom('signing_key').select('kid').where('alg', '=', alg).where('status', '=', 'active').executeTakeFirst();
    if (active) continue;
    try {
      created.push(await insertActive(db, box, alg));
    } catch (err) {
      // Another node created it between our read and our insert.
      if (!/signing_key_one_active_per_alg|duplicate key/.test((err as Error).message)) throw err;
    }
  }
  return created;
}

/** Private JWKs for the provider: active keys first (they sign), then those kept for verification. */
export async function loadSigningJwks(db: Kysely<Schema>, box: SecretBox): Promise<JWK[]> {
  const rows = await db
    .selectFrom('signing_key')
    .select(['kid', 'status', 'private_jwk_encrypted'])
    .where('status', 'in', ['active', 'verify'])
    .orderBy('status', 'asc') // 'active' < 'verify'
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => JSON.parse(box.open(r.private_jwk_encrypted, sealContext(r.kid))) as JWK);
}

/** A new active key for `alg`; the previous one keeps verifying. Returns the new kid. */
export async function rotateKey(db: Kysely<Schema>, box: SecretBox, alg: SigningAlg): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('signing_key').set({ status: 'verify', rotated_at: new Date() })
      .where('alg', '=', alg).where('status', '=', 'active').execute();
    return insertActive(trx as unknown as Kysely<Schema>, box, alg);
  });
}

/** Withdraws a verify-only key from the JWKS. The active key cannot be retired (rotate first). */
export async function retireKey(db: Kysely<Schema>, kid: string): Promise<void> {
  const row = await db.selectFrom('signing_key').select('status').where('kid', '=', kid).executeTakeFirst();
  if (!row) throw new Error(`no signing key ${kid}`);
  if (row.status === 'active') throw new Error(`key ${kid} is active: rotate it first`);
  await db.updateTable('signing_key').set({ status: 'retired', retired_at: new Date() }).where('kid', '=', kid).execute();
}

export async function listKeys(db: Kysely<Schema>): Promise<KeyInfo[]> {
  const rows = await db.selectFrom('signing_key')
    .select(['kid', 'alg', 'status', 'created_at', 'rotated_at', 'retired_at'])
    .orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    kid: r.kid, alg: r.alg, status: r.status, createdAt: r.created_at, rotatedAt: r.rotated_at, retiredAt: r.retired_at,
  }));
}
