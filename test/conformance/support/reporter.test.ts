import { describe, expect, test } from '@jest/globals';

// @ts-expect-error plain ESM JavaScript (jest loads reporters outside the transform)
import { rowOf, summarize } from './reporter.js';

const assertion = (title: string, status: string, failureMessages: string[] = []) => ({
  title, status, failureMessages, ancestorTitles: ['plan-a', 'variant-x'], fullName: title, duration: 1, numPassingAsserts: 0, location: null,
});

describe('conformance reporter', () => {
  test('a module row: plan, variant, module, result, reason', () => {
    expect(rowOf(assertion('oidcc-server', 'passed'), 'f.test.ts')).toMatchObject({ plan: 'plan-a', variant: 'variant-x', module: 'oidcc-server', result: 'passed', reason: undefined });
    expect(rowOf(assertion('oidcc-server', 'failed', ['\u001b[31mError: boom\u001b[39m\n  at x']), 'f').reason).toBe('Error: boom at x');
  });

  test('[skipped: …] is skipped whether the test ran (PSC behaviour checked) or not; a failing check stays failed', () => {
    expect(rowOf(assertion('m [skipped: not PSC]', 'passed'), 'f')).toMatchObject({ module: 'm', result: 'skipped', reason: 'not PSC', pscBehaviourChecked: true });
    expect(rowOf(assertion('m [skipped: later]', 'pending'), 'f')).toMatchObject({ result: 'skipped', reason: 'later', pscBehaviourChecked: false });
    expect(rowOf(assertion('m [skipped: not PSC]', 'failed', ['Error: x']), 'f')).toMatchObject({ result: 'failed', reason: 'Error: x' });
  });

  test('[adapted: …] passes with its note; [failing: …] (test.failing) reports the known failure, and says so once it passes', () => {
    expect(rowOf(assertion('m [adapted: aged code]', 'passed'), 'f')).toMatchObject({ module: 'm', result: 'passed', reason: 'adapted: aged code' });
    expect(rowOf(assertion('m [failing: POST off]', 'passed'), 'f')).toMatchObject({ module: 'm', result: 'failed', reason: 'known: POST off' });
    expect(rowOf(assertion('m [failing: POST off]', 'failed'), 'f').reason).toMatch(/now passes/);
  });

  test('summary counts', () => {
    const rows = ['passed', 'failed', 'pending'].map((s) => rowOf(assertion('m', s), 'f'));
    expect(summarize(rows)).toEqual({ passed: 1, failed: 1, skipped: 1 });
  });
});
