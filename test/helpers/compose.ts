import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { projectRoot } from '../../src/config/settings.js';

/**
 * Reading docker/compose.yaml and docker/Dockerfile the way Docker does, for tests that check them
 * without a Docker engine, and for starting the real bundle with the environment compose gives it.
 *
 * @example
 *   // Start the IdP in a test with exactly the settings compose passes to the `idp` service:
 *   const env = composeServiceEnv('idp', {
 *     KEYS_ENCRYPTION_KEY: key, COOKIE_KEYS: cookie,
 *   }, { DATABASE_URL: t.url, PUBLIC_URL: 'http://127.0.0.1:0' });
 *   const settings = loadSettings(env);
 */

export const composeFile = path.join(projectRoot, 'docker', 'compose.yaml');
export const dockerfile = path.join(projectRoot, 'docker', 'Dockerfile');

export interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string };
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  user?: string;
  read_only?: boolean;
  volumes?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadCompose(file = composeFile): ComposeFile {
  // Compose supports YAML merge keys (`<<: *anchor`).
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (required), `$$` (a dollar).
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name: string | undefined, colon: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      if (bare) return env[bare] ?? '';
      const v = env[name!];
      const missing = colon ? !v : v === undefined;
      if (!op) return v ?? '';
      if (!missing) return v!;
      if (op === '-') return interpolate(arg ?? '', env);
      throw new Error(`compose: required variable ${name} is not set${arg ? `: ${arg}` : ''}`);
    });
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => {
      const i = line.indexOf('=');
      return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The raw (not interpolated) environment of a service, as written in compose.yaml. */
export function composeServiceRawEnv(service: string, file = composeFile): Record<string, string> {
  const s = loadCompose(file).services[service];
  if (!s) throw new Error(`compose: no service "${service}"`);
  return environmentOf(s);
}

/**
 * The environment compose gives to `service`, interpolated against `env` (the host's variables,
 * process.env by default), then `overrides` on top (a test's database URL, a free port…).
 */
export function composeServiceEnv(
  service: string,
  env: Record<string, string | undefined> = process.env,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const raw = composeServiceRawEnv(service);
  const resolved = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(v, env)]));
  return { ...resolved, ...overrides };
}

export interface DockerInstruction {
  keyword: string;
  args: string;
  /** For JSON (exec) form arguments: the parsed array. */
  json?: string[];
}

export interface DockerStage {
  from: string;
  name?: string;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into stages of instructions (continuations joined, comments dropped). */
export function parseDockerfile(text = readFileSync(dockerfile, 'utf8')): { args: Record<string, string>; stages: DockerStage[] } {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) lines.push(full);
  }
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (keyword === 'FROM') {
      const [from, as, name] = rest.split(/\s+/);
      stages.push({ from: from!.replace(/\$\{(\w+)\}/g, (_w, n: string) => args[n] ?? ''), name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    if (keyword === 'ARG' && !stages.length) {
      const [k, v = ''] = rest.split('=');
      args[k!] = v;
      continue;
    }
    // Exec form: CMD ["node", …]; HEALTHCHECK [--options] CMD ["node", …].
    const execForm = keyword === 'HEALTHCHECK' ? /\bCMD\s+(\[[\s\S]*\])$/.exec(rest)?.[1] : rest.startsWith('[') ? rest : undefined;
    let json: string[] | undefined;
    try {
      json = execForm ? JSON.parse(execForm) as string[] : undefined;
    } catch {
      json = undefined;
    }
    stages.at(-1)?.instructions.push({ keyword, args: rest, json });
  }
  return { args, stages };
}
