import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';

import type { JWK } from 'jose';

/**
 * The simulator's state file: what a phone keeps. The private key and the TOTP secret are sealed
 * with a key derived from the PIN (scrypt, then AES-256-GCM): the PIN never leaves the device and
 * is never stored; a wrong PIN fails to open the seal.
 */
export interface DeviceState {
  version: 1;
  /** Origin of the OpenPSC server, e.g. `http://127.0.0.1:8080`. */
  server: string;
  /** Path of the device API on it (default `/ecps`). */
  apiBase: string;
  nationalId: string;
  deviceId: string;
  deviceName: string;
  publicJwk: JWK;
  sealed: SealedSecrets;
}

export interface SealedSecrets {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  ct: string;
  tag: string;
}

/** What the seal protects. */
export interface DeviceSecrets {
  privateJwk: JWK;
  totpSecret: string;
}

export class DevicePinError extends Error {
  readonly code = 'ECPS_DEVICE_PIN_INVALID';
  override name = 'DevicePinError';
}

const scrypt = (pin: string, salt: Buffer, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pin, salt, 32, o, (err, key) => (err ? reject(err) : resolve(key))));

const PIN = /^\d{4}$/;

/** Seals the device secrets under `pin` (4 digits, as on e-CPS). */
export async function sealSecrets(secrets: DeviceSecrets, pin: string, cost = { N: 2 ** 15, r: 8, p: 1 }): Promise<SealedSecrets> {
  if (!PIN.test(pin)) throw new DevicePinError('the PIN has 4 digits');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await scrypt(pin, salt, { ...cost, maxmem: 256 * cost.N * cost.r });
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  const b = (x: Buffer) => x.toString('base64url');
  return { kdf: 'scrypt', ...cost, salt: b(salt), iv: b(iv), ct: b(ct), tag: b(cipher.getAuthTag()) };
}

/** Opens the seal; DevicePinError on a wrong PIN. */
export async function openSecrets(sealed: SealedSecrets, pin: string): Promise<DeviceSecrets> {
  if (!PIN.test(pin)) throw new DevicePinError('the PIN has 4 digits');
  const u = (s: string) => Buffer.from(s, 'base64url');
  const key = await scrypt(pin, u(sealed.salt), { N: sealed.N, r: sealed.r, p: sealed.p, maxmem: 256 * sealed.N * sealed.r });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, u(sealed.iv));
    decipher.setAuthTag(u(sealed.tag));
    return JSON.parse(Buffer.concat([decipher.update(u(sealed.ct)), decipher.final()]).toString('utf8')) as DeviceSecrets;
  } catch {
    throw new DevicePinError('wrong PIN');
  }
}

export async function readState(file: string): Promise<DeviceState> {
  const state = JSON.parse(await readFile(file, 'utf8')) as DeviceState;
  if (state.version !== 1 || !state.deviceId || !state.sealed) throw new Error(`${file}: not an e-CPS device state file`);
  return state;
}

/** Writes the state atomically, readable by its owner only. */
export async function writeState(file: string, state: DeviceState): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
