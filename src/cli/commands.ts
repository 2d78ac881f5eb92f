import type { Command } from 'commander';

import { registerAuditCommands } from '../audit/commands.js';
import { registerCardCommands } from '../authenticators/card/cli.js';
import { registerEcpsCommands } from '../authenticators/ecps/cli.js';
import { openCliContext } from './context.js';
import { migrate, migrationStatus } from '../db/migrate.js';
import { registerDirectoryCommands } from '../directory/cli/commands.js';
import { registerClients } from './commands/clients.js';
import { registerKeys } from './commands/keys.js';
import { registerServe } from './commands/serve.js';

/** Registers every subcommand. Areas add theirs here, one line each. */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerClients(program);
  registerKeys(program);
  registerAuditCommands(program);
  registerEcpsCommands(program);
  program
    .command('migrate')
    .description('apply pending database migrations (or --status to list them)')
    .option('--status', 'only show applied and pending migrations')
    .action(async (opts: { status?: boolean }) => {
      const ctx = await openCliContext({ migrateFirst: false });
      try {
        if (opts.status) {
          const s = await migrationStatus(ctx.database);
          console.log(JSON.stringify(s, null, 2));
          if (s.changed.length) process.exitCode = 1;
        } else {
          const done = await migrate(ctx.database);
          console.log(done.length ? `applied: ${done.join(', ')}` : 'database is up to date');
        }
      } finally {
        await ctx.close();
      }
    });
  registerCardCommands(program);
  registerDirectoryCommands(program);
}
