import cliProgress from 'cli-progress';

import type { ImportProgress } from '../import/importer.js';

/**
 * Import progress for a person at a terminal (a bar with rows/s and ETA) or for a log (one plain
 * line every few seconds, e.g. under cron or systemd).
 */
export function importProgressReporter(stream: NodeJS.WriteStream = process.stderr): { update(p: ImportProgress): void; stop(): void } {
  const started = Date.now();
  const rate = (rows: number) => Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001));
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: ' {phase} |{bar}| {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    let begun = false;
    return {
      update(p) {
        if (!begun) {
          bar.start(Math.max(p.totalBytes, 1), 0, { phase: p.phase, rows: 0, rate: 0 });
          begun = true;
        }
        bar.update(p.bytes, { phase: p.phase.padEnd(10), rows: p.rows, rate: rate(p.rows) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLine = 0;
  let lastPhase = '';
  return {
    update(p) {
      const now = Date.now();
      if (p.phase === lastPhase && now - lastLine < 5000) return;
      lastLine = now;
      lastPhase = p.phase;
      const pct = p.totalBytes ? Math.min(100, (100 * p.bytes) / p.totalBytes).toFixed(1) : '?';
      stream.write(`directory import: ${p.phase} ${pct}% ${p.rows} rows ${rate(p.rows)} rows/s\n`);
    },
    stop() {},
  };
}
