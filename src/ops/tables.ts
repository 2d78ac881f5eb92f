import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** migrations/0400_audit.sql */
export interface AuditEventTable {
  id: Generated<number>;
  at: Generated<Date>;
  event_type: string;
  national_id: string | null;
  authenticator: string | null;
  client_id: string | null;
  outcome: 'success' | 'failure' | 'aborted';
  error_code: string | null;
  ip: string | null;
  request_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
}

/** migrations/0401_rate_limit.sql */
export interface RateLimitWindowTable {
  key: string;
  window_start: Timestamp;
  hits: number;
  expires_at: Timestamp;
}

/** Tables of the operations area (audit log, rate limits). */
export interface OpsTables {
  audit_event: AuditEventTable;
  rate_limit_window: RateLimitWindowTable;
}
