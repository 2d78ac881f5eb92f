import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { projectRoot } from '../../src/config/settings.js';

/**
 * Reading docker/compose.yaml and docker/Dockerfile the way Docker does, for tests that check them
 * without a Docker engine, and for starting the real bundle with the environment compose gives it.
 *
 * @example
 *   // Start the IdP in a test with exactly the settings and secret files compose gives the `idp` service:
 *   const env = mountComposeSecrets('idp', composeServiceEnv('idp', {}, { PORT: '0' }), {
 *     keys_encryption_key: key, cookie_keys: cookie, database_url: t.url,
 *   }, tmpDir);
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
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
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

/** Where compose mounts the secrets of a service: secret name → path in the container. */
export function composeServiceSecrets(service: string, file = composeFile): Record<string, string> {
  const s = loadCompose(file).services[service];
  if (!s) throw new Error(`compose: no service "${service}"`);
  const list = (s.secrets ?? []) as Array<string | { source: string; target?: string }>;
  return Object.fromEntries(list.map((entry) => {
    const { source, target = source } = typeof entry === 'string' ? { source: entry } : entry;
    return [source, target.startsWith('/') ? target : `/run/secrets/${target}`];
  }));
}

/** The top-level `secrets:` of compose.yaml: name → file on the host (relative paths resolved as compose does). */
export function composeSecretFiles(file = composeFile): Record<string, string> {
  return Object.fromEntries(Object.entries(loadCompose(file).secrets ?? {})
    .map(([name, def]) => [name, path.resolve(path.dirname(file), def.file ?? '')]));
}

/**
 * Docker's part of file secrets, for tests without Docker: writes `values` (secret name →
 * content, with the trailing newline `openssl … >` leaves) into `dir`, mode 0600, and points every
 * variable of `env` that names a mount of `service` (`/run/secrets/<name>`) at that file instead.
 */
export function mountComposeSecrets(
  service: string,
  env: Record<string, string>,
  values: Record<string, string>,
  dir: string,
): Record<string, string> {
  const mounts = composeServiceSecrets(service);
  const local = Object.fromEntries(Object.entries(mounts).map(([name, target]) => {
    if (values[name] === undefined) throw new Error(`compose: no value given for the secret "${name}" of ${service}`);
    const hostFile = path.join(dir, `${service}-${name}`);
    writeFileSync(hostFile, `${values[name]}\n`);
    chmodSync(hostFile, 0o600);
    return [target, hostFile];
  }));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, local[v] ?? v]));
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
