import { ConfigError } from './errors.js';
import { isSecretSetting } from './secret-files.js';

// Typed readers for one raw setting value. Each throws a ConfigError naming the setting.

export type Raw = Record<string, unknown>;

export function str(raw: Raw, name: string): string {
  const v = raw[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ConfigError(name, 'must be a string');
  }
  return String(v).trim();
}

export function int(raw: Raw, name: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const s = str(raw, name);
  if (!/^\d+$/.test(s)) throw new ConfigError(name, `must be a whole number, got "${s}"`);
  const n = Number(s);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function bool(raw: Raw, name: string): boolean {
  const s = str(raw, name).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off', ''].includes(s)) return false;
  throw new ConfigError(name, `must be true or false, got "${s}"`);
}

export function list(raw: Raw, name: string): string[] {
  return str(raw, name).split(',').map((s) => s.trim()).filter(Boolean);
}

export function url(raw: Raw, name: string, { optional = false } = {}): string | undefined {
  const s = str(raw, name);
  if (!s) {
    if (optional) return undefined;
    throw new ConfigError(name, 'is required');
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    // A webhook URL may carry its credentials: a secret setting's value is never echoed.
    throw new ConfigError(name, isSecretSetting(name) ? 'is not a valid URL' : `is not a valid URL: "${s}"`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError(name, 'must be an http(s) URL');
  if (u.search || u.hash) throw new ConfigError(name, 'must not carry a query or fragment');
  return s.replace(/\/+$/, '');
}

export function oneOf<T extends string>(raw: Raw, name: string, allowed: readonly T[]): T {
  const s = str(raw, name);
  if (!(allowed as readonly string[]).includes(s)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${s}"`);
  }
  return s as T;
}
