import { test } from '@jest/globals';

/**
 * How a conformance test module becomes a jest test. The test title is the official module name
 * (e.g. `oidcc-server`); the describe block around it is the official plan name. The report
 * (support/reporter.js) reads both, and reads a `[skipped: reason]` suffix as the module's result.
 *
 * Three kinds of module:
 * - `conformanceModule`: the official module's checks, run against OpenPSC.
 * - `notApplicable`: the official suite would skip the module (or it does not fit the PSC profile),
 *   but OpenPSC's own behaviour for the same request is still asserted. The report says
 *   "skipped (reason)" when those assertions pass and "failed" when they do not.
 * - `skippedModule`: nothing can run yet (e.g. a plug-in not merged); the code stays ready.
 * - `adaptedModule`: the official module's intent, with one change the PSC profile or the test
 *   bench requires (said in the title: `[adapted: …]`, shown beside "passed" in the report).
 * - `knownFailure`: a module OpenPSC fails today for a documented reason (a decision pending). It
 *   runs with `test.failing`, so the suite stays green while it fails and turns red the day it
 *   passes (then make it a `conformanceModule`). The report says "failed (known: reason)".
 *
 * @example
 *   describe('oidcc-basic-certification-test-plan', () => {
 *     conformanceModule('oidcc-server', async () => { … });
 *     notApplicable('oidcc-idtoken-unsigned', 'alg none not offered', async () => { … });
 *   });
 */
type Body = () => Promise<void>;

export const SKIP_MARK = /\s\[skipped: (.+)\]$/;

export const FAILING_MARK = /\s\[failing: (.+)\]$/;

export const skippedTitle = (name: string, reason: string) => `${name} [skipped: ${reason}]`;

export function conformanceModule(name: string, body: Body, timeout?: number): void {
  test(name, body, timeout);
}

export function adaptedModule(name: string, adaptation: string, body: Body, timeout?: number): void {
  test(`${name} [adapted: ${adaptation}]`, body, timeout);
}

export function notApplicable(name: string, reason: string, body: Body, timeout?: number): void {
  test(skippedTitle(name, reason), body, timeout);
}

export function skippedModule(name: string, reason: string, body: Body = async () => {}): void {
  test.skip(skippedTitle(name, reason), body);
}

export function knownFailure(name: string, reason: string, body: Body, timeout?: number): void {
  test.failing(`${name} [failing: ${reason}]`, body, timeout);
}
