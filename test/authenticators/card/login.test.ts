import http from 'node:http';
import { Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { CardReader } from '../../../src/authenticators/card/agent/card-reader.js';
import { finalizePkcs11Modules, loadPkcs11Module } from '../../../src/authenticators/card/agent/pkcs11-module.js';
import { startCardAgent, type RunningAgent } from '../../../src/authenticators/card/agent/server.js';
import { createCardAuthenticator } from '../../../src/authenticators/card/plugin.js';
import { endActivities, saveProfessional } from '../../../src/directory/repository.js';
import { createLogger } from '../../../src/log/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { medecin } from '../../helpers/fixtures.js';
import { AgentClient, ServerClient, signWithCard } from './helpers/card-flow.js';
import { CARDS, ensureTestCards, PIN, SOFTHSM_MODULE, type TestCards } from './helpers/test-cards.js';
import { startTestApp, TestHost, cardTestSettings, type TestApp } from './helpers/test-host.js';

// End to end without the provider: agent on SoftHSM2 → server routes → mirror, through a test host.
let cards: TestCards;
let t: TestDatabase;
let host: TestHost;
let app: TestApp;
let agentProcess: RunningAgent;
let agent: AgentClient;
let server: ServerClient;

beforeAll(async () => {
  cards = ensureTestCards();
  t = await createTestDatabase();
  for (const name of ['kit', 'idle', 'old', 'soon', 'lost', 'evil', 'nku', 'cpa'] as const) {
    await saveProfessional(t.database.db, medecin(CARDS[name].nationalId));
  }
  await endActivities(t.database.db, CARDS.idle.nationalId);
  const settings = cardTestSettings({ CARD_TRUST_ANCHORS: cards.trustDir, CARD_CRLS: cards.crlPem });
  host = new TestHost(settings, t.database);
  app = await startTestApp(host, createCardAuthenticator);
  agentProcess = await startCardAgent({
    reader: () => new CardReader(loadPkcs11Module(SOFTHSM_MODULE)),
    allowedOrigin: settings.card.agentOrigin,
    port: 0,
    logger: createLogger('silent'),
  });
  agent = new AgentClient(agentProcess.url, settings.card.agentOrigin);
  server = new ServerClient(app.url, settings.issuerPath, (uid) => host.openInteraction(uid));
});

afterAll(async () => {
  await agentProcess?.close();
  await app?.close();
  await t?.drop();
  finalizePkcs11Modules();
});

describe('card login through the agent on SoftHSM2', () => {
  test('the card signs, the server verifies and logs in the professional of the CN', async () => {
    const i = server.interaction();
    const res = await server.verify(i, await signWithCard(server, agent, cards, i, 'kit'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ redirect: '/done' });
    expect(host.results.find((r) => r.uid === i.uid)?.result).toEqual({
      nationalId: '899700218896', authMode: 'CARD', amr: ['sc', 'pin'],
    });
  });

  test('a structure card (CN `<structure id>/<n°>`) logs in with that national id', async () => {
    const i = server.interaction();
    const res = await server.verify(i, await signWithCard(server, agent, cards, i, 'cpa'));
    expect(res.status).toBe(200);
    expect(host.results.find((r) => r.uid === i.uid)?.result.nationalId).toBe('500000001815646/CPAT00045');
  });

  test('the agent reads the authentication certificate, not the signature one (same token)', async () => {
    const i = server.interaction();
    const signed = await signWithCard(server, agent, cards, i, 'kit');
    expect(Buffer.from(signed.certificate, 'base64')).toEqual(cards.certificateDer('kit'));
  });

  const refused: [string, Parameters<typeof signWithCard>[4], number, string, RegExp][] = [
    ['expired certificate', 'old', 403, 'CARD_CERT_EXPIRED', /a expiré le/],
    ['not-yet-valid certificate', 'soon', 403, 'CARD_CERT_NOT_YET_VALID', /utilisable qu'à partir du/],
    ['certificate of another chain with the same CA names', 'evil', 403, 'CARD_CERT_UNTRUSTED', /autorité reconnue/],
    ['certificate revoked by the CRL', 'lost', 403, 'CARD_CERT_REVOKED', /révoquée/],
    ['certificate without digitalSignature', 'nku', 403, 'CARD_CERT_KEY_USAGE', /ne permet pas l'authentification/],
    ['national id absent from the mirror', 'ghost', 403, 'CARD_PROFESSIONAL_UNKNOWN', /ne figure pas dans l'Annuaire Santé/],
    ['professional with no current activity', 'idle', 403, 'CARD_PROFESSIONAL_INACTIVE', /aucune activité en cours/],
  ];
  test.each(refused)('refused: %s', async (_what, card, status, code, message) => {
    const i = server.interaction();
    const res = await server.verify(i, await signWithCard(server, agent, cards, i, card));
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(code);
    expect(res.body.message).toMatch(message);
    expect(host.results.some((r) => r.uid === i.uid)).toBe(false);
    const logged = host.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.uid === i.uid);
    expect(logged).toMatchObject({ event: 'card.login_refused', error: code });
    expect(host.failures).toContainEqual({ authenticator: 'card', errorCode: code });
  });

  test('refused: signature made by another card\'s key', async () => {
    const i = server.interaction();
    const genuine = await signWithCard(server, agent, cards, i, 'kit');
    const other = await agent.sign({ challenge: (await server.challenge(i)).body.challenge, pin: PIN, slot: await agent.slotOf(cards.label('ghost')) });
    const res = await server.verify(i, { ...genuine, signature: other.body.signature });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'CARD_SIGNATURE_INVALID', message: expect.stringMatching(/ne correspond pas à son certificat/) });
  });

  test('refused: the card\'s signature of another challenge', async () => {
    const i = server.interaction();
    const first = await signWithCard(server, agent, cards, i, 'kit');
    const second = await server.challenge(i);
    const res = await server.verify(i, { ...first, challengeId: second.body.challengeId });
    expect(res.body.error).toBe('CARD_SIGNATURE_INVALID');
  });

  test('refused: replayed challenge (a signature is good once)', async () => {
    const i = server.interaction();
    const signed = await signWithCard(server, agent, cards, i, 'kit');
    expect((await server.verify(i, signed)).status).toBe(200);
    const j = server.interaction(i.uid);
    const replay = await server.verify(j, signed);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('CARD_CHALLENGE_USED');
    expect(replay.body.message).toMatch(/déjà été utilisée/);
  });

  test('refused: challenge issued to another interaction', async () => {
    const a = server.interaction();
    const b = server.interaction();
    const signedForA = await signWithCard(server, agent, cards, a, 'kit');
    const res = await server.verify(b, signedForA);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('CARD_CHALLENGE_WRONG_INTERACTION');
    expect(res.body.message).toMatch(/autre connexion/);
    // …and A's challenge is still usable by A.
    expect((await server.verify(a, signedForA)).status).toBe(200);
  });

  test('refused: unknown challenge id and malformed input', async () => {
    const i = server.interaction();
    const signed = await signWithCard(server, agent, cards, i, 'kit');
    expect((await server.verify(i, { ...signed, challengeId: 'AAAAAAAAAAAAAAAAAAAAAA' })).body.error).toBe('CARD_CHALLENGE_UNKNOWN');
    expect((await server.verify(i, { certificate: signed.certificate, signature: signed.signature })).body.error).toBe('CARD_BAD_REQUEST');
    expect((await server.verify(i, { ...signed, signature: undefined })).body.error).toBe('CARD_BAD_REQUEST');
    expect((await server.verify(i, { ...signed, certificate: 'not base64!' })).body.error).toBe('CARD_BAD_REQUEST');
    expect((await server.verify(i, { ...signed, certificate: Buffer.from('junk').toString('base64') })).body.error).toBe('CARD_CERT_MALFORMED');
  });

  test('the login page script is served by the plug-in\'s public route', async () => {
    const res = await fetch(`${app.url}/card/login.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(await res.text()).toContain('data-card-form');
  });

  test('a challenge needs the interaction (its cookie): no cookie, no challenge', async () => {
    const i = server.interaction();
    const res = await fetch(server.url(i, 'challenge'), { method: 'POST', headers: { 'X-CSRF-Token': i.csrf } });
    expect(res.status).toBe(400);
  });

  test('CSRF: challenge and verify need the interaction\'s anti-CSRF token', async () => {
    const i = server.interaction();
    const noToken = await server.challenge({ ...i, csrf: '' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toBe('CARD_CSRF');
    const signed = await signWithCard(server, agent, cards, i, 'kit');
    const forged = await server.verify({ ...i, csrf: server.interaction().csrf }, signed);
    expect(forged.body.error).toBe('CARD_CSRF');
    expect((await server.verify(i, signed)).status).toBe(200);
  });

  test('an interaction gets at most CARD_CHALLENGES_PER_INTERACTION challenges', async () => {
    const i = server.interaction();
    const limit = host.settings.card.challengesPerInteraction;
    for (let k = 0; k < limit; k += 1) expect((await server.challenge(i)).status).toBe(200);
    const res = await server.challenge(i);
    expect(res.status).toBe(429);
    expect(res.body.error).toBe('CARD_TOO_MANY_ATTEMPTS');
  });

  test('a refused form post (the login page) gets a French HTML page with a way back', async () => {
    const i = server.interaction();
    const signed = await signWithCard(server, agent, cards, i, 'old');
    const res = await fetch(server.url(i, 'verify'), {
      method: 'POST', redirect: 'manual',
      headers: { Cookie: i.cookie, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: new URLSearchParams({ ...signed, csrf: i.csrf }).toString(),
    });
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain('data-card-error="CARD_CERT_EXPIRED"');
    expect(page).toContain(`href="${host.settings.issuerPath}/interaction/${i.uid}"`);
    expect(page).not.toMatch(/<script/);
  });
});

describe('card agent errors on SoftHSM2', () => {
  test('wrong PIN: CARD_PIN_INCORRECT in French, then the right PIN still works', async () => {
    const i = server.interaction();
    const c = await server.challenge(i);
    const slot = await agent.slotOf(cards.label('ghost'));
    const wrong = await agent.sign({ challenge: c.body.challenge, pin: '9999', slot });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('CARD_PIN_INCORRECT');
    expect(wrong.body.message).toMatch(/^Code porteur incorrect/);
    expect(['unknown', 'low', 'final']).toContain(wrong.body.tries);
    expect((await agent.sign({ challenge: c.body.challenge, pin: PIN, slot })).status).toBe(200);
  });

  test('PIN of the wrong length is refused before the card sees it', async () => {
    const res = await agent.sign({ challenge: Buffer.alloc(32).toString('base64'), pin: '12', slot: await agent.slotOf(cards.label('kit')) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('CARD_PIN_LENGTH');
    expect(res.body.message).toMatch(/Aucun essai n'a été décompté/);
  });

  test('card absent: no token with the expected label', async () => {
    const other = await startCardAgent({
      reader: () => new CardReader(loadPkcs11Module(SOFTHSM_MODULE), { tokenLabel: 'CPS3 TEST ABSENT' }),
      allowedOrigin: agent.origin, port: 0, logger: createLogger('silent'),
    });
    try {
      const client = new AgentClient(other.url, agent.origin);
      expect((await client.cards()).body.cards).toEqual([]);
      const res = await client.sign({ challenge: Buffer.alloc(32).toString('base64'), pin: PIN });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('CARD_ABSENT');
      expect(res.body.message).toMatch(/Insérez votre carte/);
    } finally {
      await other.close();
    }
  });

  test('module not found: a clear French message naming the path and the setting', async () => {
    const other = await startCardAgent({
      reader: () => new CardReader(loadPkcs11Module('/opt/santesocial/CPS/lib/absent.so')),
      allowedOrigin: agent.origin, port: 0, logger: createLogger('silent'),
    });
    try {
      const res = await new AgentClient(other.url, agent.origin).cards();
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('CARD_MODULE_NOT_FOUND');
      expect(res.body.message).toMatch(/Cryptolib CPS.*absent\.so.*CARD_AGENT_PKCS11_MODULE/);
    } finally {
      await other.close();
    }
  });

  test('the agent answers only the configured origin, under a loopback Host', async () => {
    const preflight = await fetch(`${agent.url}/v1/sign`, {
      method: 'OPTIONS',
      headers: {
        Origin: agent.origin, 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type', 'Access-Control-Request-Private-Network': 'true',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(agent.origin);
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/i);

    const plain = await fetch(`${agent.url}/v1/cards`, { method: 'OPTIONS', headers: { Origin: agent.origin } });
    expect(plain.headers.get('access-control-allow-private-network')).toBeNull();

    const foreign = await fetch(`${agent.url}/v1/cards`, { headers: { Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await foreign.json() as { error: string }).error).toBe('CARD_AGENT_ORIGIN_REFUSED');

    const noOrigin = await fetch(`${agent.url}/v1/cards`);
    expect(noOrigin.status).toBe(403);

    // DNS rebinding: a page of the allowed origin cannot be served under another name (fetch cannot set Host).
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get(`${agent.url}/v1/cards`, { headers: { Origin: agent.origin, Host: `evil.example:${new URL(agent.url).port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).toBe(403);
  });

  test('concurrent signatures on one token are serialised and all succeed', async () => {
    const slot = await agent.slotOf(cards.label('kit'));
    const results = await Promise.all(Array.from({ length: 6 }, (_, k) =>
      agent.sign({ challenge: Buffer.alloc(32, k).toString('base64'), pin: PIN, slot })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(results.map((r) => r.body.signature)).size).toBe(6);
  });

  test('malformed agent requests: oversized body, not JSON, unknown path', async () => {
    const post = (body: string, type = 'application/json') => fetch(`${agent.url}/v1/sign`, {
      method: 'POST', headers: { Origin: agent.origin, 'Content-Type': type }, body,
    });
    const big = await post(JSON.stringify({ challenge: 'x'.repeat(10_000) }));
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: string }).error).toBe('CARD_AGENT_BAD_REQUEST');
    expect((await post('pin=1234', 'application/x-www-form-urlencoded')).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
    const unknown = await fetch(`${agent.url}/v1/keys`, { headers: { Origin: agent.origin } });
    expect(unknown.status).toBe(404);
  });

  test('the agent never logs a PIN, right or wrong', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const logged = await startCardAgent({
      reader: () => new CardReader(loadPkcs11Module(SOFTHSM_MODULE)),
      allowedOrigin: agent.origin, port: 0, logger: createLogger('debug', sink),
    });
    try {
      const client = new AgentClient(logged.url, agent.origin);
      const slot = await client.slotOf(cards.label('ghost'));
      const challenge = Buffer.alloc(32, 3).toString('base64');
      expect((await client.sign({ challenge, pin: '97531', slot })).body.error).toBe('CARD_PIN_INCORRECT');
      expect((await client.sign({ challenge, pin: PIN, slot })).status).toBe(200);
    } finally {
      await logged.close();
    }
    const log = lines.join('');
    expect(log).toContain('CARD_PIN_INCORRECT');
    expect(log).toContain('card_agent.signed');
    expect(log).not.toContain('97531');
    expect(log).not.toMatch(/"pin"\s*:\s*"1234"/);
  });

  test('the agent lists the cards with their PIN state and never echoes a PIN', async () => {
    const { status, body } = await agent.cards();
    expect(status).toBe(200);
    const kit = body.cards.find((c) => c.label === cards.label('kit'));
    expect(kit).toMatchObject({ label: 'CPS3 TEST KIT', pinPad: false, pin: { locked: false, minLength: 4 } });
    const res = await agent.sign({ challenge: 'short', pin: '4321' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain('4321');
  });
});
