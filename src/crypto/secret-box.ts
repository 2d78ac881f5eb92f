import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { ConfigError } from '../config/errors.js';

/**
 * Authenticated encryption (AES-256-GCM) of secrets at rest — private signing keys, client
 * secrets, TOTP seeds — under KEYS_ENCRYPTION_KEY. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 * `context` is bound as associated data so that a ciphertext cannot be moved to another row.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(base64Key: string | undefined) {
    const key = Buffer.from(base64Key ?? '', 'base64');
    if (key.length !== 32) {
      throw new ConfigError('KEYS_ENCRYPTION_KEY', 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
    }
    this.#key = key;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('sealed secret: unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('sealed secret: cannot decrypt (wrong KEYS_ENCRYPTION_KEY?)');
    }
  }
}
