import type { Command } from 'commander';

import { openCliContext, type CliContext } from '../../cli/context.js';
import { buildPscClaims, loadProfessional } from '../claims.js';
import { EXTRACT_HEADERS, EXTRACT_HEADERS_2018 } from '../import/columns.js';
import { ImportError } from '../import/errors.js';
import { importExtract, type ImportResult } from '../import/importer.js';
import { professionalAt, professionalHistory } from '../history.js';
import { loadNomenclatures } from '../nomenclatures.js';
import { seedDemoDirectory } from '../seed-demo.js';
import { directoryStatus } from '../status.js';
import { writeExtract } from '../generator/write-extract.js';
import { importProgressReporter } from './progress.js';

/**
 * `openpsc directory …`: import the Annuaire Santé extract and look into the mirror.
 *
 * @example
 *   openpsc directory import PS_LibreAcces_202611220800.zip
 *   openpsc directory status
 *   openpsc directory show 899700427885
 *   openpsc directory history 899700427885 --at 2026-11-01
 *   openpsc directory generate /tmp/PS_LibreAcces_Personne_activite_202611220800.txt --professionals 1000
 */
export function registerDirectoryCommands(program: Command): void {
  const directory = program.command('directory').description('the Annuaire Santé mirror: import, status, show, history, generate');

  directory.command('import <file>')
    .description('import a PS_LibreAcces_Personne_activite_<ts>.txt or PS_LibreAcces_<ts>.zip (atomic; refuses unsafe changes)')
    .option('--force', 'apply even past the mass-deletion and row-count guards, or re-import the same file')
    .option('--malformed <policy>', 'skip (count) or stop on a malformed line or invalid identifier')
    .option('--max-disappear <share>', 'largest share of active professionals that may disappear (e.g. 0.05)')
    .action(async (file: string, opts: { force?: boolean; malformed?: string; maxDisappear?: string }) => {
      await withContext(async (ctx) => {
        const progress = importProgressReporter();
        let result: ImportResult;
        try {
          result = await importExtract(ctx.database, file, {
            ...ctx.settings.directoryImport,
            ...(opts.malformed ? { malformed: parsePolicy(opts.malformed) } : {}),
            ...(opts.maxDisappear ? { maxDisappearShare: parseShare(opts.maxDisappear) } : {}),
            force: !!opts.force,
            reimport: !!opts.force,
            onProgress: (p) => progress.update(p),
          });
        } finally {
          progress.stop();
        }
        ctx.logger.info({ importId: result.importId, status: result.status, created: result.created, updated: result.updated, ended: result.ended }, 'directory import finished');
        console.log(formatResult(result));
      });
    });

  directory.command('status')
    .description('last import and what the mirror holds')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const s = await directoryStatus(ctx.database.db);
        if (opts.json) {
          console.log(JSON.stringify(s, null, 2));
          return;
        }
        const l = s.lastImport;
        console.log(l
          ? `last import #${l.id} ${l.fileName}: ${l.status}${l.errorCode ? ` (${l.errorCode}: ${l.errorMessage})` : ''}, started ${l.startedAt.toISOString()}` +
            (l.status === 'applied' ? `, ${l.rows} rows, +${l.created} ~${l.updated} -${l.ended}, ${l.durationMs} ms` : '')
          : 'no import yet');
        if (s.lastApplied && s.lastApplied.id !== l?.id) console.log(`mirror from import #${s.lastApplied.id} ${s.lastApplied.fileName}, applied ${s.lastApplied.appliedAt?.toISOString()}`);
        console.log(`professionals: ${s.professionals.active} active, ${s.professionals.deactivated} deactivated; activities: ${s.activities.current} current, ${s.activities.ended} ended (history); structures: ${s.structures}`);
      });
    });

  directory.command('show <nationalId>')
    .description('a professional and the PSC claims a card login would get')
    .action(async (nationalId: string) => {
      await withContext(async (ctx) => {
        const p = await loadProfessional(ctx.database.db, nationalId);
        if (!p) {
          console.error(`${nationalId}: no professional with a current activity in the mirror`);
          process.exitCode = 2;
          return;
        }
        console.log(JSON.stringify({ professional: p, claims: buildPscClaims(p, 'CARD', ctx.settings.subjectUuid) }, null, 2));
      });
    });

  directory.command('history <nationalId>')
    .description("a professional's changes across imports; with --at, the record as it was then")
    .option('--at <date>', 'ISO date or timestamp')
    .action(async (nationalId: string, opts: { at?: string }) => {
      await withContext(async (ctx) => {
        const changes = await professionalHistory(ctx.database.db, nationalId);
        for (const c of changes) console.log(`${c.at.toISOString()} ${c.change.padEnd(11)} import #${c.importId} ${c.fileName}`);
        if (!changes.length) console.log(`${nationalId}: no import changed this professional`);
        if (opts.at) {
          const at = new Date(opts.at);
          if (Number.isNaN(at.getTime())) throw new Error(`--at: not a date: "${opts.at}"`);
          const then = await professionalAt(ctx.database.db, nationalId, at);
          console.log(then ? JSON.stringify(then, null, 2) : `${nationalId}: not in the mirror on ${at.toISOString()}`);
        }
      });
    });

  directory.command('generate <out>')
    .description('write a synthetic extract in the exact public format (deterministic from --seed)')
    .option('--professionals <n>', 'size of the population', '1000')
    .option('--seed <seed>', 'random seed', '1')
    .option('--next-day <share>', 'the next day’s file: this share of people ended/changed/added (e.g. 0.01)')
    .option('--columns <n>', '56 (today) or 48 (2018 files)', '56')
    .option('--crlf', 'CRLF line endings')
    .option('--bom', 'start with a UTF-8 BOM')
    .action(async (out: string, opts: { professionals: string; seed: string; nextDay?: string; columns: string; crlf?: boolean; bom?: boolean }) => {
      const professionals = Number(opts.professionals);
      if (!Number.isInteger(professionals) || professionals < 0) throw new Error(`--professionals: not a whole number: "${opts.professionals}"`);
      if (!['48', '56'].includes(opts.columns)) throw new Error('--columns: 48 or 56');
      const stats = await writeExtract(out, {
        professionals, seed: opts.seed,
        ...(opts.nextDay ? { nextDay: { share: parseShare(opts.nextDay) } } : {}),
        headers: opts.columns === '48' ? EXTRACT_HEADERS_2018 : EXTRACT_HEADERS,
        lineEnding: opts.crlf ? 'CRLF' : 'LF', bom: !!opts.bom,
      });
      console.log(`${out}: ${stats.professionals} professionals, ${stats.rows} rows, ${stats.bytes} bytes` +
        (opts.nextDay ? ` (vs day 0: +${stats.created} ~${stats.updated} -${stats.ended})` : ''));
    });

  directory.command('nomenclatures')
    .description('load the shipped code tables (nomenclatures/*.json) into the database')
    .action(async () => {
      await withContext(async (ctx) => console.log(`${await loadNomenclatures(ctx.database.db)} codes loaded`));
    });

  directory.command('seed-demo')
    .description('seed the mirror with the demo professionals and a small generated population')
    .option('--professionals <n>', 'generated population size', '200')
    .action(async (opts: { professionals: string }) => {
      await withContext(async (ctx) => {
        for (const p of await seedDemoDirectory(ctx.database, { professionals: Number(opts.professionals) })) console.log(`${p.nationalId}  ${p.description}`);
      });
    });
}

async function withContext(fn: (ctx: CliContext) => Promise<void>): Promise<void> {
  const ctx = await openCliContext();
  try {
    await fn(ctx);
  } catch (err) {
    if (err instanceof ImportError) {
      ctx.logger.error({ code: err.code, line: err.line, field: err.field }, 'directory import refused');
      throw new Error(`${err.code}: ${err.message}`);
    }
    throw err;
  } finally {
    await ctx.close();
  }
}

function parseShare(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`not a share between 0 and 1: "${s}"`);
  return n;
}

function parsePolicy(s: string): 'skip' | 'stop' {
  if (s !== 'skip' && s !== 'stop') throw new Error(`--malformed: skip or stop, got "${s}"`);
  return s;
}

export function formatResult(r: ImportResult): string {
  if (r.status === 'unchanged') return `${r.fileName}: same file as the last applied import — nothing to do (import #${r.importId})`;
  const lines = [
    `${r.fileName}: applied as import #${r.importId} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  rows ${r.rows} (skipped ${r.skipped}), professionals ${r.professionals}: created ${r.created}, updated ${r.updated}, ended ${r.ended}, unchanged ${r.unchanged}`,
  ];
  for (const s of r.report.skippedLines.slice(0, 5)) lines.push(`  skipped line ${s.line}${s.field ? ` field "${s.field}"` : ''}: ${s.message}`);
  for (const u of r.report.unknownCodes.slice(0, 10)) lines.push(`  unknown code ${u.column}=${u.code} (${u.rows} rows)`);
  if (r.report.unknownHeaders.length) lines.push(`  extra columns kept in staging only: ${r.report.unknownHeaders.join(', ')}`);
  return lines.join('\n');
}
