import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SECRET_SETTINGS } from '../../src/config/secret-files.js';
import { loadSettings, projectRoot } from '../../src/config/settings.js';
import {
  composeFile, composeSecretFiles, composeServiceEnv, composeServiceRawEnv, composeServiceSecrets, interpolate, loadCompose,
  mountComposeSecrets, parseDockerfile, type DockerStage,
} from '../helpers/compose.js';

// Without a Docker engine on the test machines, these tests check what can be checked statically:
// the files agree with each other and with the settings the application knows.

const compose = loadCompose();
const { stages } = parseDockerfile();
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === 'build')!;
const known = new Set([
  ...Object.keys(JSON.parse(readFileSync(path.join(projectRoot, 'config', 'default.json'), 'utf8')) as object),
  'KEYS_ENCRYPTION_KEY', 'COOKIE_KEYS', 'NODE_ENV', 'DATABASE_URL',
  ...SECRET_SETTINGS.map((name) => `${name}_FILE`),
]);
// Stand-ins for the files of docker/secrets/ (what ops create), written to a temporary folder.
const secretsDir = mkdtempSync(path.join(tmpdir(), 'openpsc-compose-secrets-'));
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));
const sampleSecrets = {
  keys_encryption_key: 'k'.repeat(44),
  cookie_keys: 'c'.repeat(43),
  postgres_password: 'p'.repeat(32),
  database_url: `postgres://openpsc:${'p'.repeat(32)}@postgres:5432/openpsc`,
};
/** The settings a service gets: its compose environment, its secrets mounted as files. */
const serviceSettings = (service: string, values: Record<string, string> = sampleSecrets) =>
  loadSettings(mountComposeSecrets(service, composeServiceEnv(service, {}), values, secretsDir));
const instructions = (stage: DockerStage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
/** Services running the OpenPSC image (as opposed to PostgreSQL). */
const openpscServices = Object.entries(compose.services)
  .filter(([, s]) => s.image?.includes('openpsc'))
  .map(([name]) => name);

describe('docker/compose.yaml', () => {
  test('has postgres, a migration job, the idp and a demo profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['demo', 'idp', 'migrate', 'postgres']);
    expect(openpscServices.sort()).toEqual(['demo', 'idp', 'migrate']);
    expect(compose.services.demo!.profiles).toEqual(['demo']);
  });

  test.each(['idp', 'migrate', 'demo'])('every variable given to %s is a setting OpenPSC knows', (service) => {
    const names = Object.keys(composeServiceRawEnv(service));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  test('the idp runs the image command, without migrating (the migrate job did)', () => {
    const cmd = instructions(runtime, 'CMD').at(-1)!.json;
    expect(cmd).toEqual(['node', 'dist/src/cli/main.js', 'serve']);
    expect(compose.services.idp!.command).toEqual(cmd);
    expect(compose.services.migrate!.command).toEqual(['node', 'dist/src/cli/main.js', 'migrate']);
    expect(composeServiceRawEnv('idp').MIGRATE_ON_START).toBe('false');
  });

  test('start order: postgres healthy → migrate completed successfully → idp', () => {
    expect(compose.services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.idp!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  test('postgres keeps its data in a named volume and has a pg_isready healthcheck', () => {
    const pg = compose.services.postgres!;
    expect(pg.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes ?? {})).toContain('pgdata');
    expect(String(pg.healthcheck?.test)).toContain('pg_isready');
  });

  test('the idp and the demo have the same healthcheck as the image: GET /healthz with node', () => {
    const image = instructions(runtime, 'HEALTHCHECK')[0]!.json;
    expect(image?.join(' ')).toContain('/healthz');
    expect(compose.services.idp!.healthcheck?.test).toEqual(['CMD', ...image!]);
    expect(compose.services.demo!.healthcheck?.test).toEqual(['CMD', ...image!]);
  });

  test('OpenPSC containers have a read-only root file system and write only to /data and /tmp', () => {
    for (const name of openpscServices) {
      const s = compose.services[name]!;
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toEqual(['/tmp']);
      expect((s.volumes ?? []).every((v) => v.endsWith(':/data'))).toBe(true);
    }
  });

  test.each(['migrate', 'idp'])('%s gets its secrets as files mounted by compose, never as values in the environment', (service) => {
    const raw = composeServiceRawEnv(service);
    for (const name of SECRET_SETTINGS) expect(raw[name]).toBeUndefined();
    const mounts = composeServiceSecrets(service);
    expect(raw).toMatchObject({
      DATABASE_URL_FILE: mounts.database_url,
      KEYS_ENCRYPTION_KEY_FILE: mounts.keys_encryption_key,
      COOKIE_KEYS_FILE: mounts.cookie_keys,
    });
    // Every *_FILE setting names a file compose mounts in this service.
    const fileSettings = Object.entries(raw).filter(([k]) => k.endsWith('_FILE'));
    expect(fileSettings.filter(([, v]) => !Object.values(mounts).includes(v))).toEqual([]);
    expect(Object.keys(mounts).sort()).toEqual(['cookie_keys', 'database_url', 'keys_encryption_key']);
  });

  test('postgres reads its password from the postgres_password secret', () => {
    const raw = composeServiceRawEnv('postgres');
    expect(raw.POSTGRES_PASSWORD).toBeUndefined();
    expect(raw.POSTGRES_PASSWORD_FILE).toBe(composeServiceSecrets('postgres').postgres_password);
  });

  test('no secret value is interpolated from the host environment', () => {
    const text = readFileSync(composeFile, 'utf8');
    for (const name of [...SECRET_SETTINGS, 'POSTGRES_PASSWORD']) expect(text).not.toContain(`\${${name}`);
  });

  test('every secret is a file under docker/secrets/, which git ignores (.dockerignore: see the Dockerfile tests)', () => {
    const files = composeSecretFiles();
    expect(Object.keys(files).sort()).toEqual(['cookie_keys', 'database_url', 'keys_encryption_key', 'postgres_password']);
    const secretsFolder = path.join(projectRoot, 'docker', 'secrets');
    for (const file of Object.values(files)) {
      expect(path.dirname(file)).toBe(secretsFolder);
      // Exits non-zero (and throws) when the path is not ignored.
      execFileSync('git', ['check-ignore', '-q', path.relative(projectRoot, file)], { cwd: projectRoot });
    }
  });

  test('the idp environment with its secret files is accepted by loadSettings, production mode', () => {
    const settings = serviceSettings('idp');
    expect(settings.production).toBe(true);
    expect(settings.migrateOnStart).toBe(false);
    expect(settings.databaseUrl).toBe(sampleSecrets.database_url);
    expect(settings.keysEncryptionKey).toBe(sampleSecrets.keys_encryption_key);
    expect(settings.cookieKeys).toEqual([sampleSecrets.cookie_keys]);
    expect(settings.publicUrl).toBe('http://localhost:8080');
    expect(settings.demo).toBe(false);
    expect(settings.warnings).toEqual([]);
  });

  test('Docker waits longer than the server drains before it kills (stop_grace_period > SHUTDOWN_TIMEOUT)', () => {
    for (const name of ['idp', 'demo']) {
      const grace = /^(\d+)s$/.exec(String(compose.services[name]!.stop_grace_period))?.[1];
      const settings = serviceSettings(name);
      expect(Number(grace)).toBeGreaterThan(settings.ops.shutdownTimeout + settings.ops.shutdownDrainDelay);
    }
  });

  test('without the secret files, production refuses to start and names the setting and the file', () => {
    expect(() => loadSettings(composeServiceEnv('idp', {})))
      .toThrow('KEYS_ENCRYPTION_KEY_FILE: cannot read /run/secrets/keys_encryption_key: ENOENT (no such file)');
    expect(() => serviceSettings('idp', { ...sampleSecrets, cookie_keys: '' }))
      .toThrow(/^COOKIE_KEYS_FILE: .*idp-cookie_keys is empty$/);
  });

  test('the demo environment loads without any secret (development, secrets generated in /data)', () => {
    const settings = loadSettings(composeServiceEnv('demo', {}));
    expect(settings.production).toBe(false);
    expect(settings.demo).toBe(true);
    expect(settings.databaseUrl).toBeUndefined();
    expect(settings.publicUrl).toBe('http://localhost:8081');
  });
});

describe('docker/Dockerfile', () => {
  test('two stages on a Node 24 slim image', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of stages) expect(s.from).toMatch(/^node:24-[a-z]+-slim$/);
  });

  test('build stage: native toolchain, npm ci, build, then prune to production dependencies (no `node` package)', () => {
    const runs = instructions(build, 'RUN').map((i) => i.args).join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npm prune --omit=dev');
    expect(runs).toContain('test ! -e node_modules/node');
    expect(runs.indexOf('npm ci')).toBeLessThan(runs.indexOf('npm run build'));
    expect(runs.indexOf('npm run build')).toBeLessThan(runs.indexOf('npm prune'));
  });

  test('runtime stage: no compiler, no npm install, dependencies copied from the build stage', () => {
    const runs = instructions(runtime, 'RUN').map((i) => i.args).join('\n');
    expect(runs).not.toMatch(/npm (ci|install)|apt-get/);
    const copies = instructions(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
  });

  test('runs as a non-root user, declared after the last write as root', () => {
    const user = instructions(runtime, 'USER').at(-1)!.args;
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('RUN'));
    expect(keywords.lastIndexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('COPY'));
  });

  test('environment variables set by the image are settings OpenPSC knows', () => {
    const env = instructions(runtime, 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=/g)].map((m) => m[1]!));
    expect(env).toEqual(expect.arrayContaining(['NODE_ENV', 'DATA_DIR', 'PORT', 'HOST']));
    expect(env.filter((n) => !known.has(n))).toEqual([]);
  });

  test('/data is the writable volume and DATA_DIR points at it', () => {
    expect(instructions(runtime, 'VOLUME')[0]!.json).toEqual(['/data']);
    expect(instructions(runtime, 'ENV').map((i) => i.args).join(' ')).toContain('DATA_DIR=/data');
  });

  test('what the image copies from the build context exists and is not excluded by .dockerignore', () => {
    const ignore = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8').split('\n')
      .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = stages.flatMap((s) => instructions(s, 'COPY'))
      .filter((i) => !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.sort()).toEqual(['config', 'migrations', 'package-lock.json', 'package.json', 'src', 'static', 'tsconfig.build.json', 'tsconfig.json']);
    for (const src of sources) {
      expect(ignore.filter((pattern) => pattern.replace(/^\*\*\//, '') === src)).toEqual([]);
    }
    const missing = sources.filter((src) => !existsSync(path.join(projectRoot, src)));
    expect(missing).toEqual([]);
  });

  test('the secrets and local data never enter the build context', () => {
    const ignore = readFileSync(path.join(projectRoot, '.dockerignore'), 'utf8');
    for (const p of ['**/node_modules', 'dist', 'data', '.env', '.git', 'docker/secrets']) expect(ignore.split('\n')).toContain(p);
  });
});

describe('compose variable interpolation (helper)', () => {
  test.each([
    ['${A}', { A: 'x' }, 'x'],
    ['${A:-d}', {}, 'd'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['pre-$A-post', { A: 'x' }, 'pre-x-post'],
    ['$$A', { A: 'x' }, '$A'],
    ['postgres://u:${P:-openpsc}@h/db', { P: 's3' }, 'postgres://u:s3@h/db'],
  ])('%s with %j → %s', (value, env, expected) => {
    expect(interpolate(value, env as Record<string, string>)).toBe(expected);
  });

  test('${A:?message} fails when A is unset', () => {
    expect(() => interpolate('${A:?set A}', {})).toThrow('required variable A is not set: set A');
  });
});
