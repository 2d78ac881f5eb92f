-- The import that created each professional. A first load writes no change-log line per
-- professional (1.5 M rows with their key were ~a tenth of its database work): the history
-- reads its "created" entry from this column, and the first later change of that professional
-- writes the line for real, with the civilité of creation, before overwriting it (apply-sql.ts).
-- Rows written before this column existed have their "created" line already (NULL here).
ALTER TABLE directory_professional ADD COLUMN created_import_id bigint;
