// @ts-check
/**
 * Jest reporter for the conformance suite: one row per official test module, printed as a table
 * and written to reports/conformance.json and reports/conformance.md.
 *
 * Plain ESM JavaScript because jest loads reporters outside its transform. Reporters are global
 * in jest, so this one keeps only the results of files under test/conformance/ and stays silent
 * when there are none (a run of the unit project only).
 *
 * Rows: the plan is the outermost describe, the variant the inner describes (if any), the module
 * the test title. A title ending in `[skipped: reason]` is a module the official suite would skip
 * or that does not apply to the PSC profile: "skipped (reason)" when its PSC checks passed,
 * "failed" when they did not.
 *
 * Example: `npm run conformance` → the table, then `reports/conformance.{json,md}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SKIP_MARK = /\s\[skipped: (.+)\]$/;
const FAILING_MARK = /\s\[failing: (.+)\]$/;
const ADAPTED_MARK = /\s\[adapted: (.+)\]$/;
// Plans in the report's order (others follow, in the order they are met).
const PLAN_ORDER = [
  'oidcc-basic-certification-test-plan',
  'oidcc-config-certification-test-plan',
  'oidcc-rp-initiated-logout-certification-test-plan',
  'oidcc-backchannel-rp-initiated-logout-certification-test-plan',
  'fapi-ciba-id1-test-plan',
  'psc-compatibility',
];
const IN_SUITE = `${path.sep}test${path.sep}conformance${path.sep}`;

/** @param {import('@jest/test-result').AssertionResult} a @param {string} file */
export function rowOf(a, file) {
  const failing = FAILING_MARK.exec(a.title);
  const adapted = ADAPTED_MARK.exec(a.title);
  const mark = failing || adapted ? undefined : SKIP_MARK.exec(a.title);
  const cut = failing ?? adapted ?? mark;
  const module = cut ? a.title.slice(0, cut.index) : a.title;
  const reason = mark?.[1];
  const [plan = '(no plan)', ...variant] = a.ancestorTitles;
  let result;
  if (a.status === 'failed') result = 'failed';
  else if (failing) result = a.status === 'passed' ? 'failed' : 'skipped'; // test.failing passes while the module fails
  else if (a.status === 'passed') result = reason ? 'skipped' : 'passed';
  else result = 'skipped';
  let why = reason;
  if (failing) why = a.status === 'failed' ? `known failure now passes: make it a conformanceModule (${failing[1]})` : `known: ${failing[1]}`;
  else if (a.status === 'failed') why = firstLine(a.failureMessages.join('\n'));
  else if (adapted) why = `adapted: ${adapted[1]}`;
  return {
    plan,
    variant: variant.join(' / ') || undefined,
    module,
    result,
    reason: why,
    // a skipped module whose test ran: OpenPSC's own answer to the module's request was checked
    pscBehaviourChecked: Boolean(reason) && !failing && a.status === 'passed',
    file,
  };
}

/** @param {string} s */
const firstLine = (s) => s.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ').slice(0, 300);

/** @param {ReturnType<typeof rowOf>[]} rows */
export function summarize(rows) {
  return {
    passed: rows.filter((r) => r.result === 'passed').length,
    failed: rows.filter((r) => r.result === 'failed').length,
    skipped: rows.filter((r) => r.result === 'skipped').length,
  };
}

/** @param {ReturnType<typeof rowOf>[]} rows */
function markdown(rows, summary, generatedAt) {
  const out = ['# OpenPSC conformance report', '', `Generated ${generatedAt}. ` +
    `**${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped.**`, ''];
  for (const plan of [...new Set(rows.map((r) => r.plan))]) {
    out.push(`## ${plan}`, '', '| module | variant | result | reason |', '|---|---|---|---|');
    for (const r of rows.filter((x) => x.plan === plan)) {
      const reason = (r.reason ?? '') + (r.pscBehaviourChecked ? ' — OpenPSC\'s answer checked' : '');
      out.push(`| \`${r.module}\` | ${r.variant ?? ''} | ${r.result} | ${reason.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** @param {ReturnType<typeof rowOf>[]} rows */
function table(rows) {
  const lines = [];
  const width = Math.min(90, Math.max(...rows.map((r) => r.module.length)));
  for (const plan of [...new Set(rows.map((r) => r.plan))]) {
    lines.push('', plan);
    let variant;
    for (const r of rows.filter((x) => x.plan === plan)) {
      if (r.variant !== variant) {
        variant = r.variant;
        if (variant) lines.push(`  [${variant}]`);
      }
      const result = r.reason ? `${r.result} (${r.reason})` : r.result;
      lines.push(`  ${r.module.padEnd(width)}  ${result}`);
    }
  }
  return lines.join('\n');
}

export default class ConformanceReporter {
  /** @param {import('@jest/types').Config.GlobalConfig} globalConfig @param {{ outputDir?: string }} options */
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.outputDir = path.resolve(globalConfig.rootDir, options.outputDir ?? 'reports');
  }

  /** @param {unknown} _contexts @param {import('@jest/test-result').AggregatedResult} results */
  onRunComplete(_contexts, results) {
    const files = results.testResults.filter((f) => f.testFilePath.includes(IN_SUITE) && !f.testFilePath.includes(`${path.sep}support${path.sep}`))
      .sort((a, b) => a.testFilePath.localeCompare(b.testFilePath));
    if (files.length === 0) return;
    /** @type {ReturnType<typeof rowOf>[]} */
    let rows = [];
    for (const f of files) {
      const file = path.relative(this.rootDir, f.testFilePath);
      if (f.testExecError && f.testResults.length === 0) {
        rows.push({ plan: '(file did not run)', module: file, result: 'failed', reason: firstLine(f.testExecError.message), pscBehaviourChecked: false, file });
      }
      for (const a of f.testResults) rows.push(rowOf(a, file));
    }
    const planRank = (/** @type {string} */ p) => (PLAN_ORDER.includes(p) ? PLAN_ORDER.indexOf(p) : PLAN_ORDER.length);
    rows = rows.map((r, i) => ({ r, i })).sort((a, b) => planRank(a.r.plan) - planRank(b.r.plan) || a.i - b.i).map((x) => x.r);
    const summary = summarize(rows);
    const generatedAt = new Date().toISOString();
    mkdirSync(this.outputDir, { recursive: true });
    writeFileSync(path.join(this.outputDir, 'conformance.json'), `${JSON.stringify({ generatedAt, summary, modules: rows }, null, 2)}\n`);
    writeFileSync(path.join(this.outputDir, 'conformance.md'), `${markdown(rows, summary, generatedAt)}\n`);
    const onlyConformance = results.testResults.every((f) => f.testFilePath.includes(IN_SUITE));
    // Worded so that it cannot be mistaken for the test runner's own closing line.
    const head = `\nConformance report — modules passing: ${summary.passed}, failing: ${summary.failed}, skipped: ${summary.skipped} ` +
      `(see reports/conformance.md)`;
    // Under `npm test` (both projects) a summary line is enough; `npm run conformance` prints the table.
    console.log(onlyConformance ? `${table(rows)}\n${head}\n` : `${head}\n`);
  }
}
