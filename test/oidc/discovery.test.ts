import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { sample } from '../helpers/samples.js';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp({ overrides: { AUTHORIZATION_ENDPOINT: 'http://127.0.0.1:1/auth' } });
});
afterAll(async () => { await idp.close(); });

const get = async (path: string) => {
  const res = await fetch(`${idp.issuer}${path}`);
  expect(res.status).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
};

describe('discovery (PSC profile)', () => {
  test('served at both paths with the same document', async () => {
    expect(await get('/.well-known/wallet-openid-configuration')).toEqual(await get('/.well-known/openid-configuration'));
  });

  test('Keycloak endpoint paths under the issuer; authorization endpoint on the wallet host', async () => {
    const d = await get('/.well-known/wallet-openid-configuration');
    const i = idp.issuer;
    expect(d).toMatchObject({
      issuer: i,
      authorization_endpoint: 'http://127.0.0.1:1/auth',
      token_endpoint: `${i}/protocol/openid-connect/token`,
      userinfo_endpoint: `${i}/protocol/openid-connect/userinfo`,
      end_session_endpoint: `${i}/protocol/openid-connect/logout`,
      jwks_uri: `${i}/protocol/openid-connect/certs`,
      introspection_endpoint: `${i}/protocol/openid-connect/token/introspect`,
      revocation_endpoint: `${i}/protocol/openid-connect/revoke`,
      acr_values_supported: ['eidas1'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
    });
    expect(d.claims_supported).toEqual(expect.arrayContaining(['SubjectNameID', 'SubjectRefPro', 'SubjectRole', 'Secteur_Activite', 'otherIds', 'authMode']));
    expect(d.scopes_supported).toEqual(expect.arrayContaining(['openid', 'scope_all']));
    expect(d.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth']));
  });

  test('the Keycloak-native authorization path works too', async () => {
    const res = await fetch(`${idp.issuer}/protocol/openid-connect/auth?client_id=nobody&response_type=code&scope=openid`, { redirect: 'manual' });
    expect(res.status).toBe(400); // answered by the provider (unknown client), not a 404
  });

  test('every key of the published PSC discovery that OpenPSC implements has the same JSON type', async () => {
    const ours = await get('/.well-known/wallet-openid-configuration');
    const psc = sample('discovery-bas.json');
    const common = Object.keys(psc).filter((k) => k in ours);
    expect(common.length).toBeGreaterThan(25);
    for (const k of common) expect([k, typeof ours[k], Array.isArray(ours[k])]).toEqual([k, typeof psc[k], Array.isArray(psc[k])]);
  });

  test('JWKS publishes public keys only, RS256 first', async () => {
    const { keys } = await get('/protocol/openid-connect/certs') as unknown as { keys: Record<string, unknown>[] };
    expect(keys.map((k) => k.alg)).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256']));
    for (const k of keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k[priv]).toBeUndefined();
  });

  test('no CORS on token, userinfo and introspection (PSC forbids browser clients)', async () => {
    const preflight = await fetch(`${idp.issuer}/protocol/openid-connect/token`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await fetch(`${idp.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x&client_id=y',
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
