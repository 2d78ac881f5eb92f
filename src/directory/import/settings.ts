import { availableParallelism } from 'node:os';

import { ConfigError } from '../../config/errors.js';
import { int, oneOf, str, type Raw } from '../../config/parse.js';
import type { MalformedPolicy } from './extract-to-copy.js';

/** The importer's safety settings (docs/directory.md § Configuration). */
export interface DirectoryImportSettings {
  /** Largest share of active professionals one import may end (0.05 = 5 %); past it, refuse unless forced. */
  maxDisappearShare: number;
  /** Absolute row-count band; 0 = no bound. */
  minRows: number;
  maxRows: number;
  /** Largest relative change of the row count against the last applied import (0 = no check). */
  maxRowChange: number;
  /** A line with the wrong number of fields or an invalid identifier: skip it (counted) or stop. */
  malformed: MalformedPolicy;
  /** With `skip`: largest share of skipped rows before the import stops anyway. */
  maxSkippedShare: number;
  /** Worker threads that normalize the file (0: all on the importing thread). */
  workers: number;
}

/**
 * `auto`: two worker threads from 4 cores up, none below. On 2 cores the reader thread and
 * PostgreSQL's COPY backends already fill both cores (measured there: a first load about as fast,
 * a sync's read 25–40 % faster, +50–60 MB of RSS), and a core stays free for the IdP's own
 * requests while the import runs; two workers keep the import under 300 MB.
 */
export function autoWorkers(): number {
  return availableParallelism() >= 4 ? 2 : 0;
}

function workers(raw: Raw): number {
  const s = str(raw, 'DIRECTORY_IMPORT_WORKERS');
  if (s === 'auto') return autoWorkers();
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 16) throw new ConfigError('DIRECTORY_IMPORT_WORKERS', `must be "auto" or a number of threads from 0 to 16, got "${s}"`);
  return n;
}

function share(raw: Raw, name: string): number {
  const s = str(raw, name);
  const n = Number(s);
  if (s === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(name, `must be a fraction between 0 and 1, got "${s}"`);
  return n;
}

export function readDirectoryImportSettings(raw: Raw): DirectoryImportSettings {
  const minRows = int(raw, 'DIRECTORY_MIN_ROWS');
  const maxRows = int(raw, 'DIRECTORY_MAX_ROWS');
  if (maxRows && maxRows < minRows) throw new ConfigError('DIRECTORY_MAX_ROWS', 'must not be below DIRECTORY_MIN_ROWS');
  return {
    maxDisappearShare: share(raw, 'DIRECTORY_MAX_DISAPPEAR_SHARE'),
    minRows,
    maxRows,
    maxRowChange: share(raw, 'DIRECTORY_MAX_ROW_CHANGE'),
    malformed: oneOf(raw, 'DIRECTORY_MALFORMED_POLICY', ['skip', 'stop'] as const),
    maxSkippedShare: share(raw, 'DIRECTORY_MAX_SKIPPED_SHARE'),
    workers: workers(raw),
  };
}

export const DEFAULT_IMPORT_SETTINGS: DirectoryImportSettings = {
  maxDisappearShare: 0.05,
  minRows: 0,
  maxRows: 0,
  maxRowChange: 0.25,
  malformed: 'skip',
  maxSkippedShare: 0.01,
  workers: autoWorkers(),
};
