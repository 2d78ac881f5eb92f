import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

import { EcpsConfigError } from './errors.js';

/**
 * Server-side secrets of the e-CPS area: TOTP secrets encrypted with KEYS_ENCRYPTION_KEY
 * (AES-256-GCM, the device id as associated data so a ciphertext cannot be moved to another
 * device), and short codes stored as HMAC-SHA256 under a key derived from it (a plain hash of a
 * 6-digit code falls to a million guesses offline).
 */
export class EcpsSecrets {
  private readonly encryptionKey: Buffer;
  private readonly hmacKey: Buffer;

  constructor(keysEncryptionKey: string | undefined) {
    const key = keysEncryptionKey ? Buffer.from(keysEncryptionKey, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new EcpsConfigError('KEYS_ENCRYPTION_KEY must be base64 of 32 bytes');
    this.encryptionKey = key;
    this.hmacKey = createHmac('sha256', key).update('openpsc/ecps/code-hash').digest();
  }

  /** `v1.<iv>.<ciphertext>.<tag>` (base64url). */
  encrypt(plain: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, ct, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(box: string, associatedData: string): string {
    const [v, iv, ct, tag] = box.split('.');
    if (v !== 'v1' || !iv || !ct || !tag) throw new EcpsConfigError('malformed encrypted secret');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Hash of a code bound to its purpose (`activation:<id>:email`). */
  hashCode(code: string, purpose: string): string {
    return createHmac('sha256', this.hmacKey).update(`${purpose}\0${code}`).digest('base64url');
  }

  /** Constant-time check of a code against a stored hash; false when there is no hash. */
  checkCode(code: string, purpose: string, storedHash: string | null): boolean {
    const expected = Buffer.from(storedHash ?? '', 'base64url');
    const actual = Buffer.from(this.hashCode(code, purpose), 'base64url');
    // Compare even without a stored hash, so both paths cost the same.
    const same = timingSafeEqual(actual, expected.length === actual.length ? expected : Buffer.alloc(actual.length));
    return same && storedHash !== null;
  }
}

/** A uniformly random code of `digits` decimal digits. */
export function randomDigits(digits: number): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

/** Constant-time equality of two short strings. */
export function sameText(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** An unguessable identifier (128 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
