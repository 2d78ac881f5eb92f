import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

import { SecretBox } from '../../crypto/secret-box.js';

/**
 * Server-side secrets of the e-CPS area: TOTP secrets sealed with the shared SecretBox
 * (AES-256-GCM under KEYS_ENCRYPTION_KEY, the device id as associated data so a ciphertext cannot
 * be moved to another device), and short codes stored as HMAC-SHA256 under a key derived from it
 * (a plain hash of a 6-digit code falls to a million guesses offline).
 */
export class EcpsSecrets {
  private readonly box: SecretBox;
  private readonly hmacKey: Buffer;

  constructor(keysEncryptionKey: string | undefined) {
    this.box = new SecretBox(keysEncryptionKey);
    this.hmacKey = createHmac('sha256', Buffer.from(keysEncryptionKey!, 'base64')).update('openpsc/ecps/code-hash').digest();
  }

  encrypt(plain: string, deviceId: string): string {
    return this.box.seal(plain, `ecps-totp:${deviceId}`);
  }

  decrypt(sealed: string, deviceId: string): string {
    return this.box.open(sealed, `ecps-totp:${deviceId}`);
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
