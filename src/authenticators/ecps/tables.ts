import type { ColumnType, Generated } from 'kysely';

// Kysely view of migrations/0300_ecps.sql.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface EcpsContactTable {
  national_id: string;
  email: string | null;
  mobile: string | null;
  updated_at: Generated<Date>;
}

export interface EcpsActivationTable {
  id: string;
  national_id: string;
  email_code_hash: string | null;
  sms_code_hash: string | null;
  tries: Generated<number>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
}

export interface EcpsDeviceTable {
  id: string;
  national_id: string;
  name: Generated<string>;
  public_jwk: Json<Record<string, unknown>>;
  totp_secret_encrypted: string;
  last_totp_step: Generated<number>;
  push_token: string | null;
  status: Generated<'active' | 'revoked'>;
  created_at: Generated<Date>;
  last_seen_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface EcpsApprovalTable {
  id: string;
  kind: 'login' | 'ciba';
  national_id: string;
  interaction_uid: string | null;
  auth_req_id: string | null;
  client_id: string;
  client_name: string;
  code: string;
  status: Generated<'pending' | 'approved' | 'denied' | 'consumed'>;
  device_id: string | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  answered_at: Timestamp | null;
}

export interface EcpsNonceTable {
  jti: string;
  expires_at: Timestamp;
}

export interface EcpsThrottleTable {
  key: string;
  failures: Generated<number>;
  window_start: Generated<Date>;
  locked_until: Timestamp | null;
}

export interface EcpsTables {
  ecps_contact: EcpsContactTable;
  ecps_activation: EcpsActivationTable;
  ecps_device: EcpsDeviceTable;
  ecps_approval: EcpsApprovalTable;
  ecps_nonce: EcpsNonceTable;
  ecps_throttle: EcpsThrottleTable;
}
