import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest, loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp } from '../helpers/rp.js';
import { authorizeWithTestLogin } from '../helpers/test-login.js';

const ID_NAT = '899700427885';
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ overrides: { TRUSTED_PROXIES: '127.0.0.1', CLIENT_CERT_HEADER: 'X-SSL-Client-Cert' } });
  await saveProfessional(idp.database.db, medecin(ID_NAT));
});
afterAll(async () => { await idp.close(); });

async function codeFor(config: client.Configuration, redirectUri: string) {
  const rp = { config, redirectUri, clientId: '' };
  const request = await authorizationRequest(rp);
  const callback = await authorizeWithTestLogin(idp, new BrowserSession(), request.url, ID_NAT, redirectUri);
  return { request, callback };
}

describe('client authentication methods', () => {
  test('client_secret_post', async () => {
    const rp = await registerRp(idp, { auth: 'post', redirectUris: ['http://127.0.0.1:9/post'] });
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    expect(tokens.claims()!.SubjectNameID).toBe(ID_NAT);
  });

  test('client_secret_basic with characters that need form-encoding in the id', async () => {
    const rp = await registerRp(idp, { clientId: 'dui:cabinet.test-1', redirectUris: ['http://127.0.0.1:9/basic'] });
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    expect(tokens.claims()!.aud).toBe('dui:cabinet.test-1');
  });

  test('private_key_jwt', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' };
    const { clientId } = await idp.openpsc.clients.add({
      name: 'DUI à clé', redirectUris: ['http://127.0.0.1:9/pkjwt'], authMethod: 'private_key_jwt', jwks: { keys: [jwk] },
    });
    const config = await client.discovery(new URL(`${idp.issuer}/.well-known/wallet-openid-configuration`), clientId, {},
      client.PrivateKeyJwt({ key: privateKey, kid: 'rp-key-1' }), { execute: [client.allowInsecureRequests] });
    const { request, callback } = await codeFor(config, 'http://127.0.0.1:9/pkjwt');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.claims()!.SubjectNameID).toBe(ID_NAT);
  });

  test('tls_client_auth with the certificate passed by a trusted reverse proxy; wrong DN refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-mtls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'),
      '-days', '2', '-subj', '/C=FR/O=CABINET TEST/OU=499700427885006/CN=dui.cabinet.test'], { stdio: 'ignore' });
    const pem = readFileSync(path.join(dir, 'c.pem'), 'utf8');
    const { clientId } = await idp.openpsc.clients.add({
      name: 'DUI mTLS', redirectUris: ['http://127.0.0.1:9/mtls'], authMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=dui.cabinet.test,OU=499700427885006,O=CABINET TEST,C=FR',
    });
    const withCert: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-ssl-client-cert', encodeURIComponent(pem));
      return fetch(input, { ...init, headers });
    };
    const config = await client.discovery(new URL(`${idp.issuer}/.well-known/wallet-openid-configuration`), clientId, {},
      client.TlsClientAuth(), { execute: [client.allowInsecureRequests] });
    config[client.customFetch] = withCert as never;
    const { request, callback } = await codeFor(config, 'http://127.0.0.1:9/mtls');
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.claims()!.SubjectNameID).toBe(ID_NAT);

    // the same certificate for a client registered with another DN
    const { clientId: other } = await idp.openpsc.clients.add({
      name: 'Autre', redirectUris: ['http://127.0.0.1:9/mtls2'], authMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=autre,C=FR',
    });
    const res = await withCert(`${idp.issuer}/protocol/openid-connect/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: other, grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('userinfo', () => {
  test('as a signed JWT when the client registered userinfo_signed_response_alg', async () => {
    const rp = await registerRp(idp, { userinfoSignedResponseAlg: 'RS256', redirectUris: ['http://127.0.0.1:9/jwt-userinfo'] });
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    const res = await fetch(rp.config.serverMetadata().userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.headers.get('content-type')).toMatch(/application\/jwt/);
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo.SubjectNameID).toBe(ID_NAT);
    expect(userinfo.SubjectRefPro).toBeDefined();
  });

  test('as JSON by POST too (PSC relying parties use both)', async () => {
    const rp = await registerRp(idp, { redirectUris: ['http://127.0.0.1:9/post-userinfo'] });
    const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
    const res = await fetch(rp.config.serverMetadata().userinfo_endpoint!, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { SubjectNameID: string }).SubjectNameID).toBe(ID_NAT);
  });

  test('an ID token can be signed PS256 or ES256 for clients that register it', async () => {
    for (const alg of ['PS256', 'ES256'] as const) {
      const rp = await registerRp(idp, { idTokenSignedResponseAlg: alg, redirectUris: [`http://127.0.0.1:9/${alg}`] });
      (rp.config.clientMetadata() as { id_token_signed_response_alg?: string }).id_token_signed_response_alg = alg;
      const { tokens } = await loginAndGetTokens(idp, rp, ID_NAT);
      expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg).toBe(alg);
    }
  });
});
