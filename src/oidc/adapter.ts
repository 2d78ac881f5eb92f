import { sql, type Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';

import type { Schema } from '../db/schema.js';

/**
 * oidc-provider's persistence on PostgreSQL: every model (Session, Grant, AuthorizationCode,
 * AccessToken, RefreshToken, Interaction, BackchannelAuthenticationRequest, ReplayDetection…)
 * as one JSONB row, with the columns the provider searches by (grant_id, uid, user_code) and
 * an expiry that `find` honours and `purgeExpired` reclaims.
 *
 * Two models are special: `Client` is read from the client registry (src/oidc/clients.ts), and
 * `AccessToken` may be looked up by its JWT value (src/oidc/psc/access-token-jwt.ts).
 */

export interface AdapterHooks {
  /** Client metadata (secret in clear) for a client id, from the client registry. */
  findClient(id: string): Promise<AdapterPayload | undefined>;
  /** The token id (jti) behind an access token value, when the value is a JWT we signed. */
  accessTokenId(value: string): Promise<string | undefined>;
}

const epoch = () => Math.floor(Date.now() / 1000);

/**
 * Models whose expiry oidc-provider reports itself (CIBA Core §11 and RFC 8628 `expired_token`):
 * their rows stay readable this long past the expiry, instead of looking unknown (`invalid_grant`).
 */
const EXPIRY_REPORTED_GRACE_S: Record<string, number> = { BackchannelAuthenticationRequest: 600, DeviceCode: 600 };

export function createAdapterClass(db: Kysely<Schema>, hooks: AdapterHooks): new (name: string) => Adapter {
  return class PostgresAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed with `openpsc clients`');
      const expiresAt = expiresIn ? new Date(Date.now() + (expiresIn + (EXPIRY_REPORTED_GRACE_S[this.model] ?? 0)) * 1000) : null;
      await db
        .insertInto('oidc_payload')
        .values({
          model: this.model,
          id,
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          user_code: payload.userCode ?? null,
          uid: payload.uid ?? null,
          expires_at: expiresAt,
        })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          user_code: payload.userCode ?? null,
          uid: payload.uid ?? null,
          expires_at: expiresAt,
          consumed_at: null,
        }))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return hooks.findClient(id);
      let key = id;
      if (this.model === 'AccessToken' && id.includes('.')) {
        const jti = await hooks.accessTokenId(id);
        if (!jti) return undefined;
        key = jti;
      }
      return this.#findBy('id', key);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('user_code', userCode);
    }

    async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_payload')
        .select(['payload', 'consumed_at'])
        .where('model', '=', this.model)
        .where(column, '=', value)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      if (!row) return undefined;
      const payload = row.payload as AdapterPayload;
      return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
    }

    /** Marks a code or token used; its expiry is kept, so reuse is detected until it expires. */
    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_payload')
        .set({ consumed_at: sql`to_timestamp(${epoch()})` })
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_payload').where('model', '=', this.model).where('id', '=', id).execute();
    }

    /** Revokes everything the grant issued, whatever the model (codes, tokens, the grant itself). */
    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
    }
  };
}

/** Deletes expired rows, at most `batch` at a time; returns how many. Safe on several nodes at once. */
export async function purgeExpired(db: Kysely<Schema>, batch = 5000): Promise<number> {
  const result = await sql<{ n: number }>`
    WITH doomed AS (
      SELECT model, id FROM oidc_payload
      WHERE expires_at < now()
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    )
    DELETE FROM oidc_payload p USING doomed d WHERE p.model = d.model AND p.id = d.id`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
