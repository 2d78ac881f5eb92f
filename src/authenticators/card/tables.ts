import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface CardChallengeTable {
  id: string;
  interaction_uid: string;
  challenge: ColumnType<Uint8Array, Buffer, Buffer>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
}

export interface CardTables {
  card_challenge: CardChallengeTable;
}
