import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';

import type { TestIdp } from '../helpers/idp.js';
import { sample } from '../helpers/samples.js';
import { ConformanceClient } from './support/client.js';
import { compareShape } from './support/compare-shape.js';
import { PROFESSIONAL, startConformanceOp } from './support/op.js';

/**
 * PSC compatibility: OpenPSC's payloads compared key by key with the published PSC captures
 * (../shared/reference/samples/) and, where no capture is published, with the shapes of
 * psc-contract.md. Same keys, same JSON types; values differ. One report row per payload.
 */

let idp: TestIdp;
let rp: ConformanceClient;
let login: Awaited<ReturnType<ConformanceClient['login']>>;

beforeAll(async () => {
  idp = await startConformanceOp();
  rp = await ConformanceClient.register(idp, 'psc', { scopes: ['openid', 'scope_all'] });
  login = await rp.login({ scope: 'openid scope_all', acr_values: 'eidas1' });
});
afterAll(async () => { await idp.close(); });

const NO_DIFF = { missing: [], extra: [], typeMismatches: [] };

/**
 * Members of PSC's (Keycloak's) discovery copy that OpenPSC leaves out on purpose: features it does
 * not offer (psc-contract.md §2, §3 "advertise only what is implemented"). A member appearing in
 * or leaving this list is a change to review.
 */
const DISCOVERY_NOT_OFFERED = [
  'authorization_encryption_alg_values_supported', 'authorization_encryption_enc_values_supported',
  'authorization_signing_alg_values_supported',
  'backchannel_authentication_request_signing_alg_values_supported', // CIBA requests are plain form posts
  'check_session_iframe', 'device_authorization_endpoint', 'frontchannel_logout_session_supported',
  'frontchannel_logout_supported', 'id_token_encryption_alg_values_supported', 'id_token_encryption_enc_values_supported',
  'mtls_endpoint_aliases', 'registration_endpoint', 'request_object_encryption_alg_values_supported',
  'request_object_encryption_enc_values_supported', 'request_object_signing_alg_values_supported',
  'request_parameter_supported', 'require_request_uri_registration', 'userinfo_encryption_alg_values_supported',
  'userinfo_encryption_enc_values_supported',
];

describe('psc-compatibility', () => {
  test('psc-discovery-document', async () => {
    const ours = await (await fetch(`${idp.issuer}/.well-known/wallet-openid-configuration`)).json() as Record<string, unknown>;
    const diff = compareShape(ours, sample('discovery-bas.json'));
    expect(diff.typeMismatches).toEqual([]);
    expect(diff.missing).toEqual(DISCOVERY_NOT_OFFERED);
    // what OpenPSC adds is standard metadata (RFC 8414 / OIDC Discovery), never a renamed PSC member
    for (const k of diff.extra) expect(k).toMatch(/_supported$|_endpoint$|^claims_parameter_supported$/);
    expect(ours).toMatchObject({ acr_values_supported: ['eidas1'], code_challenge_methods_supported: ['S256'] });
  });

  test('psc-token-response', () => {
    // psc-contract.md §7 (Keycloak's token response; no capture is published)
    const contract = {
      access_token: 'eyJ…', expires_in: 120, refresh_expires_in: 1800, refresh_token: 'eyJ…', token_type: 'Bearer',
      id_token: 'eyJ…', 'not-before-policy': 0, session_state: 'f75fe973-d88c-4487-a9f9-6099737344c2', scope: 'openid scope_all',
    };
    expect(compareShape({ ...login.tokens }, contract)).toEqual(NO_DIFF);
    expect(login.tokens).toMatchObject({ expires_in: 120, refresh_expires_in: 1800, scope: 'openid scope_all' });
  });

  test('psc-endpoint-paths', async () => {
    // Relying parties hard-code Keycloak's paths (psc-contract.md §2): each is published and answered.
    const paths: Record<string, string> = {
      authorization_endpoint: '/protocol/openid-connect/auth', token_endpoint: '/protocol/openid-connect/token',
      userinfo_endpoint: '/protocol/openid-connect/userinfo', end_session_endpoint: '/protocol/openid-connect/logout',
      jwks_uri: '/protocol/openid-connect/certs', introspection_endpoint: '/protocol/openid-connect/token/introspect',
      revocation_endpoint: '/protocol/openid-connect/revoke',
    };
    const posted = ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint'];
    for (const [member, path] of Object.entries(paths)) {
      expect([member, (rp.metadata as Record<string, unknown>)[member]]).toEqual([member, `${idp.issuer}${path}`]);
      const res = await fetch(`${idp.issuer}${path}`, { redirect: 'manual', method: posted.includes(member) ? 'POST' : 'GET' });
      expect([path, res.status === 404]).toEqual([path, false]);
    }
  });

  test('psc-access-token', () => {
    expect(decodeProtectedHeader(login.tokens.access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    const ours = decodeJwt(login.tokens.access_token);
    expect(compareShape(ours, sample('access-token-payload-2023.json'))).toEqual(NO_DIFF);
    expect(ours.session_state).toBe((login.tokens as Record<string, unknown>).session_state);
  });

  test('psc-id-token', () => {
    // psc-contract.md §9 (no capture is published): the claims PSC relying parties read, then Keycloak furniture.
    const required = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'SubjectNameID', 'preferred_username', 'given_name', 'family_name'];
    const furniture = ['azp', 'sid', 'session_state', 'at_hash', 'typ', 'amr', 'authMode'];
    const ours = login.tokens.claims()! as Record<string, unknown>;
    expect(required.filter((k) => !(k in ours))).toEqual([]);
    expect(Object.keys(ours).filter((k) => !required.includes(k) && !furniture.includes(k))).toEqual([]);
    for (const k of ['exp', 'iat', 'auth_time']) expect([k, typeof ours[k]]).toEqual([k, 'number']);
    for (const k of required.filter((x) => !['exp', 'iat', 'auth_time'].includes(x))) expect([k, typeof ours[k]]).toEqual([k, 'string']);
    expect(ours).toMatchObject({ acr: 'eidas1', SubjectNameID: PROFESSIONAL, preferred_username: PROFESSIONAL });
    // §7: the token response's session_state is the sid of the tokens (the server-to-server logout of §13 needs it)
    expect(ours.sid).toBe((login.tokens as Record<string, unknown>).session_state);
    expect(decodeJwt(login.tokens.access_token).sid).toBe(ours.sid);
  });

  test('psc-userinfo', async () => {
    const ours = await client.fetchUserInfo(rp.config, login.tokens.access_token, login.tokens.claims()!.sub);
    // The Nov 2023 variant adds codeCivilite and codeGenreActivite at the top level (psc-contract.md §10.2).
    expect(compareShape(ours, sample('userinfo-medecin.json'))).toEqual({ ...NO_DIFF, extra: ['codeCivilite', 'codeGenreActivite'] });
  });

  test('psc-userinfo-2021', async () => {
    // The 2021 capture: same keys but email_verified (2021–22 only) and authMode (added later).
    const ours = await client.fetchUserInfo(rp.config, login.tokens.access_token, login.tokens.claims()!.sub);
    const diff = compareShape(ours, sample('userinfo-multi-activity.json'));
    expect(diff.missing).toEqual(['email_verified']);
    expect(diff.extra).toEqual(['authMode', 'codeCivilite', 'codeGenreActivite']);
    expect(diff.typeMismatches).toEqual([]);
  });

  test('psc-introspection-access-token', async () => {
    const ours = await client.tokenIntrospection(rp.config, login.tokens.access_token);
    // email_verified is in the 2021 capture only; authMode, otherIds, sid, SubjectNameID came later (§11);
    // token_type is RFC 7662's
    expect(compareShape(ours, sample('introspection.json'))).toEqual({
      missing: ['email_verified'], extra: ['SubjectNameID', 'authMode', 'otherIds', 'sid', 'token_type'], typeMismatches: [],
    });
  });

  test('psc-introspection-refresh-token', async () => {
    // PSC: token= may be a refresh token (psc-contract.md §11)
    const ours = await client.tokenIntrospection(rp.config, login.tokens.refresh_token!);
    expect(ours).toMatchObject({ active: true, client_id: rp.clientId, sub: login.tokens.claims()!.sub });
  });

  test('psc-introspection-inactive', async () => {
    expect(await client.tokenIntrospection(rp.config, 'not-a-token')).toEqual(sample('introspection-inactive.json'));
  });

  test('psc-refresh-token-response', async () => {
    // psc-contract.md §2, §6, §7: refresh at the token URL; the same response shape and token claims
    const { tokens } = await rp.login();
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    const contract = {
      access_token: 'eyJ…', expires_in: 120, refresh_expires_in: 1800, refresh_token: 'eyJ…', token_type: 'Bearer',
      id_token: 'eyJ…', 'not-before-policy': 0, session_state: '…', scope: 'openid scope_all',
    };
    expect(compareShape({ ...refreshed }, contract)).toEqual(NO_DIFF);
    const [before, after] = [decodeJwt(tokens.access_token), decodeJwt(refreshed.access_token)];
    expect(compareShape(after, sample('access-token-payload-2023.json'))).toEqual(NO_DIFF);
    for (const k of ['sub', 'sid', 'session_state', 'nonce', 'acr', 'auth_time', 'authMode']) expect([k, after[k]]).toEqual([k, before[k]]);
    expect(refreshed.claims()).toMatchObject({ acr: 'eidas1', auth_time: tokens.claims()!.auth_time, sid: tokens.claims()!.sid });
  });

  test('psc-revocation', async () => {
    // psc-contract.md §12: 200 for unknown tokens; revoking a refresh token revokes its grant
    await client.tokenRevocation(rp.config, 'not-a-token');
    const { tokens } = await rp.login();
    await client.tokenRevocation(rp.config, tokens.refresh_token!);
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
  });

  test('psc-logout-server-to-server', async () => {
    // psc-contract.md §13: the ANS CIBA proxy's GET with id_token_hint only, no cookie: 2xx, no HTML
    const { tokens } = await rp.login();
    const url = new URL(String(rp.metadata.end_session_endpoint));
    url.searchParams.set('id_token_hint', tokens.id_token!);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await client.tokenIntrospection(rp.config, tokens.access_token)).toEqual({ active: false });
  });
});
