import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';

import { finalizePkcs11Modules } from '../../../src/authenticators/card/agent/pkcs11-module.js';
import { saveProfessional } from '../../../src/directory/repository.js';
import { BrowserSession } from '../../helpers/browser-session.js';
import { medecin } from '../../helpers/fixtures.js';
import { authorizationRequest } from '../../helpers/flows.js';
import { registerRp, type TestRp } from '../../helpers/rp.js';
import { AgentClient } from './helpers/card-flow.js';
import { startCardIdp, type CardIdp } from './helpers/card-idp.js';
import { CARDS, ensureTestCards, PIN, type TestCards } from './helpers/test-cards.js';

// End to end with the real provider: openid-client RP → login page → agent on SoftHSM2 → card
// routes → interaction result → code → tokens and userinfo from the mirror.
let cards: TestCards;
let env: CardIdp;
let rp: TestRp;

beforeAll(async () => {
  cards = ensureTestCards();
  env = await startCardIdp(cards, 'CPS3 TEST KIT');
  await saveProfessional(env.idp.database.db, medecin(CARDS.kit.nationalId));
  await saveProfessional(env.idp.database.db, medecin(CARDS.old.nationalId));
  rp = await registerRp(env.idp);
});
afterAll(async () => {
  await env?.close();
  finalizePkcs11Modules();
});

/** What the login page's script reads from the card section. */
function cardSection(html: string) {
  const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(html)?.[1]?.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
  return { agentUrl: attr('data-agent-url')!, challengeUrl: attr('data-challenge-url')!, verifyUrl: attr('data-verify-url')!, csrf: attr('data-csrf')! };
}

/** Browser steps up to the login page, then what login.js does, with `card` in the reader. */
async function cardLogin(browser: BrowserSession, certificateOverride?: Buffer) {
  const request = await authorizationRequest(rp);
  const { url: loginUrl, response } = await browser.follow(request.url.toString(), { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
  expect(loginUrl.pathname).toMatch(/\/interaction\/[^/]+$/);
  // The strict CSP must let the page reach the agent (and nothing else off-origin).
  expect(response!.headers.get('content-security-policy')).toMatch(new RegExp(`connect-src 'self' ${env.agent.url}(;|$)`));
  const page = await response!.text();
  expect(page).toContain('Se connecter avec ma carte CPS');
  expect(page).toContain('<script src="/card/login.js" defer></script>');
  const section = cardSection(page);
  expect(section.agentUrl).toBe(env.agent.url);
  const json = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': section.csrf };
  const challenge = await (await browser.fetch(`${env.idp.url}${section.challengeUrl}`, { method: 'POST', headers: json, body: '{}' })).json() as Record<string, string>;
  const agent = new AgentClient(section.agentUrl, env.idp.url);
  const signed = await agent.sign({ challenge: challenge.challenge, pin: PIN });
  expect(signed.status).toBe(200);
  const verify = await browser.fetch(`${env.idp.url}${section.verifyUrl}`, {
    method: 'POST', headers: json,
    body: JSON.stringify({
      challengeId: challenge.challengeId, signature: signed.body.signature,
      certificate: certificateOverride?.toString('base64') ?? signed.body.certificate,
    }),
  });
  return { request, verify, body: await verify.json() as Record<string, string> };
}

describe('CPS card login through the provider (openid-client relying party)', () => {
  test('ID token SubjectNameID is the card\'s national id; userinfo carries the mirror\'s claims; authMode CARD', async () => {
    const browser = new BrowserSession();
    const { request, verify, body } = await cardLogin(browser);
    expect(verify.status).toBe(200);
    const back = await browser.follow(new URL(body.redirect!, env.idp.url).toString(), { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
    const tokens = await client.authorizationCodeGrant(rp.config, back.url, {
      pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state,
    });
    const idToken = tokens.claims()!;
    expect(idToken.SubjectNameID).toBe('899700218896');
    expect(idToken.sub).toBe(`f:${env.idp.settings.subjectUuid}:899700218896`);
    expect(idToken.acr).toBe('eidas1');
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, idToken.sub);
    expect(userinfo).toMatchObject({
      SubjectNameID: '899700218896', given_name: 'KIT', family_name: 'DOC0042788', authMode: 'CARD',
      SubjectRefPro: { exercices: [expect.objectContaining({ codeProfession: '10', activities: expect.any(Array) })] },
    });
  });

  test('a refused card is explained in French (JSON for the page); no login happens', async () => {
    const browser = new BrowserSession();
    const { verify, body } = await cardLogin(browser, cards.certificateDer('old'));
    expect(verify.status).toBe(403);
    expect(body.error).toBe('CARD_CERT_EXPIRED');
    expect(body.message).toMatch(/^Votre carte a expiré le/);
    expect(body.redirect).toBeUndefined();
  });

  test('card routes of an unknown interaction are refused by the host (no cookie, no challenge)', async () => {
    const res = await fetch(`${env.idp.url}${env.idp.settings.issuerPath}/interaction/unknown-uid/card/challenge`, {
      method: 'POST', headers: { Accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('INTERACTION_EXPIRED');
  });
});
