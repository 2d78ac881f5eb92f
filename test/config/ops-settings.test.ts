import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, test } from '@jest/globals';

import { ConfigError } from '../../src/config/errors.js';
import { parseBytes } from '../../src/config/ops-settings.js';
import { loadSettings, projectRoot } from '../../src/config/settings.js';

describe('operations settings', () => {
  test('defaults', () => {
    expect(loadSettings({}).ops).toEqual({
      bodyLimit: 56 * 1024,
      shutdownTimeout: 10,
      shutdownDrainDelay: 0,
      rateLimit: { enabled: true, windowSeconds: 60, login: 20, token: 300, cibaPending: 3, ciba: 10, cibaWindowSeconds: 900 },
      cardAgentOrigins: [],
      formActionOrigins: [],
      metricsEnabled: true,
      auditRetentionDays: 400,
    });
  });

  test('from the environment', () => {
    const ops = loadSettings({
      BODY_LIMIT: '1mb', SHUTDOWN_TIMEOUT: '25', SHUTDOWN_DRAIN_DELAY: '5', RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_WINDOW: '300',
      RATE_LIMIT_LOGIN: '5', RATE_LIMIT_TOKEN: '1000', RATE_LIMIT_CIBA_PENDING: '0', RATE_LIMIT_CIBA: '30', RATE_LIMIT_CIBA_WINDOW: '3600',
      CARD_AGENT_ORIGINS: 'http://127.0.0.1:9444, http://localhost:9445/',
      FORM_ACTION_ORIGINS: 'https://rp.example', METRICS_ENABLED: 'no', AUDIT_RETENTION_DAYS: '90',
    }).ops;
    expect(ops).toEqual({
      bodyLimit: 1024 * 1024,
      shutdownTimeout: 25,
      shutdownDrainDelay: 5,
      rateLimit: { enabled: false, windowSeconds: 300, login: 5, token: 1000, cibaPending: 0, ciba: 30, cibaWindowSeconds: 3600 },
      cardAgentOrigins: ['http://127.0.0.1:9444', 'http://localhost:9445'],
      formActionOrigins: ['https://rp.example'],
      metricsEnabled: false,
      auditRetentionDays: 90,
    });
  });

  test.each([
    ['BODY_LIMIT', 'lots', /BODY_LIMIT: must be a size/],
    ['BODY_LIMIT', '10', /BODY_LIMIT: must be between 1kb and 64mb/],
    ['SHUTDOWN_TIMEOUT', '0', /SHUTDOWN_TIMEOUT: must be between 1 and 600/],
    ['SHUTDOWN_DRAIN_DELAY', '600', /SHUTDOWN_DRAIN_DELAY: must be between 0 and 120/],
    ['RATE_LIMIT_LOGIN', '-3', /RATE_LIMIT_LOGIN: must be a whole number/],
    ['RATE_LIMIT_ENABLED', 'maybe', /RATE_LIMIT_ENABLED: must be true or false/],
    ['RATE_LIMIT_CIBA_PENDING', 'none', /RATE_LIMIT_CIBA_PENDING: must be a whole number/],
    ['RATE_LIMIT_CIBA_WINDOW', '0', /RATE_LIMIT_CIBA_WINDOW: must be between 1 and 86400/],
    ['CARD_AGENT_ORIGINS', 'http://agent.example:9444', /CARD_AGENT_ORIGINS: "http:\/\/agent.example:9444" must be https \(http only for 127.0.0.1/],
    ['CARD_AGENT_ORIGINS', 'http://127.0.0.1:9444/api', /CARD_AGENT_ORIGINS: .* must be an origin only/],
    ['FORM_ACTION_ORIGINS', "https://rp.example 'unsafe-inline'", /FORM_ACTION_ORIGINS: .* is not an origin/],
  ])('%s=%s is refused with a message naming the setting', (name, value, message) => {
    let error: unknown;
    try {
      loadSettings({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(name);
    expect((error as Error).message).toMatch(message);
  });

  test('parseBytes: binary units', () => {
    expect(parseBytes('X', '56kb')).toBe(57_344);
    expect(parseBytes('X', '2MB')).toBe(2_097_152);
    expect(parseBytes('X', '4096')).toBe(4096);
  });
});

test('every operations setting is documented in docs/operations.md', () => {
  const source = readFileSync(path.join(projectRoot, 'src', 'config', 'ops-settings.ts'), 'utf8');
  const names = [...new Set([...source.matchAll(/\(raw, '([A-Z_]+)'/g)].map((m) => m[1]!))];
  expect(names.length).toBeGreaterThanOrEqual(11);
  const doc = readFileSync(path.join(projectRoot, 'docs', 'operations.md'), 'utf8');
  expect(names.filter((n) => !doc.includes(`| \`${n}\` |`))).toEqual([]);
});
