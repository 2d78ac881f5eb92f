import { saveProfessional } from '../../../src/directory/repository.js';
import { medecin } from '../../helpers/fixtures.js';
import { startTestIdp, type TestIdp } from '../../helpers/idp.js';
import { ecpsOverrides } from './login.js';

/** The test identity every module logs in as: the médecin of the published PSC captures. */
export const PROFESSIONAL = '899700427885';

/**
 * OpenPSC as the conformance suite sees it: the Koa app on 127.0.0.1 (ephemeral port) over a
 * fresh database on the real PostgreSQL (PGlite when none), with the test identity in the mirror.
 * One per test file: modules in a file share it, as the official suite shares one OP per plan.
 *
 * @example
 *   const op = await startConformanceOp();
 *   …
 *   await op.close();
 */
export async function startConformanceOp(overrides: Record<string, unknown> = {}): Promise<TestIdp> {
  // POST at the authorization and logout endpoints, as an https deployment has it by default
  // (AUTHORIZATION_POST=auto); the suites' user agent is not a browser, so http is fine here.
  const idp = await startTestIdp({ overrides: { ...ecpsOverrides(), AUTHORIZATION_POST: 'on', ...overrides } });
  await saveProfessional(idp.database.db, medecin(PROFESSIONAL));
  return idp;
}
