#!/usr/bin/env node
import { Command } from 'commander';

import { ConfigError } from '../config/errors.js';
import { registerCommands } from './commands.js';

/**
 * `openpsc` — one program for every task: serve, migrate, clients, keys, directory, card-agent,
 * ecps-device. Each area registers its own subcommands in src/cli/commands.ts.
 */
const program = new Command('openpsc')
  .description('OpenPSC: a Pro Santé Connect–compatible OpenID Connect provider')
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`Configuration error — ${err.message}`);
    process.exit(78); // EX_CONFIG
  }
  console.error(`openpsc: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
