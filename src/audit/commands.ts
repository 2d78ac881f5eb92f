import { InvalidArgumentError, type Command } from 'commander';

import { openCliContext } from '../cli/context.js';
import type { Database } from '../db/database.js';
import { listAuthentications, purgeAuthentications, type RecordedAuthentication } from './audit-log.js';

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

/** `--since`: an ISO date ("2026-11-01", "2026-11-01T08:00:00Z") or a duration back from now ("30m", "24h", "7d"). */
export function parseSince(value: string, now = new Date()): Date {
  const rel = /^(\d+)([mhd])$/.exec(value.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_SECONDS[rel[2]!]! * 1000);
  const d = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim()) ? new Date(value.trim()) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${value}" is neither a date (2026-11-01) nor a duration (30m, 24h, 7d)`);
  return d;
}

function positiveInt(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number between 1 and ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

/** One event per line, columns separated by two spaces; "-" for what is unknown. */
export function formatAuthentication(e: RecordedAuthentication): string {
  const details = Object.keys(e.details).length ? JSON.stringify(e.details) : '';
  return [e.at.toISOString(), e.type, e.outcome, e.nationalId, e.authenticator, e.clientId, e.errorCode, e.ip, e.requestId, details]
    .map((v) => v || '-').join('  ').replace(/\s+-$/, '');
}

export interface AuditListOptions {
  nationalId?: string;
  since?: Date;
  limit: number;
  json?: boolean;
}

/** What `openpsc audit list` prints, from a database handle. */
export async function auditListOutput(database: Database, opts: AuditListOptions): Promise<string> {
  const events = await listAuthentications(database.db, opts);
  if (opts.json) return JSON.stringify(events, null, 2);
  if (!events.length) return 'no authentication recorded for this query';
  return ['at  type  outcome  national_id  authenticator  client_id  error  ip  request_id  details', ...events.map(formatAuthentication)].join('\n');
}

/**
 * `openpsc audit …`: read and prune the audit log of authentications.
 *
 * @example
 *   openpsc audit list --national-id 899700427885 --since 7d --limit 20
 *   openpsc audit list --json
 *   openpsc audit purge                 # older than AUDIT_RETENTION_DAYS
 *   openpsc audit purge --older-than 90
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('audit log of authentications (logins and CIBA requests)');
  audit
    .command('list')
    .description('show the latest authentications, newest first')
    .option('--national-id <id>', 'only this professional (idNat, e.g. 899700427885)')
    .option('--since <when>', 'from this date (2026-11-01) or this long ago (30m, 24h, 7d)', (v) => parseSince(v))
    .option('--limit <n>', 'at most this many events (1–1000)', positiveInt(1000), 50)
    .option('--json', 'print JSON instead of one line per event')
    .action(async (opts: AuditListOptions) => {
      const ctx = await openCliContext();
      try {
        console.log(await auditListOutput(ctx.database, opts));
      } finally {
        await ctx.close();
      }
    });
  audit
    .command('purge')
    .description('remove events older than AUDIT_RETENTION_DAYS (or --older-than days)')
    .option('--older-than <days>', 'retention in days, overrides AUDIT_RETENTION_DAYS', positiveInt(3650))
    .action(async (opts: { olderThan?: number }) => {
      const ctx = await openCliContext();
      try {
        const days = opts.olderThan ?? ctx.settings.ops.auditRetentionDays;
        const removed = await purgeAuthentications(ctx.database.db, new Date(Date.now() - days * 86_400_000));
        console.log(`removed ${removed} authentication event(s) older than ${days} days`);
      } finally {
        await ctx.close();
      }
    });
}
