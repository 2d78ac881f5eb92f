import type { Command } from 'commander';

import { SecretBox } from '../../crypto/secret-box.js';
import { listKeys, retireKey, rotateKey, SIGNING_ALGS, type SigningAlg } from '../../oidc/keys.js';
import { openCliContext } from '../context.js';

/**
 * `openpsc keys list|rotate|retire` — token signing keys.
 *
 * @example
 *   openpsc keys rotate --alg RS256   # new active key; the old one keeps verifying
 *   openpsc keys retire <kid>          # once tokens it signed have expired
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage token signing keys');
  keys.command('list').description('list signing keys').action(async () => {
    const ctx = await openCliContext();
    try {
      for (const k of await listKeys(ctx.database.db)) console.log(`${k.kid}\t${k.alg}\t${k.status}\t${k.createdAt.toISOString()}`);
    } finally { await ctx.close(); }
  });
  keys.command('rotate').description('create a new active key (restart nodes one by one afterwards)')
    .option('--alg <alg>', `algorithm: ${SIGNING_ALGS.join(', ')}`, 'RS256')
    .action(async (o: { alg: string }) => {
      if (!(SIGNING_ALGS as readonly string[]).includes(o.alg)) throw new Error(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
      const ctx = await openCliContext();
      try {
        const kid = await rotateKey(ctx.database.db, new SecretBox(ctx.settings.keysEncryptionKey), o.alg as SigningAlg);
        console.log(`new active ${o.alg} key: ${kid}`);
      } finally { await ctx.close(); }
    });
  // A kid is a base64url thumbprint and may start with "-": taken as the argument, not an option.
  keys.command('retire <kid>').allowUnknownOption().description('withdraw a verify-only key from the JWKS').action(async (kid: string) => {
    const ctx = await openCliContext();
    try {
      await retireKey(ctx.database.db, kid);
      console.log(`retired ${kid}`);
    } finally { await ctx.close(); }
  });
}
