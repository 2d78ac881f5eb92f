import type { ColumnType } from 'kysely';

import type { CardTables } from '../authenticators/card/tables.js';
import type { EcpsTables } from '../authenticators/ecps/tables.js';
import type { DirectoryTables } from '../directory/tables.js';
import type { OidcTables } from '../oidc/tables.js';
import type { OpsTables } from '../ops/tables.js';

export interface SchemaMigrationsTable {
  name: string;
  checksum: string;
  applied_at: ColumnType<Date, never, never>;
}

/** Every table, by area: each area declares its own in its `tables.ts`. */
export interface Schema extends OidcTables, DirectoryTables, CardTables, EcpsTables, OpsTables {
  schema_migrations: SchemaMigrationsTable;
}
