import type { BrowserSession } from '../../helpers/browser-session.js';
import type { TestIdp } from '../../helpers/idp.js';
import { completeTestLogin } from '../../helpers/test-login.js';

/** Where a login happens: the IdP, the browser that holds the interaction cookie, the login page. */
export interface LoginContext {
  idp: TestIdp;
  browser: BrowserSession;
  /** The login interaction page the authorization request landed on. */
  interactionUrl: URL;
}

/**
 * The one place where the conformance suite logs a professional in. Today it ends the interaction
 * through the TEST-ONLY helper (test/helpers/test-login.ts); when the e-CPS device simulator is
 * merged, this function drives it instead (`openpsc ecps-device approve …`) and no module changes.
 * Returns the URL the browser goes on to (back into the authorization flow).
 *
 * @example
 *   const next = await loginAs('899700427885', { idp, browser, interactionUrl });
 *   await browser.follow(next.toString(), { stopAt: atRedirectUri });
 */
export async function loginAs(nationalId: string, at: LoginContext): Promise<URL> {
  const returnTo = await completeTestLogin(at.idp, at.interactionUrl, nationalId);
  return new URL(returnTo, at.interactionUrl);
}
