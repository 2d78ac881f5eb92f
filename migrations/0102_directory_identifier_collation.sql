-- Identifiers of the mirror compare byte for byte (COLLATE "C"): they are codes, not words, and
-- the first load builds its indexes from 2 M rows — with the database's linguistic collation
-- every comparison goes through strcoll and PostgreSQL cannot use abbreviated keys, which makes
-- those builds about twice as slow. Equality is unchanged for every identifier value.
ALTER TABLE directory_professional ALTER COLUMN national_id TYPE text COLLATE "C";
ALTER TABLE directory_exercice ALTER COLUMN national_id TYPE text COLLATE "C";
ALTER TABLE directory_activity
  ALTER COLUMN national_id TYPE text COLLATE "C",
  ALTER COLUMN identifiant_technique_structure TYPE text COLLATE "C";
ALTER TABLE directory_structure
  ALTER COLUMN identifiant_technique_structure TYPE text COLLATE "C",
  ALTER COLUMN numero_finess_site TYPE text COLLATE "C";
ALTER TABLE directory_professional_change ALTER COLUMN national_id TYPE text COLLATE "C";
