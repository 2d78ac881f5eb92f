import { readFileSync } from 'node:fs';

import type { Command } from 'commander';

import { loadSettings } from '../../config/settings.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { CardReader } from './agent/card-reader.js';
import { pkcs11ModulePath } from './agent/default-module.js';
import { finalizePkcs11Modules, loadPkcs11Module } from './agent/pkcs11-module.js';
import { startCardAgent, type RunningAgent } from './agent/server.js';
import { CrlCache } from './certificates/crl-cache.js';
import { derObjects } from './certificates/pem.js';
import { TrustStore } from './certificates/trust-store.js';
import { CardCertificateValidator } from './certificates/validator.js';
import { CardError } from './errors.js';

export interface CardAgentCliOptions {
  module?: string;
  port?: string;
  origin?: string;
  tokenLabel?: string;
}

/**
 * Starts the card agent from settings and flags (flags win). Resolves once listening.
 *
 * @example
 *   // openpsc card-agent --module /usr/lib/softhsm/libsofthsm2.so --origin https://psc.example --port 23777
 *   const agent = await runCardAgent({ module: '/usr/lib/softhsm/libsofthsm2.so', port: '0', origin: 'https://psc.example' });
 */
export async function runCardAgent(opts: CardAgentCliOptions, env = process.env, logger?: Logger): Promise<RunningAgent> {
  // The agent holds no server secret: production's KEYS_ENCRYPTION_KEY/COOKIE_KEYS checks do not apply.
  const settings = loadSettings({ ...env, NODE_ENV: undefined });
  const log = logger ?? createLogger(settings.logLevel, process.stderr);
  const modulePath = pkcs11ModulePath(opts.module ?? settings.card.agentPkcs11Module);
  const origin = opts.origin ? new URL(opts.origin).origin : settings.card.agentOrigin;
  const tokenLabel = opts.tokenLabel ?? settings.card.agentTokenLabel;
  log.info({ event: 'card_agent.module', module: modulePath }, 'PKCS#11 module');
  return startCardAgent({
    reader: () => new CardReader(loadPkcs11Module(modulePath), { tokenLabel: tokenLabel || undefined }),
    allowedOrigin: origin,
    port: opts.port !== undefined ? Number(opts.port) : settings.card.agentPort,
    logger: log,
  });
}

/**
 * Checks a certificate file (DER or PEM) as a card login would: chain to CARD_TRUST_ANCHORS,
 * dates, key usage, CARD_CRLS. Returns the national id; throws the CardError otherwise.
 *
 * @example
 *   // openpsc card check-certificate ./aut.pem
 *   await checkCertificateFile('./aut.pem'); // '899700218896'
 */
export async function checkCertificateFile(file: string, env = process.env, logger?: Logger): Promise<string> {
  const settings = loadSettings(env);
  const log = logger ?? createLogger(settings.logLevel, process.stderr);
  const crls = new CrlCache({ sources: settings.card.crls, refreshSeconds: settings.card.crlRefresh, logger: log });
  await crls.refresh();
  const validator = new CardCertificateValidator({
    trustStore: TrustStore.fromPaths(settings.card.trustAnchors), crls, stalePolicy: settings.card.crlStalePolicy, logger: log,
  });
  const [der] = derObjects(readFileSync(file), 'CERTIFICATE');
  return validator.validate(der!).subject.nationalId;
}

/** `openpsc card-agent` and `openpsc card check-certificate`. */
export function registerCardCommands(program: Command): void {
  program
    .command('card-agent')
    .description('run the CPS card agent on this workstation (loopback HTTP API the login page calls)')
    .option('--module <path>', 'PKCS#11 module (default: CARD_AGENT_PKCS11_MODULE, else the Cryptolib CPS library)')
    .option('--port <port>', 'loopback port (default: CARD_AGENT_PORT)')
    .option('--origin <url>', 'the IdP origin allowed to use the agent (default: CARD_AGENT_ORIGIN, else PUBLIC_URL)')
    .option('--token-label <label>', 'use only tokens with this label')
    .action(async (opts: CardAgentCliOptions) => {
      const agent = await runCardAgent(opts);
      console.error(`card agent listening on ${agent.url}`);
      const stop = (): void => {
        void agent.close().finally(() => {
          finalizePkcs11Modules();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  program
    .command('card')
    .description('card authenticator administration')
    .command('check-certificate <file>')
    .description('validate a card certificate (DER/PEM) against CARD_TRUST_ANCHORS and CARD_CRLS')
    .action(async (file: string) => {
      try {
        console.log(`OK: national id ${await checkCertificateFile(file)}`);
      } catch (err) {
        if (!(err instanceof CardError)) throw err;
        console.error(`${err.code}: ${err.detail ?? ''}\n${err.message}`);
        process.exitCode = 1;
      }
    });
}
