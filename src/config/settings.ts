import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import { readCardSettings, type CardSettings } from '../authenticators/card/settings.js';
import { parseEcpsSettings, type EcpsSettings } from '../authenticators/ecps/settings.js';
import { ConfigError } from './errors.js';
import { readOpsSettings, type OpsSettings } from './ops-settings.js';
import { bool, int, list, oneOf, str, url, type Raw } from './parse.js';
import { applySecretFiles } from './secret-files.js';
import { readDirectoryImportSettings, type DirectoryImportSettings } from '../directory/import/settings.js';

/** Where the project's files live (config/, migrations/, data files), from src/ or dist/src/. */
export const projectRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    try {
      readFileSync(path.join(dir, 'package.json'));
      return dir;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error('cannot locate the OpenPSC project root');
})();

export interface Lifetimes {
  accessToken: number;
  refreshToken: number;
  authorizationCode: number;
  session: number;
  sessionIdle: number;
  interaction: number;
  ciba: number;
}

/**
 * AUTHORIZATION_POST: `auto` = on when PUBLIC_URL is https. On http, browsers refuse a
 * SameSite=None cookie (it needs Secure), so `on` there only suits test harnesses that are not
 * browsers (the conformance suites).
 */
function authorizationPost(raw: Raw, publicUrl: string): boolean {
  const value = oneOf(raw, 'AUTHORIZATION_POST', ['auto', 'on', 'off'] as const);
  return value === 'auto' ? publicUrl.startsWith('https:') : value === 'on';
}

export interface Settings {
  port: number;
  host: string;
  /** Public origin (scheme://host[:port]) the IdP is reached at. */
  publicUrl: string;
  realm: string;
  /** `<PUBLIC_URL>/auth/realms/<REALM>` */
  issuer: string;
  /** Path part of the issuer, where the provider is mounted. */
  issuerPath: string;
  /** Authorization endpoint published in discovery when it lives on another host (PSC's wallet.*). */
  authorizationEndpoint?: string;
  /**
   * The authorization and logout endpoints also take POST (OIDC Core §3.1.2.1, RP-Initiated
   * Logout §2), as PSC does; the session cookie is then SameSite=None, or a cross-site form post
   * would arrive without it.
   */
  authorizationPost: boolean;
  databaseUrl?: string;
  databasePoolMax: number;
  dataDir: string;
  migrateOnStart: boolean;
  subjectUuid: string;
  acr: string;
  ttl: Lifetimes;
  cibaInterval: number;
  pkceRequired: boolean;
  trustProxy: boolean;
  trustedProxies: string[];
  clientCertHeader?: string;
  clientCertHeaderFormat: 'pem-urlencoded' | 'base64-der';
  authenticators: string[];
  logLevel: string;
  /** CARD_* settings (src/authenticators/card/settings.ts). */
  card: CardSettings;
  demo: boolean;
  production: boolean;
  /** Safety bands of the Annuaire Santé import (src/directory/import/settings.ts). */
  directoryImport: DirectoryImportSettings;
  /**
   * Secrets: from the environment or `<NAME>_FILE` (src/config/secret-files.ts), never logged;
   * generated outside production when missing (src/config/secrets.ts).
   */
  keysEncryptionKey?: string;
  cookieKeys: string[];
  /** Limits, rate limits, shutdown, CSP origins, metrics (src/config/ops-settings.ts). */
  ops: OpsSettings;
  /** e-CPS authenticator (src/authenticators/ecps/settings.ts). */
  ecps: EcpsSettings;
  /** Notices for the operator found while loading (a world-readable secret file…), logged at start. */
  warnings: string[];
}

function readDefaults(): Raw {
  const file = process.env.OPENPSC_CONFIG ?? path.join(projectRoot, 'config', 'default.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Raw;
  } catch (err) {
    throw new ConfigError('OPENPSC_CONFIG', `cannot read ${file}: ${(err as Error).message}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Settings from environment variables over the defaults in config/default.json; a secret setting
 * may come from the file named by `<NAME>_FILE` instead. `overrides` (tests, CLI flags) win over both.
 */
export function loadSettings(env: Record<string, string | undefined> = process.env, overrides: Raw = {}): Settings {
  const raw: Raw = { ...readDefaults() };
  const secretFiles = applySecretFiles(env, Object.keys(raw));
  for (const [k, v] of Object.entries(secretFiles.env)) if (v !== undefined && (k in raw || k === 'KEYS_ENCRYPTION_KEY' || k === 'COOKIE_KEYS' || k === 'NODE_ENV')) raw[k] = v;
  Object.assign(raw, overrides);

  const port = int(raw, 'PORT', { max: 65535 });
  const publicUrl = url(raw, 'PUBLIC_URL', { optional: true }) ?? `http://localhost:${port}`;
  const realm = str(raw, 'REALM');
  if (!/^[A-Za-z0-9._-]+$/.test(realm)) throw new ConfigError('REALM', `must be a simple name, got "${realm}"`);
  const issuer = `${publicUrl}/auth/realms/${realm}`;
  const subjectUuid = str(raw, 'SUBJECT_UUID');
  if (!UUID.test(subjectUuid)) throw new ConfigError('SUBJECT_UUID', 'must be a UUID');
  const acr = str(raw, 'ACR');
  if (!acr) throw new ConfigError('ACR', 'is required');
  const production = str(raw, 'NODE_ENV') === 'production';
  const keysEncryptionKey = str(raw, 'KEYS_ENCRYPTION_KEY') || undefined;
  const cookieKeys = list(raw, 'COOKIE_KEYS');
  if (production && !keysEncryptionKey) throw new ConfigError('KEYS_ENCRYPTION_KEY', 'is required when NODE_ENV=production');
  if (production && cookieKeys.length === 0) throw new ConfigError('COOKIE_KEYS', 'is required when NODE_ENV=production');
  const ttl: Lifetimes = {
    accessToken: int(raw, 'ACCESS_TOKEN_TTL', { min: 1 }),
    refreshToken: int(raw, 'REFRESH_TOKEN_TTL', { min: 1 }),
    authorizationCode: int(raw, 'AUTHORIZATION_CODE_TTL', { min: 1, max: 600 }),
    session: int(raw, 'SESSION_TTL', { min: 60 }),
    sessionIdle: int(raw, 'SESSION_IDLE_TTL', { min: 60 }),
    interaction: int(raw, 'INTERACTION_TTL', { min: 60 }),
    ciba: int(raw, 'CIBA_TTL', { min: 10 }),
  };
  if (ttl.sessionIdle > ttl.session) throw new ConfigError('SESSION_IDLE_TTL', 'must not exceed SESSION_TTL');
  const dataDir = path.resolve(str(raw, 'DATA_DIR') || './data');
  const databaseUrl = str(raw, 'DATABASE_URL') || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  }
  const authenticators = list(raw, 'AUTHENTICATORS');
  for (const a of authenticators) {
    if (!['card', 'ecps'].includes(a)) throw new ConfigError('AUTHENTICATORS', `unknown authenticator "${a}" (known: card, ecps)`);
  }

  return {
    port,
    host: str(raw, 'HOST'),
    publicUrl,
    realm,
    issuer,
    issuerPath: new URL(issuer).pathname,
    authorizationEndpoint: url(raw, 'AUTHORIZATION_ENDPOINT', { optional: true }),
    authorizationPost: authorizationPost(raw, publicUrl),
    databaseUrl,
    databasePoolMax: int(raw, 'DATABASE_POOL_MAX', { min: 1, max: 500 }),
    dataDir,
    migrateOnStart: bool(raw, 'MIGRATE_ON_START'),
    subjectUuid,
    acr,
    ttl,
    cibaInterval: int(raw, 'CIBA_INTERVAL', { min: 1, max: 60 }),
    pkceRequired: bool(raw, 'PKCE_REQUIRED'),
    trustProxy: bool(raw, 'TRUST_PROXY'),
    trustedProxies: list(raw, 'TRUSTED_PROXIES'),
    clientCertHeader: str(raw, 'CLIENT_CERT_HEADER').toLowerCase() || undefined,
    clientCertHeaderFormat: oneOf(raw, 'CLIENT_CERT_HEADER_FORMAT', ['pem-urlencoded', 'base64-der'] as const),
    authenticators,
    logLevel: oneOf(raw, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    card: readCardSettings(raw, publicUrl),
    // auto: the fresh-machine default (no DATABASE_URL) runs the demo; a real deployment does not.
    demo: str(raw, 'DEMO') === 'auto' ? !databaseUrl && !production : bool(raw, 'DEMO'),
    production,
    directoryImport: readDirectoryImportSettings(raw),
    keysEncryptionKey,
    cookieKeys,
    ops: readOpsSettings(raw),
    ecps: parseEcpsSettings(raw, { production, dataDir }),
    warnings: secretFiles.warnings,
  };
}
