-- No query reads the mirror by structure id or by FINESS (claims go through national_id; the
-- sync matches structures on their primary key). These two indexes were only paid for: about a
-- fifth of the index builds of a first load, and upkeep on every activity a daily sync writes.
-- Add an index back with the query that needs it.
DROP INDEX IF EXISTS directory_activity_structure;
DROP INDEX IF EXISTS directory_structure_finess;
