import { readFileSync, statSync } from 'node:fs';

import { ConfigError } from './errors.js';

// Docker-style file secrets: `<NAME>_FILE=/run/secrets/x` gives the setting `<NAME>` the content of
// that file, so that secrets need not sit in the environment (where `docker inspect`, crash reports
// and child processes see them). Applied to the raw environment before any parsing (loadSettings),
// so a value from a file is validated exactly like the same value given in `<NAME>`.

/** The settings that hold a secret: the only ones with a `_FILE` form, never echoed in errors. */
export const SECRET_SETTINGS = [
  'KEYS_ENCRYPTION_KEY',
  'COOKIE_KEYS',
  'DATABASE_URL',
  'ECPS_SMTP_URL',
  'ECPS_SMS_WEBHOOK_URL',
  'ECPS_SMS_WEBHOOK_TOKEN',
  'ECPS_PUSH_WEBHOOK_URL',
] as const;

const secretNames: ReadonlySet<string> = new Set(SECRET_SETTINGS);

export function isSecretSetting(name: string): boolean {
  return secretNames.has(name);
}

/** A secret is a key, a token or a URL: anything larger is the wrong file (or /dev/zero). */
const MAX_BYTES = 64 * 1024;

type Env = Record<string, string | undefined>;

export interface SecretFilesResult {
  /** The environment with `<NAME>` filled from each `<NAME>_FILE` (and the `_FILE` entries removed). */
  env: Env;
  /** Notices for the operator (a secret file other users may read); never a secret value. */
  warnings: string[];
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * Reads every `<NAME>_FILE` of SECRET_SETTINGS. Empty values count as unset (compose writes
 * `${X:-}` as ""). Both forms set, or a file that is missing, not a regular file, empty, too large
 * or not UTF-8 is a ConfigError naming `<NAME>_FILE` and the path — never the content.
 * `otherSettings` (the other known names) get a warning when a `_FILE` form is given for them.
 *
 * @example
 *   // compose mounts the secret at /run/secrets/keys_encryption_key
 *   const { env } = applySecretFiles({ KEYS_ENCRYPTION_KEY_FILE: '/run/secrets/keys_encryption_key' });
 *   env.KEYS_ENCRYPTION_KEY; // the file's content, one trailing newline removed
 */
export function applySecretFiles(env: Env, otherSettings: Iterable<string> = []): SecretFilesResult {
  const out: Env = { ...env };
  const warnings: string[] = [];
  // Said rather than silently ignored: PUBLIC_URL_FILE would otherwise look like it worked.
  for (const name of otherSettings) {
    if (!isSecretSetting(name) && set(env[`${name}_FILE`])) {
      warnings.push(`${name}_FILE is ignored: only ${SECRET_SETTINGS.join(', ')} can be read from a file`);
    }
  }
  for (const name of SECRET_SETTINGS) {
    const fileSetting = `${name}_FILE`;
    const file = env[fileSetting];
    delete out[fileSetting];
    if (!set(file)) continue;
    if (set(env[name])) {
      throw new ConfigError(fileSetting, `${name} is set as well: set only one of them (file ${file})`);
    }
    const { value, warning } = readSecretFile(fileSetting, file);
    out[name] = value;
    if (warning) warnings.push(warning);
  }
  return { env: out, warnings };
}

/** The file's UTF-8 text (a BOM dropped by the decoder), one trailing "\n" or "\r\n" removed. */
export function readSecretFile(setting: string, file: string): { value: string; warning?: string } {
  const cannot = (err: unknown) => new ConfigError(setting, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}${hint(err)}`);
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    throw cannot(err);
  }
  // Checked before reading: a FIFO or a device would block or never end.
  if (!stat.isFile()) throw new ConfigError(setting, `${file} is not a regular file`);
  if (stat.size > MAX_BYTES) throw new ConfigError(setting, `${file} is larger than ${MAX_BYTES / 1024} KiB: not a secret file`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw cannot(err);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(setting, `${file} is not UTF-8 text`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new ConfigError(setting, `${file} is empty`);
  // Only "others" (world) is warned about: group-readable 0440 is how Kubernetes (fsGroup) hands
  // a root-owned secret to the non-root service user.
  const warning = stat.mode & 0o004
    ? `${setting}: ${file} is readable by every user (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); make it readable by the service's user only (chmod 0400, owner uid 1000 in the image)`
    : undefined;
  return { value, warning };
}

function hint(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT': return ' (no such file)';
    case 'EACCES': return ' (permission denied: the file must be readable by the service\'s user)';
    case 'EISDIR': return ' (a directory)';
    default: return '';
  }
}
