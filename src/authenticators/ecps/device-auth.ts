import { EmbeddedJWK, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';

import { EcpsBadRequestError, EcpsDeviceAuthError, EcpsReplayError } from './errors.js';
import type { DeviceRow, EcpsStore } from './store.js';

/** `typ` of every request a device signs (docs/ecps.md, "Signed requests"). */
export const DEVICE_REQUEST_TYP = 'ecps-request+jwt';
/** Authorization scheme carrying the signed request. */
export const DEVICE_AUTH_SCHEME = 'ECPS-Device';
/** How far a device clock may be from ours, and so how long a signed request lives. */
const MAX_SKEW_SECONDS = 60;

/** Claims every signed device request carries, plus the action's own. */
export interface DeviceRequestClaims extends JWTPayload {
  htm: string;
  htu: string;
  jti: string;
  iat: number;
  [claim: string]: unknown;
}

export interface HttpTarget {
  method: string;
  path: string;
  authorization?: string;
}

function bearer(target: HttpTarget): string {
  const [scheme, token, extra] = (target.authorization ?? '').trim().split(/\s+/);
  if (scheme !== DEVICE_AUTH_SCHEME || !token || extra) {
    throw new EcpsDeviceAuthError(`missing "Authorization: ${DEVICE_AUTH_SCHEME} <jws>"`);
  }
  return token;
}

/**
 * Checks what every signed request must satisfy once its signature holds: bound to this method
 * and path, fresh, and never seen before (its jti is remembered until it could no longer be fresh).
 */
async function checkClaims(store: EcpsStore, payload: JWTPayload, target: HttpTarget): Promise<DeviceRequestClaims> {
  const p = payload as DeviceRequestClaims;
  if (p.htm !== target.method || p.htu !== target.path) throw new EcpsDeviceAuthError('signed request is for another method or path');
  if (typeof p.jti !== 'string' || p.jti.length < 16 || p.jti.length > 128) throw new EcpsDeviceAuthError('jti must be 16–128 characters');
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.iat !== 'number' || Math.abs(now - p.iat) > MAX_SKEW_SECONDS) throw new EcpsDeviceAuthError('iat is missing or too far from the server clock');
  if (!(await store.useNonce(p.jti, new Date((p.iat + 2 * MAX_SKEW_SECONDS) * 1000)))) throw new EcpsReplayError('jti already used');
  return p;
}

type PublicKey = Awaited<ReturnType<typeof importJWK>>;
// Imported keys by device id: importing a JWK costs more than verifying a signature. The JWK is
// part of the cache key, so a changed row is never verified with a stale key.
const keyCache = new Map<string, { jwk: string; key: PublicKey }>();

async function devicePublicKey(device: DeviceRow): Promise<PublicKey> {
  const jwk = JSON.stringify(device.public_jwk);
  const cached = keyCache.get(device.id);
  if (cached?.jwk === jwk) return cached.key;
  const key = await importJWK(device.public_jwk as JWK, 'ES256');
  if (keyCache.size >= 10_000) keyCache.clear();
  keyCache.set(device.id, { jwk, key });
  return key;
}

/** A request signed by an activated device's key (`kid` = device id); refused once revoked. */
export async function verifyDeviceRequest(store: EcpsStore, target: HttpTarget): Promise<{ device: DeviceRow; claims: DeviceRequestClaims }> {
  const token = bearer(target);
  let device: DeviceRow | undefined;
  let payload: JWTPayload;
  try {
    const { payload: verified } = await jwtVerify(token, async (header) => {
      device = header.kid ? await store.activeDevice(header.kid) : undefined;
      if (!device) throw new EcpsDeviceAuthError('unknown or revoked device');
      return devicePublicKey(device);
    }, { algorithms: ['ES256'], typ: DEVICE_REQUEST_TYP });
    payload = verified;
  } catch (err) {
    if (err instanceof EcpsDeviceAuthError) throw err;
    throw new EcpsDeviceAuthError(`bad device signature: ${(err as Error).message}`);
  }
  const claims = await checkClaims(store, payload, target);
  await store.touchDevice(device!.id);
  return { device: device!, claims };
}

/** Only a P-256 public key is accepted as a device key. */
export function assertDevicePublicKey(jwk: JWK | undefined): asserts jwk is JWK {
  if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
    throw new EcpsBadRequestError('the device key must be a public EC P-256 JWK');
  }
}

/**
 * Activation: the request is signed by the new key itself, given in the `jwk` header, which
 * proves the device holds the private key it registers.
 */
export async function verifyActivationRequest(store: EcpsStore, target: HttpTarget): Promise<{ publicJwk: JWK; claims: DeviceRequestClaims }> {
  const token = bearer(target);
  let result;
  try {
    result = await jwtVerify(token, EmbeddedJWK, { algorithms: ['ES256'], typ: DEVICE_REQUEST_TYP });
  } catch (err) {
    throw new EcpsDeviceAuthError(`bad activation signature: ${(err as Error).message}`);
  }
  const jwk = result.protectedHeader.jwk;
  assertDevicePublicKey(jwk);
  const { kty, crv, x, y } = jwk;
  return { publicJwk: { kty, crv, x, y }, claims: await checkClaims(store, result.payload, target) };
}
