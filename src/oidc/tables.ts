import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface OidcClientTable {
  client_id: string;
  metadata: ColumnType<Record<string, unknown>, string, string>;
  secret_encrypted: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  status: 'active' | 'verify' | 'retired';
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_jwk_encrypted: string;
  created_at: Generated<Date>;
  rotated_at: Timestamp | null;
  retired_at: Timestamp | null;
}

export interface CibaPollTable {
  auth_req_id: string;
  last_polled_at: Timestamp;
  expires_at: Timestamp;
}

/** migrations/0402_ciba_limits.sql */
export interface CibaRequestTable {
  auth_req_id: string;
  national_id: string;
  client_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  answered_at: Timestamp | null;
}

export interface OidcTables {
  ciba_poll: CibaPollTable;
  ciba_request: CibaRequestTable;
  oidc_payload: OidcPayloadTable;
  oidc_client: OidcClientTable;
  signing_key: SigningKeyTable;
}
