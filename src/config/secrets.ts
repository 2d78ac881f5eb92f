import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Settings } from './settings.js';

interface DevSecrets {
  KEYS_ENCRYPTION_KEY: string;
  COOKIE_KEYS: string[];
}

/**
 * Outside production a fresh machine must start with no configuration, so missing secrets are
 * generated once and kept in DATA_DIR/dev-secrets.json (mode 0600). Production refuses to start
 * without them (see loadSettings). Returns the names of the secrets that were filled in.
 */
export function fillDevSecrets(settings: Settings): string[] {
  if (settings.production || (settings.keysEncryptionKey && settings.cookieKeys.length)) return [];
  const file = path.join(settings.dataDir, 'dev-secrets.json');
  let secrets: DevSecrets;
  try {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch {
    secrets = {
      KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      COOKIE_KEYS: [randomBytes(32).toString('base64url')],
    };
    mkdirSync(settings.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  const filled: string[] = [];
  if (!settings.keysEncryptionKey) {
    settings.keysEncryptionKey = secrets.KEYS_ENCRYPTION_KEY;
    filled.push('KEYS_ENCRYPTION_KEY');
  }
  if (!settings.cookieKeys.length) {
    settings.cookieKeys = secrets.COOKIE_KEYS;
    filled.push('COOKIE_KEYS');
  }
  return filled;
}
