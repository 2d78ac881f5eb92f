import { describe, expect, test } from '@jest/globals';

import { ConfigError } from '../../src/config/errors.js';
import { loadSettings } from '../../src/config/settings.js';

describe('settings', () => {
  test('defaults are PSC: issuer path, lifetimes, acr', () => {
    const s = loadSettings({ PORT: '9000' });
    expect(s.issuer).toBe('http://localhost:9000/auth/realms/esante-wallet');
    expect(s.issuerPath).toBe('/auth/realms/esante-wallet');
    expect(s.ttl).toMatchObject({ accessToken: 120, refreshToken: 1800, session: 14400, sessionIdle: 1800, authorizationCode: 60 });
    expect(s.acr).toBe('eidas1');
  });
  test('environment wins over config/default.json', () => {
    const s = loadSettings({ PUBLIC_URL: 'https://auth.example.fr/', REALM: 'autre', ACCESS_TOKEN_TTL: '60' });
    expect(s.issuer).toBe('https://auth.example.fr/auth/realms/autre');
    expect(s.ttl.accessToken).toBe(60);
  });
  test.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SUBJECT_UUID: 'nope' }, 'SUBJECT_UUID'],
    [{ SESSION_IDLE_TTL: '99999' }, 'SESSION_IDLE_TTL'],
    [{ AUTHENTICATORS: 'card,password' }, 'AUTHENTICATORS'],
    [{ NODE_ENV: 'production', COOKIE_KEYS: 'x' }, 'KEYS_ENCRYPTION_KEY'],
    [{ NODE_ENV: 'production', KEYS_ENCRYPTION_KEY: 'x' }, 'COOKIE_KEYS'],
  ])('bad setting %j stops with a message naming %s', (env, name) => {
    let err: unknown;
    try { loadSettings(env); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe(name);
    expect((err as Error).message.startsWith(`${name}:`)).toBe(true);
  });
});
