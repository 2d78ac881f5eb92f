-- Import of the public Annuaire Santé extract (src/directory/import/): run records, per-professional
-- change log (history), content hashes for the diff, and the code tables (nomenclatures).

-- md5 of the professional's extract rows (claim columns, file order): the diff compares it.
-- NULL for records written by saveProfessional (seeds, tests): the next import rewrites them.
ALTER TABLE directory_professional ADD COLUMN content_hash text;

-- Activities are versioned, never rewritten in place: an import that changes a professional ends
-- their current activities (ended_at) and inserts the new ones (started_at), so the mirror can say
-- what it held on any date.
ALTER TABLE directory_activity ADD COLUMN started_at timestamptz NOT NULL DEFAULT now();

-- The per-row foreign-key triggers cost more than half of a full load (2 M activities, 1.5 M
-- exercices). The mirror is written only by set-based importer SQL and saveProfessional, which
-- keep the parent/child rows consistent themselves; a professional is never hard-deleted.
ALTER TABLE directory_activity DROP CONSTRAINT directory_activity_national_id_exercice_ord_fkey;
ALTER TABLE directory_exercice DROP CONSTRAINT directory_exercice_national_id_fkey;

-- One row per import run, kept forever (the extract itself is not archived by ANS).
CREATE TABLE directory_import (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_name      text        NOT NULL,
  checksum       text        NOT NULL,   -- sha256 (hex) of the file as given (zip or txt)
  status         text        NOT NULL CHECK (status IN ('running', 'applied', 'unchanged', 'refused', 'failed', 'interrupted')),
  step           text        NOT NULL DEFAULT 'started',  -- last completed step (resume, diagnosis)
  forced         boolean     NOT NULL DEFAULT false,
  started_at     timestamptz NOT NULL DEFAULT now(),
  applied_at     timestamptz,            -- the instant the new mirror became visible
  finished_at    timestamptz,
  duration_ms    integer,
  rows_read      bigint,
  rows_skipped   bigint,
  professionals  bigint,
  created        bigint,
  updated        bigint,
  ended          bigint,
  unchanged      bigint,
  error_code     text,
  error_message  text,
  report         jsonb                   -- unknown codes, malformed lines, extra columns
);
CREATE INDEX directory_import_checksum ON directory_import (checksum, status);

-- What each import changed, per professional: the history of "what did the mirror say about X".
CREATE TABLE directory_professional_change (
  national_id    text        NOT NULL,
  import_id      bigint      NOT NULL,   -- directory_import.id (no FK: 1.5 M rows on a first load)
  change         text        NOT NULL CHECK (change IN ('created', 'updated', 'ended', 'reactivated')),
  changed_at     timestamptz NOT NULL,
  code_civilite  text        NOT NULL DEFAULT '',
  PRIMARY KEY (national_id, import_id)
);

-- Code tables used by claims and validation (loaded from nomenclatures/*.json).
CREATE TABLE directory_nomenclature (
  system      text NOT NULL,   -- e.g. TRE_R23-ModeExercice
  code        text NOT NULL,
  label       text NOT NULL DEFAULT '',
  deprecated  text NOT NULL DEFAULT '',  -- date of deprecation, '' when active
  PRIMARY KEY (system, code)
);
