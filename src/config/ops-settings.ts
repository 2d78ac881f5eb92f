import { ConfigError } from './errors.js';
import { bool, int, list, str, type Raw } from './parse.js';

/** Production settings of the HTTP layer: limits, rate limits, shutdown, CSP origins, metrics. */
export interface OpsSettings {
  /** Largest accepted request body, in bytes (BODY_LIMIT, e.g. "56kb"). */
  bodyLimit: number;
  /** Seconds to wait for in-flight requests on SIGTERM before closing their connections. */
  shutdownTimeout: number;
  /** Seconds to keep serving (reporting not ready) after SIGTERM before closing the listener. */
  shutdownDrainDelay: number;
  rateLimit: {
    enabled: boolean;
    windowSeconds: number;
    /** Login attempts (interaction POSTs) per client IP per window. */
    login: number;
    /** Token, PAR, CIBA, introspection and revocation calls per client IP per window. */
    token: number;
    /**
     * CIBA requests per professional (national id), counted in the database so that they hold
     * across nodes (src/oidc/ciba-limits.ts); 0 turns a limit off. Not switched by `enabled`:
     * they protect a person's phone from push spam, not the server from load.
     */
    cibaPending: number;
    ciba: number;
    cibaWindowSeconds: number;
  };
  /** Origins the login pages may call with fetch(), e.g. the local card agent http://127.0.0.1:<port>. */
  cardAgentOrigins: string[];
  /** Extra origins login forms may post (and be redirected) to, on top of the RP redirect origins. */
  formActionOrigins: string[];
  metricsEnabled: boolean;
  /** Authentication events older than this are removed by `openpsc audit purge`. */
  auditRetentionDays: number;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** "56kb", "1mb", "4096" → bytes (binary units, as body parsers count them). */
export function parseBytes(name: string, value: string): number {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(value.trim());
  if (!m) throw new ConfigError(name, `must be a size such as 56kb, 1mb or a number of bytes, got "${value}"`);
  const bytes = Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!;
  if (bytes < 1024 || bytes > 64 * 1024 * 1024) throw new ConfigError(name, `must be between 1kb and 64mb, got "${value}"`);
  return bytes;
}

/** An http(s) origin without path, as CSP source lists need it (http only for loopback). */
function origins(raw: Raw, name: string): string[] {
  return list(raw, name).map((s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError(name, `"${s}" is not an origin such as https://rp.example or http://127.0.0.1:9444`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
      throw new ConfigError(name, `"${s}" must be https (http only for 127.0.0.1, localhost or [::1])`);
    }
    if (u.origin !== s.replace(/\/$/, '')) throw new ConfigError(name, `"${s}" must be an origin only (no path, query or fragment)`);
    return u.origin;
  });
}

export function readOpsSettings(raw: Raw): OpsSettings {
  return {
    bodyLimit: parseBytes('BODY_LIMIT', str(raw, 'BODY_LIMIT')),
    shutdownTimeout: int(raw, 'SHUTDOWN_TIMEOUT', { min: 1, max: 600 }),
    shutdownDrainDelay: int(raw, 'SHUTDOWN_DRAIN_DELAY', { max: 120 }),
    rateLimit: {
      enabled: bool(raw, 'RATE_LIMIT_ENABLED'),
      windowSeconds: int(raw, 'RATE_LIMIT_WINDOW', { min: 1, max: 86_400 }),
      login: int(raw, 'RATE_LIMIT_LOGIN', { min: 1 }),
      token: int(raw, 'RATE_LIMIT_TOKEN', { min: 1 }),
      cibaPending: int(raw, 'RATE_LIMIT_CIBA_PENDING'),
      ciba: int(raw, 'RATE_LIMIT_CIBA'),
      cibaWindowSeconds: int(raw, 'RATE_LIMIT_CIBA_WINDOW', { min: 1, max: 86_400 }),
    },
    cardAgentOrigins: origins(raw, 'CARD_AGENT_ORIGINS'),
    formActionOrigins: origins(raw, 'FORM_ACTION_ORIGINS'),
    metricsEnabled: bool(raw, 'METRICS_ENABLED'),
    auditRetentionDays: int(raw, 'AUDIT_RETENTION_DAYS', { min: 1, max: 3650 }),
  };
}
