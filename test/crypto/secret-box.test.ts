import { describe, expect, test } from '@jest/globals';

import { ConfigError } from '../../src/config/errors.js';
import { SecretBox } from '../../src/crypto/secret-box.js';

const key = Buffer.alloc(32, 1).toString('base64');

describe('SecretBox', () => {
  test('round trip; the sealed text does not contain the secret', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('le secret', 'ctx');
    expect(sealed).not.toContain('le secret');
    expect(box.open(sealed, 'ctx')).toBe('le secret');
  });
  test('another context, another key or a modified ciphertext cannot open it', () => {
    const sealed = new SecretBox(key).seal('x', 'a');
    expect(() => new SecretBox(key).open(sealed, 'b')).toThrow(/cannot decrypt/);
    expect(() => new SecretBox(Buffer.alloc(32, 2).toString('base64')).open(sealed, 'a')).toThrow(/cannot decrypt/);
    expect(() => new SecretBox(key).open(sealed.slice(0, -2) + 'AA', 'a')).toThrow();
  });
  test('a key that is not 32 bytes is a configuration error naming the setting', () => {
    expect(() => new SecretBox('c2hvcnQ=')).toThrow(ConfigError);
    expect(() => new SecretBox(undefined)).toThrow(/KEYS_ENCRYPTION_KEY/);
  });
});
