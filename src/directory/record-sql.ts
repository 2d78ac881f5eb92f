import { sql, type RawBuilder } from 'kysely';

import { ACTIVITY_FIELDS, EXERCICE_FIELDS, type FieldMapping } from './fields.js';

const jsonObject = (alias: string, fields: readonly FieldMapping[]) =>
  sql.raw(fields.map((f) => `'${f.claim}', ${alias}.${f.column}`).join(', '));

/**
 * The `x.exercices` lateral join shared by the claims lookup and the point-in-time history: a
 * professional's exercices with the activities `activityFilter` keeps (on alias `a`), as PSC JSON
 * keys, in file order. Exercices left without an activity are dropped; when none remains,
 * `x.exercices` is NULL.
 */
export function exercicesJson(activityFilter: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`CROSS JOIN LATERAL (
    SELECT json_agg(json_build_object(${jsonObject('e', EXERCICE_FIELDS)}, 'activities', acts.list) ORDER BY e.ord) AS exercices
    FROM directory_exercice e
    CROSS JOIN LATERAL (
      SELECT json_agg(json_build_object(${jsonObject('a', ACTIVITY_FIELDS)}) ORDER BY a.ord) AS list
      FROM directory_activity a
      WHERE a.national_id = e.national_id AND a.exercice_ord = e.ord AND ${activityFilter}
    ) acts
    WHERE e.national_id = p.national_id AND acts.list IS NOT NULL
  ) x`;
}
