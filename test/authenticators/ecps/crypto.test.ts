import { randomBytes } from 'node:crypto';

import { describe, expect, test } from '@jest/globals';

import { openSecrets, sealSecrets, DevicePinError } from '../../../src/authenticators/ecps/device/keystore.js';
import { readEventStream } from '../../../src/authenticators/ecps/device/events.js';
import { EcpsSecrets, randomDigits, sameText } from '../../../src/authenticators/ecps/secrets.js';
import { newTotpSecret, totpCode, totpStep, totpUri } from '../../../src/authenticators/ecps/totp.js';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", in base32.
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP (RFC 6238, 30 s, 6 digits)', () => {
  test('matches the RFC 6238 test vectors (last 6 of the 8 digits)', () => {
    expect(totpCode(RFC_SEED, 59_000)).toBe('287082');
    expect(totpCode(RFC_SEED, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(RFC_SEED, 2_000_000_000_000)).toBe('279037');
  });

  test('a code maps to its time-step, one step of drift either side, never further', () => {
    const t = 1_700_000_000_000;
    const step = Math.floor(t / 30_000);
    expect(totpStep(RFC_SEED, totpCode(RFC_SEED, t), t)).toBe(step);
    expect(totpStep(RFC_SEED, totpCode(RFC_SEED, t - 30_000), t)).toBe(step - 1);
    expect(totpStep(RFC_SEED, totpCode(RFC_SEED, t + 30_000), t)).toBe(step + 1);
    expect(totpStep(RFC_SEED, totpCode(RFC_SEED, t - 90_000), t)).toBeUndefined();
    expect(totpStep(RFC_SEED, 'abcdef', t)).toBeUndefined();
  });

  test('fresh secrets are 160-bit base32; the otpauth URI names the parameters', () => {
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri(s, '899700427885')).toMatch(/^otpauth:\/\/totp\/.*period=30/);
  });
});

describe('server secrets (KEYS_ENCRYPTION_KEY)', () => {
  const secrets = new EcpsSecrets(randomBytes(32).toString('base64'));

  test('AES-256-GCM round trip, bound to the device id', () => {
    const box = secrets.encrypt('JBSWY3DPEHPK3PXP', 'dev_a');
    expect(box).toMatch(/^v1\./);
    expect(secrets.decrypt(box, 'dev_a')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => secrets.decrypt(box, 'dev_b')).toThrow();
    expect(() => new EcpsSecrets(randomBytes(32).toString('base64')).decrypt(box, 'dev_a')).toThrow();
  });

  test('codes are keyed hashes, checked for their purpose only', () => {
    const h = secrets.hashCode('123456', 'act_1:email');
    expect(secrets.checkCode('123456', 'act_1:email', h)).toBe(true);
    expect(secrets.checkCode('123457', 'act_1:email', h)).toBe(false);
    expect(secrets.checkCode('123456', 'act_1:sms', h)).toBe(false);
    expect(secrets.checkCode('123456', 'act_1:email', null)).toBe(false);
  });

  test('a key that is not 32 bytes is refused', () => {
    expect(() => new EcpsSecrets(Buffer.alloc(16).toString('base64'))).toThrow(/KEYS_ENCRYPTION_KEY: must be 32 random bytes/);
    expect(() => new EcpsSecrets(undefined)).toThrow(/KEYS_ENCRYPTION_KEY/);
  });

  test('random digits and constant-time comparison', () => {
    expect(randomDigits(2)).toMatch(/^\d{2}$/);
    expect(randomDigits(6)).toMatch(/^\d{6}$/);
    expect(sameText('42', '42')).toBe(true);
    expect(sameText('42', '420')).toBe(false);
  });
});

describe('device keystore (PIN-sealed, scrypt + AES-GCM)', () => {
  const cheap = { N: 1024, r: 8, p: 1 };

  test('the right PIN opens the seal; a wrong one does not; the PIN has 4 digits', async () => {
    const sealed = await sealSecrets({ privateJwk: { kty: 'EC', d: 'secret' }, totpSecret: 'ABC' }, '2468', cheap);
    expect(JSON.stringify(sealed)).not.toContain('secret');
    expect(await openSecrets(sealed, '2468')).toEqual({ privateJwk: { kty: 'EC', d: 'secret' }, totpSecret: 'ABC' });
    await expect(openSecrets(sealed, '1357')).rejects.toBeInstanceOf(DevicePinError);
    await expect(sealSecrets({ privateJwk: {}, totpSecret: '' }, '12ab', cheap)).rejects.toMatchObject({ code: 'ECPS_DEVICE_PIN_INVALID' });
  });
});

describe('server-sent events reader', () => {
  test('parses events split across chunks, multi-line data, comments and ids', async () => {
    const chunks = ['event: ready\ndata: {"a":1}\n\n: ping\n\nevent: appr', 'oval_request\nid: r1\ndata: line1\ndata: line2\n\n', 'data: plain\r\n\r\n'];
    const body = new ReadableStream<Uint8Array>({
      start(c) { for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch)); c.close(); },
    });
    const events = [];
    for await (const e of readEventStream(body)) events.push(e);
    expect(events).toEqual([
      { event: 'ready', id: undefined, data: '{"a":1}' },
      { event: 'approval_request', id: 'r1', data: 'line1\nline2' },
      { event: 'message', id: undefined, data: 'plain' },
    ]);
  });
});
