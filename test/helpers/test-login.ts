import { subjectOf } from '../../src/directory/claims.js';
import type { TestIdp } from './idp.js';
import type { BrowserSession } from './browser-session.js';

/**
 * TEST-ONLY: finishes a login interaction for a national id as if an authenticator had succeeded.
 * It writes the interaction result through the provider object the test holds; nothing like it
 * exists in the running server (every real login goes through an authenticator plug-in).
 */
export async function completeTestLogin(idp: TestIdp, interactionUrl: URL, nationalId: string, amr: string[] = ['sc', 'pin']): Promise<string> {
  const uid = interactionUrl.pathname.split('/').pop()!;
  const interaction = await idp.openpsc.provider.Interaction.find(uid);
  if (!interaction) throw new Error(`no interaction ${uid}`);
  interaction.result = {
    login: { accountId: subjectOf(idp.settings.subjectUuid, nationalId), acr: idp.settings.acr, amr, remember: true },
  };
  await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
  return interaction.returnTo;
}

/** Browses from the authorization URL through a test login to the relying party's redirect URI. */
export async function authorizeWithTestLogin(idp: TestIdp, browser: BrowserSession, authorizationUrl: URL, nationalId: string, redirectUri: string, amr?: string[]): Promise<URL> {
  const atRp = (u: URL) => u.toString().startsWith(redirectUri);
  const first = await browser.follow(authorizationUrl.toString(), { stopAt: atRp });
  if (atRp(first.url)) return first.url; // SSO: no interaction needed
  if (!first.url.pathname.includes('/interaction/')) {
    throw new Error(`expected the login interaction, got ${first.url} (${first.response?.status})`);
  }
  const returnTo = await completeTestLogin(idp, first.url, nationalId, amr);
  const back = await browser.follow(returnTo, { stopAt: atRp });
  if (!atRp(back.url)) throw new Error(`expected a redirect to the relying party, got ${back.url} (${back.response?.status}: ${await back.response?.text()})`);
  return back.url;
}
