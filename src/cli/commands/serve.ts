import type { Command } from 'commander';

import { prepareDemo } from '../../demo/prepare-demo.js';
import { startServer } from '../../http/server.js';
import { openCliContext } from '../context.js';

/**
 * `openpsc serve` — runs the IdP. With no DATABASE_URL it runs on embedded PGlite under DATA_DIR.
 *
 * @example
 *   PORT=8080 PUBLIC_URL=https://auth.example.fr DATABASE_URL=postgres://… openpsc serve
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the identity provider')
    .action(async () => {
      const ctx = await openCliContext();
      const running = await startServer(ctx);
      const { settings } = ctx;
      ctx.logger.info({ issuer: settings.issuer, database: ctx.database.kind }, 'OpenPSC started');
      console.log(`OpenPSC listening on ${settings.host}:${settings.port} (${ctx.database.kind === 'pglite' ? `embedded PGlite in ${settings.dataDir}` : 'PostgreSQL'})`);
      console.log(`  issuer:    ${settings.issuer}`);
      console.log(`  discovery: ${settings.issuer}/.well-known/openid-configuration`);
      console.log(`             ${settings.issuer}/.well-known/wallet-openid-configuration`);
      if (settings.demo) {
        const hints = await prepareDemo(running.openpsc, ctx.database, settings);
        console.log('\nDemo (DEMO=auto without DATABASE_URL):');
        for (const line of hints) console.log(`  ${line}`);
      }
      running.shutdown.installSignalHandlers();
    });
}
