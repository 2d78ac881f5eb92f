import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';

import { finalizePkcs11Modules } from '../../../src/authenticators/card/agent/pkcs11-module.js';
import { saveProfessional } from '../../../src/directory/repository.js';
import { medecin } from '../../helpers/fixtures.js';
import { authorizationRequest, type AuthorizationRequest } from '../../helpers/flows.js';
import { registerRp, type TestRp } from '../../helpers/rp.js';
import { startCardIdp, type CardIdp } from './helpers/card-idp.js';
import { CARDS, ensureTestCards, PIN, type TestCards } from './helpers/test-cards.js';

// Chromium on the real login page, the page's script talking to the card agent on SoftHSM2.
let cards: TestCards;
let env: CardIdp;
let rp: TestRp;
let browser: Browser;

beforeAll(async () => {
  cards = ensureTestCards();
  env = await startCardIdp(cards, 'CPS3 TEST KIT');
  await saveProfessional(env.idp.database.db, medecin(CARDS.kit.nationalId));
  rp = await registerRp(env.idp);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  finalizePkcs11Modules();
});

/** A fresh browser context at the login page; the RP's redirect URI is answered by a stub. */
async function openLoginPage(): Promise<{ page: Page; request: AuthorizationRequest; callback: Promise<URL> }> {
  const context = await browser.newContext();
  let resolveCallback!: (u: URL) => void;
  const callback = new Promise<URL>((resolve) => { resolveCallback = resolve; });
  await context.route(`${rp.redirectUri}**`, async (route) => {
    resolveCallback(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>retour au logiciel</p>' });
  });
  const page = await context.newPage();
  const request = await authorizationRequest(rp);
  await page.goto(request.url.toString());
  await page.waitForSelector('#card-login');
  return { page, request, callback };
}

describe('login page in Chromium with the card agent', () => {
  test('PIN typed on the page → signed by the card → the relying party gets the card\'s national id', async () => {
    const { page, request, callback } = await openLoginPage();
    await page.click('[data-card-action="start"]');
    await page.waitForSelector('[data-card-form="pin"]:not(.hidden)');
    await expect(page.textContent('[data-card-field="card-label"]')).resolves.toBe('Carte détectée : CPS3 TEST KIT');
    await page.fill('#card-pin', PIN);
    await page.click('[data-card-form="pin"] button[type="submit"]');
    const back = await callback;
    const tokens = await client.authorizationCodeGrant(rp.config, back, {
      pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state,
    });
    expect(tokens.claims()!.SubjectNameID).toBe('899700218896');
    await page.context().close();
  });

  test('a wrong PIN is explained on the page in French; the right one then logs in', async () => {
    const { page, callback } = await openLoginPage();
    await page.click('[data-card-action="start"]');
    await page.fill('#card-pin', '9999');
    await page.click('[data-card-form="pin"] button[type="submit"]');
    const error = await page.waitForSelector('[data-card-error="CARD_PIN_INCORRECT"]');
    expect(await error.textContent()).toMatch(/^Code porteur incorrect/);
    expect(await page.inputValue('#card-pin')).toBe('');
    await page.fill('#card-pin', PIN);
    await page.click('[data-card-form="pin"] button[type="submit"]');
    expect((await callback).searchParams.get('code')).toBeTruthy();
    await page.context().close();
  });

  test('a card the server refuses (expired) is explained on the page in French', async () => {
    const expired = await startCardIdp(cards, 'CPS3 TEST OLD');
    try {
      await saveProfessional(expired.idp.database.db, medecin(CARDS.old.nationalId));
      const expiredRp = await registerRp(expired.idp);
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto((await authorizationRequest(expiredRp)).url.toString());
      await page.click('[data-card-action="start"]');
      await page.fill('#card-pin', PIN);
      await page.click('[data-card-form="pin"] button[type="submit"]');
      const error = await page.waitForSelector('[data-card-error="CARD_CERT_EXPIRED"]');
      expect(await error.textContent()).toMatch(/^Votre carte a expiré le .* Utilisez votre nouvelle carte/);
      expect(page.url()).toContain('/interaction/');
      await context.close();
    } finally {
      await expired.close();
    }
  });

  // Reader states SoftHSM2 cannot produce (cps-card.md §8.1): the agent's answers are stubbed in the
  // browser, everything else (page, script, server) is real.
  async function stubAgent(page: Page, cardsBody: unknown, signBody?: { status: number; body: unknown }) {
    const sent: Record<string, unknown>[] = [];
    const cors = { 'Access-Control-Allow-Origin': env.idp.url, 'Content-Type': 'application/json' };
    await page.context().route(`${env.agent.url}/v1/cards`, (route) => route.fulfill({ status: 200, headers: cors, body: JSON.stringify(cardsBody) }));
    await page.context().route(`${env.agent.url}/v1/sign`, async (route) => {
      if (route.request().method() === 'OPTIONS') {
        await route.fulfill({ status: 204, headers: { ...cors, 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Allow-Methods': 'POST' } });
        return;
      }
      sent.push(JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>);
      await route.fulfill({ status: signBody?.status ?? 500, headers: cors, body: JSON.stringify(signBody?.body ?? {}) });
    });
    return sent;
  }
  const stubCard = (pin: Record<string, unknown>, pinPad = false) => ({
    cards: [{ slot: '01', label: 'CPS3 CARTE TEST', serial: '1', model: 'IAS ECC', pinPad, pin: { tries: 'unknown', locked: false, minLength: 4, maxLength: 8, ...pin } }],
  });

  test('PIN-pad reader: no PIN field, the page says to type it on the reader and sends no PIN; a cancel is explained', async () => {
    const { page } = await openLoginPage();
    const sent = await stubAgent(page, stubCard({}, true), {
      status: 400, body: { error: 'CARD_PIN_CANCELLED', message: 'La saisie du code sur le lecteur a été annulée. Recommencez quand vous êtes prêt.' },
    });
    await page.click('[data-card-action="start"]');
    const error = await page.waitForSelector('[data-card-error="CARD_PIN_CANCELLED"]');
    expect(await error.textContent()).toMatch(/annulée/);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('pin');
    expect(sent[0]!.challenge).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(await page.isVisible('[data-card-form="pin"]')).toBe(false);
    await page.context().close();
  });

  test('locked card: explained before any PIN is asked', async () => {
    const { page } = await openLoginPage();
    const sent = await stubAgent(page, stubCard({ locked: true }));
    await page.click('[data-card-action="start"]');
    const error = await page.waitForSelector('[data-card-error="CARD_PIN_LOCKED"]');
    expect(await error.textContent()).toMatch(/bloquée.*code de déblocage/);
    expect(await page.isVisible('[data-card-form="pin"]')).toBe(false);
    expect(sent).toHaveLength(0);
    await page.context().close();
  });

  test('last PIN try: a strong warning above the PIN field', async () => {
    const { page } = await openLoginPage();
    await stubAgent(page, stubCard({ tries: 'final' }));
    await page.click('[data-card-action="start"]');
    await page.waitForSelector('[data-card-form="pin"]:not(.hidden)');
    expect(await page.textContent('[data-card-field="pin-warning"]')).toMatch(/un seul essai avant le blocage/);
    await page.context().close();
  });

  test('agent not running: the page says what to start, and offers nothing misleading', async () => {
    const { page } = await openLoginPage();
    await env.agent.close();
    try {
      await page.click('[data-card-action="start"]');
      const error = await page.waitForSelector('[data-card-error="CARD_AGENT_UNREACHABLE"]');
      expect(await error.textContent()).toMatch(/ne répond pas sur ce poste.*openpsc card-agent/);
      expect(await page.isVisible('[data-card-form="pin"]')).toBe(false);
    } finally {
      await page.context().close();
    }
  });
});
