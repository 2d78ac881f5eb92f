import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import { saveProfessional } from '../../src/directory/repository.js';
import { medecin } from '../helpers/fixtures.js';
import { loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { registerRp, type TestRp } from '../helpers/rp.js';

const ID_NAT = '899700427885';
let idp: TestIdp;
let rp: TestRp;

beforeAll(async () => {
  idp = await startTestIdp();
  await saveProfessional(idp.database.db, medecin(ID_NAT));
  rp = await registerRp(idp);
});
afterAll(async () => { await idp.close(); });

async function login() {
  const { tokens, request, callback } = await loginAndGetTokens(idp, rp, ID_NAT);
  return { tokens, nonce: request.nonce, state: request.state, callback };
}

describe('authorization code flow (openid-client, wallet discovery)', () => {
  test('code + PKCE + nonce + state gives PSC-shaped tokens', async () => {
    const { tokens, nonce, callback } = await login();
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    const idToken = tokens.claims()!;
    expect(idToken.acr).toBe('eidas1');
    expect(idToken.nonce).toBe(nonce);
    expect(idToken.SubjectNameID).toBe(ID_NAT);
    expect(idToken.preferred_username).toBe(ID_NAT);
    expect(idToken.given_name).toBe('KIT');
    expect(idToken.family_name).toBe('DOC0042788');
    expect(idToken.sub).toBe(`f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:${ID_NAT}`);
    expect(idToken.SubjectRefPro).toBeUndefined();

    expect(tokens.expires_in).toBe(120);
    const raw = tokens as unknown as Record<string, unknown>;
    expect(raw.refresh_expires_in).toBe(1800);
    expect(raw['not-before-policy']).toBe(0);
    expect(typeof raw.session_state).toBe('string');

    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const at = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({ iss: idp.issuer, typ: 'Bearer', azp: rp.clientId, nonce, acr: 'eidas1', authMode: 'CARD', preferred_username: ID_NAT });
    expect(at.session_state).toBe(raw.session_state);
    expect(at.otherIds).toEqual([{ identifiant: ID_NAT, origine: 'RPPS', qualite: 1 }]);
    expect(at.exp! - at.iat!).toBe(120);
  });

  test('userinfo returns the PSC claims as JSON', async () => {
    const { tokens } = await login();
    const userinfo = await client.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo.SubjectNameID).toBe(ID_NAT);
    expect(userinfo.authMode).toBe('CARD');
    expect(userinfo.SubjectRole).toEqual(['10^1.2.250.1.213.1.1.5.5']);
    expect((userinfo.SubjectRefPro as { exercices: unknown[] }).exercices).toHaveLength(1);
  });

  test('introspection of the access token carries SubjectNameID; of a refresh token too; revoked → inactive', async () => {
    const { tokens } = await login();
    const at = await client.tokenIntrospection(rp.config, tokens.access_token);
    expect(at).toMatchObject({ active: true, SubjectNameID: ID_NAT, username: ID_NAT, client_id: rp.clientId, authMode: 'CARD' });
    const rt = await client.tokenIntrospection(rp.config, tokens.refresh_token!);
    expect(rt.active).toBe(true);
    await client.tokenRevocation(rp.config, tokens.access_token);
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
  });

  test('refresh rotates the refresh token; reusing the old one is refused and revokes the grant', async () => {
    const { tokens } = await login();
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // reuse detection revoked the whole grant, the rotated token included
    await expect(client.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.tokenIntrospection(rp.config, refreshed.access_token)).toEqual({ active: false });
  });
});
