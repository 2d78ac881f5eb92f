import { sql, type Kysely, type Selectable } from 'kysely';

import type { Schema } from '../../db/schema.js';
import type { EcpsApprovalTable, EcpsDeviceTable } from './tables.js';

export type DeviceRow = Selectable<EcpsDeviceTable>;
export type ApprovalRow = Selectable<EcpsApprovalTable>;

export interface Contact {
  nationalId: string;
  email?: string;
  mobile?: string;
}

/**
 * PostgreSQL access of the e-CPS area (migrations/0300_ecps.sql). Every state change that must
 * happen once (answering a request, using a TOTP step, consuming an activation) is one
 * conditional UPDATE, so two nodes racing cannot both win.
 */
export class EcpsStore {
  constructor(readonly db: Kysely<Schema>) {}

  // Contacts ---------------------------------------------------------------------------------

  async setContact(c: Contact): Promise<void> {
    await this.db.insertInto('ecps_contact')
      .values({ national_id: c.nationalId, email: c.email ?? null, mobile: c.mobile ?? null })
      .onConflict((oc) => oc.column('national_id').doUpdateSet({
        email: c.email === undefined ? sql`ecps_contact.email` : c.email,
        mobile: c.mobile === undefined ? sql`ecps_contact.mobile` : c.mobile,
        updated_at: sql`now()`,
      }))
      .execute();
  }

  async getContact(nationalId: string): Promise<Contact | undefined> {
    const row = await this.db.selectFrom('ecps_contact').selectAll().where('national_id', '=', nationalId).executeTakeFirst();
    return row && { nationalId: row.national_id, email: row.email ?? undefined, mobile: row.mobile ?? undefined };
  }

  async removeContact(nationalId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('ecps_contact').where('national_id', '=', nationalId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  // Activations ------------------------------------------------------------------------------

  async createActivation(a: { id: string; nationalId: string; emailCodeHash: string | null; smsCodeHash: string | null; expiresAt: Date }): Promise<void> {
    await this.db.insertInto('ecps_activation').values({
      id: a.id, national_id: a.nationalId, email_code_hash: a.emailCodeHash, sms_code_hash: a.smsCodeHash, expires_at: a.expiresAt,
    }).execute();
  }

  /** Counts one try and returns the activation as it is after, if it is still open. */
  async tryActivation(id: string, maxTries: number) {
    return this.db.updateTable('ecps_activation')
      .set({ tries: sql`tries + 1` })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where('tries', '<', maxTries)
      .returningAll()
      .executeTakeFirst();
  }

  async activationExists(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('ecps_activation').select('id').where('id', '=', id).executeTakeFirst());
  }

  async consumeActivation(id: string): Promise<boolean> {
    const r = await this.db.updateTable('ecps_activation').set({ consumed_at: new Date() })
      .where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  // Devices ----------------------------------------------------------------------------------

  async createDevice(d: { id: string; nationalId: string; name: string; publicJwk: Record<string, unknown>; totpSecretEncrypted: string; pushToken?: string }): Promise<void> {
    await this.db.insertInto('ecps_device').values({
      id: d.id, national_id: d.nationalId, name: d.name, public_jwk: JSON.stringify(d.publicJwk),
      totp_secret_encrypted: d.totpSecretEncrypted, push_token: d.pushToken ?? null,
    }).execute();
  }

  async activeDevice(id: string): Promise<DeviceRow | undefined> {
    return this.db.selectFrom('ecps_device').selectAll().where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
  }

  async activeDevices(nationalId: string): Promise<DeviceRow[]> {
    return this.db.selectFrom('ecps_device').selectAll()
      .where('national_id', '=', nationalId).where('status', '=', 'active').orderBy('created_at').execute();
  }

  async devices(nationalId: string): Promise<DeviceRow[]> {
    return this.db.selectFrom('ecps_device').selectAll().where('national_id', '=', nationalId).orderBy('created_at').execute();
  }

  async hasActiveDevice(nationalId: string): Promise<boolean> {
    const row = await this.db.selectFrom('ecps_device').select('id')
      .where('national_id', '=', nationalId).where('status', '=', 'active').limit(1).executeTakeFirst();
    return !!row;
  }

  /** Revokes a device (of `nationalId` when given); undefined when there was no such active device. */
  async revokeDevice(id: string, nationalId?: string): Promise<{ id: string; national_id: string } | undefined> {
    let q = this.db.updateTable('ecps_device').set({ status: 'revoked', revoked_at: new Date() })
      .where('id', '=', id).where('status', '=', 'active');
    if (nationalId) q = q.where('national_id', '=', nationalId);
    return q.returning(['id', 'national_id']).executeTakeFirst();
  }

  /** Records that the device was seen; at most once a minute, to spare a write per request. */
  async touchDevice(id: string, now = new Date()): Promise<void> {
    await this.db.updateTable('ecps_device').set({ last_seen_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', new Date(now.getTime() - 60_000))]))
      .execute();
  }

  /** Marks TOTP time-step `step` used; false when it (or a later one) already was. */
  async useTotpStep(deviceId: string, step: number): Promise<boolean> {
    const r = await this.db.updateTable('ecps_device').set({ last_totp_step: step, last_seen_at: new Date() })
      .where('id', '=', deviceId).where('status', '=', 'active').where('last_totp_step', '<', step)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  // Approvals --------------------------------------------------------------------------------

  async createApproval(a: Omit<ApprovalRow, 'status' | 'device_id' | 'created_at' | 'answered_at'>): Promise<ApprovalRow> {
    return this.db.insertInto('ecps_approval').values(a).returningAll().executeTakeFirstOrThrow();
  }

  async approval(id: string): Promise<ApprovalRow | undefined> {
    return this.db.selectFrom('ecps_approval').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async pendingApprovals(nationalId: string, now = new Date()): Promise<ApprovalRow[]> {
    return this.db.selectFrom('ecps_approval').selectAll()
      .where('national_id', '=', nationalId).where('status', '=', 'pending').where('expires_at', '>', now)
      .orderBy('created_at', 'desc').execute();
  }

  /** Records the device's answer if the request is still pending and unexpired. */
  async answerApproval(id: string, deviceId: string, decision: 'approved' | 'denied', now = new Date()): Promise<ApprovalRow | undefined> {
    return this.db.updateTable('ecps_approval').set({ status: decision, device_id: deviceId, answered_at: now })
      .where('id', '=', id).where('status', '=', 'pending').where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
  }

  /** An approved browser login is turned into a session once. */
  async consumeApproval(id: string, interactionUid: string): Promise<ApprovalRow | undefined> {
    return this.db.updateTable('ecps_approval').set({ status: 'consumed' })
      .where('id', '=', id).where('interaction_uid', '=', interactionUid).where('status', '=', 'approved')
      .returningAll().executeTakeFirst();
  }

  // Nonces -----------------------------------------------------------------------------------

  /** Records a device request's jti; false when it was seen before (a replay). */
  async useNonce(jti: string, expiresAt: Date): Promise<boolean> {
    const r = await this.db.insertInto('ecps_nonce').values({ jti, expires_at: expiresAt })
      .onConflict((oc) => oc.column('jti').doNothing()).executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /** Deletes what can no longer matter (expired nonces, old activations and requests). */
  async purge(now = new Date()): Promise<void> {
    const dayAgo = new Date(now.getTime() - 86_400_000);
    await this.db.deleteFrom('ecps_nonce').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('ecps_activation').where('expires_at', '<', dayAgo).execute();
    await this.db.deleteFrom('ecps_approval').where('expires_at', '<', dayAgo).execute();
    await this.db.deleteFrom('ecps_throttle').where('window_start', '<', dayAgo)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)])).execute();
  }
}
