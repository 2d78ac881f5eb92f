import { expect } from '@jest/globals';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';

import type { ConformanceClient } from './client.js';

const SKEW = 5 * 60; // the official suite tolerates five minutes of clock skew

/**
 * The official suite's ID token checks (ValidateIdToken, ValidateIdTokenSignature,
 * CheckForSubjectInIdToken, ValidateIdTokenNonce…): signature with a key of the published JWKS
 * named by `kid`, an `alg` of `id_token_signing_alg_values_supported`, iss, aud, azp, exp, iat,
 * auth_time, nonce. Returns the verified payload.
 *
 * @example
 *   const claims = await verifyIdToken(rp, tokens.id_token!, { nonce: request.nonce });
 */
export async function verifyIdToken(rp: ConformanceClient, idToken: string, { nonce }: { nonce?: string } = {}): Promise<JWTPayload & Record<string, unknown>> {
  const metadata = rp.metadata;
  const header = decodeProtectedHeader(idToken);
  expect(header.kid).toEqual(expect.any(String));
  expect(metadata.id_token_signing_alg_values_supported).toContain(header.alg);
  const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!));
  const { payload } = await jwtVerify(idToken, jwks, { issuer: metadata.issuer, audience: rp.clientId, clockTolerance: SKEW });
  const now = Math.floor(Date.now() / 1000);
  expect(payload.sub).toEqual(expect.any(String));
  expect(payload.exp).toBeGreaterThan(now - SKEW);
  expect(payload.iat).toBeLessThanOrEqual(now + SKEW);
  expect(payload.iat).toBeGreaterThan(now - SKEW);
  if (Array.isArray(payload.aud) && payload.aud.length > 1) expect(payload.azp).toBe(rp.clientId);
  if (payload.azp !== undefined) expect(payload.azp).toBe(rp.clientId);
  if (payload.auth_time !== undefined) expect(payload.auth_time).toBeLessThanOrEqual(now + SKEW);
  if (nonce === undefined) expect(payload.nonce).toBeUndefined();
  else expect(payload.nonce).toBe(nonce);
  return payload as JWTPayload & Record<string, unknown>;
}
