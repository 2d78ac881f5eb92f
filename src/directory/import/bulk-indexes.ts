import { sql, type Transaction } from 'kysely';

import type { Schema } from '../../db/schema.js';

/**
 * First load into an empty mirror: building an index once from sorted data is several times
 * cheaper than maintaining it across 2 M random inserts. So, inside the switch transaction, the
 * mirror tables' indexes (and primary keys) are dropped, the rows inserted, and the indexes rebuilt
 * from their own catalogue definitions (no copy of the DDL to drift). The DDL takes an exclusive
 * lock until commit: readers wait and then see the new mirror — an empty mirror has no reader to
 * keep anyway. Tables referenced by a foreign key are left alone.
 */
const MIRROR_TABLES = ['directory_professional', 'directory_exercice', 'directory_activity'];

interface IndexDefinition {
  table: string;
  index: string;
  definition: string;
  constraint: string | null;
  constraintDefinition: string | null;
}

export async function mirrorIsEmpty(trx: Transaction<Schema>): Promise<boolean> {
  const { rows } = await sql<{ empty: boolean }>`
    SELECT NOT EXISTS (SELECT 1 FROM directory_professional) AND NOT EXISTS (SELECT 1 FROM directory_exercice)
       AND NOT EXISTS (SELECT 1 FROM directory_activity) AS empty`.execute(trx);
  return !!rows[0]?.empty;
}

/** Drops the mirror's indexes; returns what rebuilds them. */
export async function dropMirrorIndexes(trx: Transaction<Schema>): Promise<() => Promise<void>> {
  const { rows } = await sql<IndexDefinition>`
    SELECT t.relname AS "table", i.relname AS "index", pg_get_indexdef(i.oid) AS "definition",
           con.conname AS "constraint", pg_get_constraintdef(con.oid) AS "constraintDefinition"
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
    WHERE t.relname IN (${sql.join(MIRROR_TABLES)}) AND t.relnamespace = current_schema()::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = t.oid)
    ORDER BY t.relname, i.relname`.execute(trx);
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
  for (const r of rows) {
    await sql.raw(r.constraint ? `ALTER TABLE ${q(r.table)} DROP CONSTRAINT ${q(r.constraint)}` : `DROP INDEX ${q(r.index)}`).execute(trx);
  }
  return async () => {
    for (const r of rows) {
      await sql.raw(r.constraint ? `ALTER TABLE ${q(r.table)} ADD CONSTRAINT ${q(r.constraint)} ${r.constraintDefinition}` : r.definition).execute(trx);
    }
  };
}
