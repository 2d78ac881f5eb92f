import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { createCardAuthenticator } from '../../../src/authenticators/card/plugin.js';
import { saveProfessional } from '../../../src/directory/repository.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { medecin } from '../../helpers/fixtures.js';
import { ServerClient, type Interaction } from './helpers/card-flow.js';
import { CARDS, ensureTestCards, type TestCards } from './helpers/test-cards.js';
import { startTestApp, TestHost, cardTestSettings, type TestApp } from './helpers/test-host.js';

// Second entry: the certificate comes from TLS client authentication at a reverse proxy.
let cards: TestCards;
let t: TestDatabase;
const apps: { host: TestHost; app: TestApp; server: ServerClient }[] = [];

async function appWith(env: Record<string, string>) {
  const host = new TestHost(cardTestSettings({ CARD_TRUST_ANCHORS: cards.trustDir, CARD_CRLS: cards.crlPem, ...env }), t.database);
  const app = await startTestApp(host, createCardAuthenticator);
  const entry = { host, app, server: new ServerClient(app.url, host.settings.issuerPath, (uid) => host.openInteraction(uid)) };
  apps.push(entry);
  return entry;
}

function post(server: ServerClient, i: Interaction, headers: Record<string, string>) {
  return fetch(server.url(i, 'mtls'), {
    method: 'POST', redirect: 'manual',
    headers: { Cookie: i.cookie, 'X-CSRF-Token': i.csrf, Accept: 'application/json', ...headers },
  });
}

beforeAll(async () => {
  cards = ensureTestCards();
  t = await createTestDatabase();
  await saveProfessional(t.database.db, medecin(CARDS.kit.nationalId));
  await saveProfessional(t.database.db, medecin(CARDS.old.nationalId));
});
afterAll(async () => {
  for (const a of apps) await a.app.close();
  await t?.drop();
});

describe('card login with the certificate a TLS proxy verified', () => {
  test('pem-urlencoded header (nginx $ssl_client_escaped_cert) from a trusted proxy logs in', async () => {
    const { host, server } = await appWith({ CLIENT_CERT_HEADER: 'X-SSL-Client-Cert', TRUSTED_PROXIES: '10.1.1.1,127.0.0.1' });
    const i = server.interaction();
    const res = await post(server, i, { 'X-SSL-Client-Cert': encodeURIComponent(cards.certificatePem('kit')) });
    expect(res.status).toBe(200);
    expect(host.results).toEqual([{ uid: i.uid, result: { nationalId: '899700218896', authMode: 'CARD', amr: ['sc', 'pin'] } }]);
  });

  test('base64-der header (HAProxy) from a trusted proxy logs in', async () => {
    const { host, server } = await appWith({ CLIENT_CERT_HEADER: 'x-client-der', CLIENT_CERT_HEADER_FORMAT: 'base64-der', TRUSTED_PROXIES: '127.0.0.1' });
    const i = server.interaction();
    expect((await post(server, i, { 'x-client-der': cards.certificateDer('kit').toString('base64') })).status).toBe(200);
    expect(host.results[0]!.result.nationalId).toBe('899700218896');
  });

  test('the same header from an address not in TRUSTED_PROXIES is ignored', async () => {
    const { host, server } = await appWith({ CLIENT_CERT_HEADER: 'x-ssl-client-cert', TRUSTED_PROXIES: '10.1.1.1' });
    const i = server.interaction();
    const res = await post(server, i, { 'x-ssl-client-cert': encodeURIComponent(cards.certificatePem('kit')) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'CARD_MTLS_NO_CERTIFICATE', message: expect.stringMatching(/aucun certificat de carte/) });
    expect(host.results).toEqual([]);
  });

  test('the proxy certificate gets the same validation: an expired card is refused', async () => {
    const { server } = await appWith({ CLIENT_CERT_HEADER: 'x-ssl-client-cert', TRUSTED_PROXIES: '127.0.0.1' });
    const i = server.interaction();
    const res = await post(server, i, { 'x-ssl-client-cert': encodeURIComponent(cards.certificatePem('old')) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('CARD_CERT_EXPIRED');
  });

  test('the proxy entry needs the interaction\'s anti-CSRF token too', async () => {
    const { host, server } = await appWith({ CLIENT_CERT_HEADER: 'x-ssl-client-cert', TRUSTED_PROXIES: '127.0.0.1' });
    const i = server.interaction();
    const res = await post(server, { ...i, csrf: 'forged' }, { 'x-ssl-client-cert': encodeURIComponent(cards.certificatePem('kit')) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('CARD_CSRF');
    expect(host.results).toEqual([]);
  });

  test('no header, or garbage in it → CARD_MTLS_NO_CERTIFICATE', async () => {
    const { server } = await appWith({ CLIENT_CERT_HEADER: 'x-ssl-client-cert', TRUSTED_PROXIES: '127.0.0.1' });
    expect((await post(server, server.interaction(), {})).status).toBe(401);
    expect((await post(server, server.interaction(), { 'x-ssl-client-cert': 'garbage' })).status).toBe(401);
  });

  test('the login section offers the browser-certificate button only when the proxy entry is configured', async () => {
    const off = await appWith({});
    const on = await appWith({ CLIENT_CERT_HEADER: 'x-ssl-client-cert', TRUSTED_PROXIES: '127.0.0.1' });
    const view = { uid: 'u1', clientId: 'c', clientName: 'n', csrf: 'k', basePath: '/auth/realms/esante-wallet/interaction/u1/card' };
    expect(off.app.plugin.renderLogin(view).html).not.toContain('/card/mtls');
    expect(on.app.plugin.renderLogin(view).html).toContain('action="/auth/realms/esante-wallet/interaction/u1/card/mtls"');
  });
});
