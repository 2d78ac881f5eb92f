import { afterAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../src/config/errors.js';
import { applySecretFiles, isSecretSetting, readSecretFile, SECRET_SETTINGS } from '../../src/config/secret-files.js';
import { loadSettings, projectRoot, type Settings } from '../../src/config/settings.js';

// Real files in a temporary folder; every secret written here is a marker that must never show
// up in an error message.
const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function secretFile(content: string | Buffer, mode = 0o600): string {
  const file = path.join(dir, `secret-${(n += 1)}`);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readSecretFile', () => {
  test.each([
    ['one trailing newline removed', 'k3y\n', 'k3y'],
    ['one trailing CRLF removed', 'k3y\r\n', 'k3y'],
    ['only one newline removed', 'k3y\n\n', 'k3y\n'],
    ['no newline: as is', 'k3y', 'k3y'],
    ['spaces and inner newlines kept', ' a b\nc ', ' a b\nc '],
    ['UTF-8', 'clé-é€\n', 'clé-é€'],
    ['a UTF-8 BOM (Windows editors) dropped', '\uFEFFk3y\n', 'k3y'],
  ])('%s', (_what, content, value) => {
    expect(readSecretFile('X_FILE', secretFile(content)).value).toBe(value);
  });

  test.each([
    ['empty', ''],
    ['only a newline', '\n'],
    ['only whitespace', ' \t\r\n'],
  ])('an %s file is an error naming the setting and the path', (_what, content) => {
    const file = secretFile(content);
    const err = configError(() => readSecretFile('COOKIE_KEYS_FILE', file));
    expect(err.setting).toBe('COOKIE_KEYS_FILE');
    expect(err.message).toBe(`COOKIE_KEYS_FILE: ${file} is empty`);
  });

  test('a missing file: the setting, the path and the reason', () => {
    const file = path.join(dir, 'nowhere', 'keys');
    expect(configError(() => readSecretFile('KEYS_ENCRYPTION_KEY_FILE', file)).message)
      .toBe(`KEYS_ENCRYPTION_KEY_FILE: cannot read ${file}: ENOENT (no such file)`);
  });

  test('a directory (what Docker makes of a missing bind-mount source) is refused before any read', () => {
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub);
    expect(configError(() => readSecretFile('DATABASE_URL_FILE', sub)).message).toBe(`DATABASE_URL_FILE: ${sub} is not a regular file`);
  });

  test('a device is refused (reading /dev/zero would never end)', () => {
    expect(configError(() => readSecretFile('DATABASE_URL_FILE', '/dev/zero')).message).toBe('DATABASE_URL_FILE: /dev/zero is not a regular file');
  });

  test('a file over 64 KiB is refused without being read into the message', () => {
    const file = secretFile('marker-large-'.repeat(6000));
    const err = configError(() => readSecretFile('ECPS_SMTP_URL_FILE', file));
    expect(err.message).toBe(`ECPS_SMTP_URL_FILE: ${file} is larger than 64 KiB: not a secret file`);
  });

  test('bytes that are not UTF-8 are refused and not echoed', () => {
    const file = secretFile(Buffer.from([0x6d, 0x61, 0x72, 0x6b, 0xff, 0xfe, 0x00]));
    expect(configError(() => readSecretFile('ECPS_SMS_WEBHOOK_TOKEN_FILE', file)).message)
      .toBe(`ECPS_SMS_WEBHOOK_TOKEN_FILE: ${file} is not UTF-8 text`);
  });

  test.each([
    [0o600, false],
    [0o400, false],
    [0o640, false], // group-readable: Kubernetes' fsGroup + defaultMode 0440
    [0o644, true],
    [0o604, true],
  ])('mode %s: warned about when every user may read it → %s', (mode, warned) => {
    const file = secretFile('marker-mode\n', mode);
    const { warning } = readSecretFile('COOKIE_KEYS_FILE', file);
    if (!warned) {
      expect(warning).toBeUndefined();
      return;
    }
    expect(warning).toBe(`COOKIE_KEYS_FILE: ${file} is readable by every user (mode 0${mode.toString(8)}); `
      + 'make it readable by the service\'s user only (chmod 0400, owner uid 1000 in the image)');
    expect(warning).not.toContain('marker-mode');
  });
});

describe('applySecretFiles', () => {
  test('<NAME>_FILE becomes <NAME>; the _FILE entries are gone; other variables untouched', () => {
    const file = secretFile('marker-key\n');
    const { env, warnings } = applySecretFiles({ KEYS_ENCRYPTION_KEY_FILE: file, PORT: '9000' });
    expect(env).toEqual({ KEYS_ENCRYPTION_KEY: 'marker-key', PORT: '9000' });
    expect(warnings).toEqual([]);
  });

  test('both <NAME> and <NAME>_FILE: an error naming both and the path, printing neither value', () => {
    const file = secretFile('marker-from-file\n');
    const err = configError(() => applySecretFiles({ DATABASE_URL: 'postgres://marker-from-env', DATABASE_URL_FILE: file }));
    expect(err.setting).toBe('DATABASE_URL_FILE');
    expect(err.message).toBe(`DATABASE_URL_FILE: DATABASE_URL is set as well: set only one of them (file ${file})`);
    expect(err.message).not.toMatch(/marker/);
  });

  test('empty values count as unset (compose writes `${X:-}` as ""), on either side', () => {
    const file = secretFile('marker-cookie\n');
    expect(applySecretFiles({ COOKIE_KEYS: '', COOKIE_KEYS_FILE: file }).env.COOKIE_KEYS).toBe('marker-cookie');
    expect(applySecretFiles({ COOKIE_KEYS: 'env-cookie', COOKIE_KEYS_FILE: '' }).env).toEqual({ COOKIE_KEYS: 'env-cookie' });
  });

  test('a _FILE form of a setting that is not a secret is ignored, with a warning', () => {
    const file = secretFile('https://auth.example.fr\n');
    const { env, warnings } = applySecretFiles({ PUBLIC_URL_FILE: file }, ['PUBLIC_URL', 'DATABASE_URL']);
    expect(env.PUBLIC_URL).toBeUndefined();
    expect(warnings).toEqual([`PUBLIC_URL_FILE is ignored: only ${SECRET_SETTINGS.join(', ')} can be read from a file`]);
  });

  test('the secret settings', () => {
    expect([...SECRET_SETTINGS].sort()).toEqual([
      'COOKIE_KEYS', 'DATABASE_URL', 'ECPS_PUSH_WEBHOOK_URL', 'ECPS_SMS_WEBHOOK_TOKEN', 'ECPS_SMS_WEBHOOK_URL',
      'ECPS_SMTP_URL', 'KEYS_ENCRYPTION_KEY',
    ]);
    expect(isSecretSetting('DATABASE_URL')).toBe(true);
    expect(isSecretSetting('PUBLIC_URL')).toBe(false);
  });
});

describe('loadSettings with <NAME>_FILE', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  test.each<[string, string, (s: Settings) => unknown, unknown]>([
    ['KEYS_ENCRYPTION_KEY', `${key}\n`, (s) => s.keysEncryptionKey, key],
    ['COOKIE_KEYS', 'new-cookie-key,old-cookie-key\n', (s) => s.cookieKeys, ['new-cookie-key', 'old-cookie-key']],
    ['DATABASE_URL', 'postgres://openpsc:p%40ss@db.example:5432/openpsc\n', (s) => s.databaseUrl, 'postgres://openpsc:p%40ss@db.example:5432/openpsc'],
    ['ECPS_SMTP_URL', 'smtps://mailer:pw@relay.example:465\n', (s) => s.ecps.smtpUrl, 'smtps://mailer:pw@relay.example:465'],
    ['ECPS_SMS_WEBHOOK_URL', 'https://sms.example/send/k3y\n', (s) => s.ecps.smsWebhookUrl, 'https://sms.example/send/k3y'],
    ['ECPS_SMS_WEBHOOK_TOKEN', 'sms-bearer-token\r\n', (s) => s.ecps.smsWebhookToken, 'sms-bearer-token'],
    ['ECPS_PUSH_WEBHOOK_URL', 'https://push.example/hook/k3y\n', (s) => s.ecps.pushWebhookUrl, 'https://push.example/hook/k3y'],
  ])('%s_FILE gives %s its value', (name, content, pick, expected) => {
    const settings = loadSettings({ [`${name}_FILE`]: secretFile(content) });
    expect(pick(settings)).toEqual(expected);
    expect(settings.warnings).toEqual([]);
  });

  test('production accepts its two required secrets from files', () => {
    const s = loadSettings({ NODE_ENV: 'production', KEYS_ENCRYPTION_KEY_FILE: secretFile(key), COOKIE_KEYS_FILE: secretFile('c\n') });
    expect(s.production).toBe(true);
    expect(s.keysEncryptionKey).toBe(key);
    expect(s.cookieKeys).toEqual(['c']);
  });

  test('a value from a file is validated like the same value in the environment', () => {
    const err = configError(() => loadSettings({ DATABASE_URL_FILE: secretFile('mysql://marker@db\n') }));
    expect(err.message).toBe('DATABASE_URL: must be a postgres:// URL');
  });

  test.each(['ECPS_SMS_WEBHOOK_URL', 'ECPS_PUSH_WEBHOOK_URL'])('a malformed %s is not echoed (the URL may carry a key)', (name) => {
    for (const env of [{ [`${name}_FILE`]: secretFile('not a url marker-k3y\n') }, { [name]: 'not a url marker-k3y' }]) {
      const err = configError(() => loadSettings(env));
      expect(err.message).toBe(`${name}: is not a valid URL`);
    }
    // Settings that are not secret still show the value, which helps more than it hides.
    expect(configError(() => loadSettings({ PUBLIC_URL: 'not a url' })).message).toBe('PUBLIC_URL: is not a valid URL: "not a url"');
  });

  test('a world-readable secret file loads, with a warning in settings.warnings', () => {
    const file = secretFile(`${key}\n`, 0o644);
    const s = loadSettings({ KEYS_ENCRYPTION_KEY_FILE: file });
    expect(s.keysEncryptionKey).toBe(key);
    expect(s.warnings).toEqual([expect.stringContaining(`KEYS_ENCRYPTION_KEY_FILE: ${file} is readable by every user`)]);
  });

  test('a _FILE form of a known setting that is not a secret is reported in settings.warnings', () => {
    const s = loadSettings({ PORT_FILE: secretFile('9000\n') });
    expect(s.port).toBe(8080);
    expect(s.warnings).toEqual([expect.stringMatching(/^PORT_FILE is ignored/)]);
  });
});

test('the README marks every secret setting and names its _FILE form; docs/operations.md lists them', () => {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8').split('\n');
  const operations = readFileSync(path.join(projectRoot, 'docs', 'operations.md'), 'utf8');
  const row = (name: string) => readme.find((line) => line.startsWith(`| \`${name}\` |`)) ?? '';
  expect(SECRET_SETTINGS.filter((n) => !row(n).includes('**secret**') || !row(n).includes(`\`${n}_FILE\``))).toEqual([]);
  expect(SECRET_SETTINGS.filter((n) => !operations.includes(`\`${n}\``))).toEqual([]);
});
