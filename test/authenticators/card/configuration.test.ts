import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { pkcs11ModulePath } from '../../../src/authenticators/card/agent/default-module.js';
import { finalizePkcs11Modules } from '../../../src/authenticators/card/agent/pkcs11-module.js';
import { KeyedQueue } from '../../../src/authenticators/card/agent/queue.js';
import { checkCertificateFile, runCardAgent } from '../../../src/authenticators/card/cli.js';
import { renderCardSection } from '../../../src/authenticators/card/views.js';
import { loadSettings, projectRoot } from '../../../src/config/settings.js';
import { createLogger } from '../../../src/log/logger.js';
import { ensureTestCards, SOFTHSM_MODULE, type TestCards } from './helpers/test-cards.js';

let cards: TestCards;
beforeAll(() => { cards = ensureTestCards(); });
afterAll(() => { finalizePkcs11Modules(); });

describe('card settings', () => {
  test('defaults: agent on 127.0.0.1:23777 answering the PUBLIC_URL origin, refuse stale CRLs', () => {
    const s = loadSettings({ PUBLIC_URL: 'https://psc.example.fr' }).card;
    expect(s).toMatchObject({
      agentUrl: 'http://127.0.0.1:23777', agentPort: 23777, agentOrigin: 'https://psc.example.fr',
      crlStalePolicy: 'refuse', challengeTtl: 120, challengesPerInteraction: 10, trustAnchors: [], crls: [],
    });
  });

  test('comma-separated anchors and CRLs', () => {
    const s = loadSettings({ CARD_TRUST_ANCHORS: '/a, /b/c.pem', CARD_CRLS: 'http://x/y.crl,/z.crl' }).card;
    expect(s.trustAnchors).toEqual(['/a', '/b/c.pem']);
    expect(s.crls).toEqual(['http://x/y.crl', '/z.crl']);
  });

  test.each([
    [{ CARD_AGENT_URL: 'http://agent.example:23777' }, /^CARD_AGENT_URL: .*loopback/],
    [{ CARD_AGENT_URL: 'https://127.0.0.1:23777' }, /^CARD_AGENT_URL: /],
    [{ CARD_AGENT_ORIGIN: 'https://psc.example.fr/path' }, /^CARD_AGENT_ORIGIN: /],
    [{ CARD_CRL_STALE_POLICY: 'ignore' }, /^CARD_CRL_STALE_POLICY: must be one of refuse, warn/],
    [{ CARD_CHALLENGE_TTL: '5' }, /^CARD_CHALLENGE_TTL: /],
    [{ CARD_AGENT_PORT: '70000' }, /^CARD_AGENT_PORT: /],
  ])('bad value %o → ConfigError naming the setting', (env, message) => {
    expect(() => loadSettings(env)).toThrow(message);
  });
});

describe('default PKCS#11 module: the Cryptolib CPS library of the platform', () => {
  test.each([
    ['linux', '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'],
    ['darwin', '/usr/local/lib/libcps3_pkcs11_osx.dylib'],
    ['win32', 'cps3_pkcs11_w64.dll'],
  ] as const)('%s → %s', (platform, expected) => {
    expect(pkcs11ModulePath('', platform)).toBe(expected);
  });
  test('macOS: the pre-10.11 location when only that one exists', () => {
    expect(pkcs11ModulePath('', 'darwin', (f) => f === '/usr/lib/libcps3_pkcs11_osx.dylib')).toBe('/usr/lib/libcps3_pkcs11_osx.dylib');
    expect(pkcs11ModulePath('', 'darwin', () => false)).toBe('/usr/local/lib/libcps3_pkcs11_osx.dylib');
  });
  test('a configured module wins', () => {
    expect(pkcs11ModulePath('/usr/lib/softhsm/libsofthsm2.so', 'linux')).toBe('/usr/lib/softhsm/libsofthsm2.so');
  });
});

describe('per-slot queue', () => {
  test('same key: in order, one at a time, a failure does not block the next; other keys run alongside', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([q.run('s1', task('a', true)), q.run('s1', task('b')), q.run('s2', task('c'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('start b')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start c')).toBeLessThan(log.indexOf('end a'));
  });
});

describe('login page section', () => {
  const view = { uid: 'abc', clientId: 'c', clientName: 'Logiciel', csrf: 'tok"<en', basePath: '/auth/realms/r/interaction/abc/card' };
  const settings = loadSettings({ PUBLIC_URL: 'https://psc.example.fr' }).card;

  test('strict-CSP friendly: no inline script or style, data-* attributes, escaped values, script from the plug-in', () => {
    const section = renderCardSection(view, settings, false);
    expect(section.scripts).toEqual(['/card/login.js']);
    expect(section.html).not.toMatch(/<script|style=|onclick=|javascript:/i);
    expect(section.html).toContain('data-agent-url="http://127.0.0.1:23777"');
    expect(section.html).toContain('data-challenge-url="/auth/realms/r/interaction/abc/card/challenge"');
    expect(section.html).toContain('data-verify-url="/auth/realms/r/interaction/abc/card/verify"');
    expect(section.html).toContain('data-csrf="tok&#34;&#60;en"');
    expect(section.html).toContain('Se connecter avec ma carte CPS');
  });
});

describe('CLI entry points', () => {
  test('openpsc card check-certificate: OK with the national id, or the refusal code', async () => {
    const env = { CARD_TRUST_ANCHORS: cards.trustDir, CARD_CRLS: cards.crlPem, LOG_LEVEL: 'silent' };
    const file = path.join(cards.dir, 'cards', 'kit.pem');
    expect(await checkCertificateFile(file, env, createLogger('silent'))).toBe('899700218896');
    await expect(checkCertificateFile(path.join(cards.dir, 'cards', 'lost.pem'), env, createLogger('silent'))).rejects.toMatchObject({ code: 'CARD_CERT_REVOKED' });
  });

  test('openpsc card-agent: flags over settings, listens on loopback, signs with SoftHSM2', async () => {
    const agent = await runCardAgent(
      { module: SOFTHSM_MODULE, port: '0', origin: 'https://psc.example.fr/' },
      // NODE_ENV=production on a workstation: no server secrets needed by the agent.
      { CARD_AGENT_PKCS11_MODULE: '/nonexistent.so', NODE_ENV: 'production' }, createLogger('silent'),
    );
    try {
      expect(agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${agent.url}/v1/cards`, { headers: { Origin: 'https://psc.example.fr' } });
      expect(res.status).toBe(200);
      const body = await res.json() as { cards: { label: string }[] };
      expect(body.cards.map((c) => c.label)).toContain('CPS3 TEST KIT');
    } finally {
      await agent.close();
    }
  });

  test('the browser script file exists and uses no eval (CSP without unsafe-eval)', () => {
    const script = readFileSync(path.join(projectRoot, 'static', 'card', 'login.js'), 'utf8');
    expect(script).toContain("getElementById('card-login')");
    expect(script).not.toMatch(/\beval\(|new Function|innerHTML/);
  });
});

describe('openpsc card check-certificate (in-process CLI)', () => {
  test('prints OK with the national id', async () => {
    const { runCli } = await import('../../helpers/cli.js');
    Object.assign(process.env, { CARD_TRUST_ANCHORS: cards.trustDir, CARD_CRLS: cards.crlPem, LOG_LEVEL: 'silent' });
    try {
      expect(await runCli(['card', 'check-certificate', path.join(cards.dir, 'cards', 'kit.pem')])).toBe('OK: national id 899700218896');
    } finally {
      delete process.env.CARD_TRUST_ANCHORS;
      delete process.env.CARD_CRLS;
      delete process.env.LOG_LEVEL;
    }
  });
});
