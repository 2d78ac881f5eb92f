import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { medecin } from '../helpers/fixtures.js';
import { loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';
import { sample, shapeOf } from '../helpers/samples.js';

const ID_NAT = '899700427885';
let idp: TestIdp;
let rp: TestRp;
let tokens: Awaited<ReturnType<typeof loginAndGetTokens>>['tokens'];

beforeAll(async () => {
  idp = await startTestIdp();
  await saveProfessional(idp.database.db, medecin(ID_NAT));
  rp = await registerRp(idp);
  ({ tokens } = await loginAndGetTokens(idp, rp, ID_NAT));
});
afterAll(async () => { await idp.close(); });

const keysOf = (o: object) => Object.keys(o).sort();

describe('payloads compared key by key with the published PSC captures', () => {
  test('token response: the Keycloak shape of psc-contract.md §7', () => {
    const raw = tokens as unknown as Record<string, unknown>;
    expect(keysOf(raw)).toEqual(keysOf({
      access_token: 1, expires_in: 1, refresh_expires_in: 1, refresh_token: 1, token_type: 1, id_token: 1,
      'not-before-policy': 1, session_state: 1, scope: 1,
    }));
    expect(raw.scope).toBe('openid scope_all');
  });

  test('access token payload: every key of the 2023 capture, same types (plus aud-free, no extras)', () => {
    const published = sample('access-token-payload-2023.json');
    const ours = decodeJwt(tokens.access_token) as Record<string, unknown>;
    expect(keysOf(ours)).toEqual(keysOf(published));
    expect(shapeOf(ours)).toEqual(shapeOf(published));
    expect(ours.sub).toMatch(/^f:[0-9a-f-]{36}:899700427885$/);
  });

  test('introspection of an access token: the 2021 capture keys (email_verified aside) plus authMode, otherIds, sid, SubjectNameID', async () => {
    const published = sample('introspection.json');
    const ours = await client.tokenIntrospection(rp.config, tokens.access_token) as Record<string, unknown>;
    const { email_verified: _e, ...expected } = published;
    expect(ours).toEqual(expect.objectContaining(Object.fromEntries(Object.keys(expected).map((k) => [k, expect.anything()]))));
    for (const k of Object.keys(expected)) expect([k, typeof ours[k]]).toEqual([k, typeof expected[k]]);
    expect(ours).toMatchObject({ SubjectNameID: ID_NAT, authMode: 'CARD', otherIds: [{ identifiant: ID_NAT, origine: 'RPPS', qualite: 1 }] });
  });

  test('introspection of an invalid token: exactly the inactive capture', async () => {
    expect(await client.tokenIntrospection(rp.config, 'not-a-token')).toEqual(sample('introspection-inactive.json'));
  });

  test('userinfo: same keys and types as the 2023 médecin capture (+ the Nov 2023 top-level codes)', async () => {
    const published = sample('userinfo-medecin.json');
    const ours = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub) as Record<string, unknown>;
    const { codeCivilite, codeGenreActivite, ...rest } = ours;
    expect(shapeOf(rest)).toEqual(shapeOf(published));
    expect([typeof codeCivilite, typeof codeGenreActivite]).toEqual(['string', 'string']);
  });

  test('ID token: acr eidas1, SubjectNameID, preferred_username, names, nonce; not the professional record', () => {
    const id = tokens.claims()!;
    expect(id).toMatchObject({ acr: 'eidas1', SubjectNameID: ID_NAT, preferred_username: ID_NAT, given_name: 'KIT', family_name: 'DOC0042788', aud: rp.clientId });
    expect(id.SubjectRefPro).toBeUndefined();
    expect(id.exp - id.iat).toBe(120);
  });
});

describe('introspection policy', () => {
  test('another client cannot introspect; a resource server can', async () => {
    const other = await registerRp(idp, { redirectUris: ['http://127.0.0.1:9/other'] });
    expect(await client.tokenIntrospection(other.config, tokens.access_token)).toEqual({ active: false });
    const api = await registerRp(idp, { redirectUris: ['http://127.0.0.1:9/api'], resourceServer: true });
    expect(await client.tokenIntrospection(api.config, tokens.access_token)).toMatchObject({ active: true, SubjectNameID: ID_NAT });
  });
});
