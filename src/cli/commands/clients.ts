import type { Command } from 'commander';

import { SecretBox } from '../../crypto/secret-box.js';
import { AUTH_METHODS, ClientRegistry, type AuthMethod } from '../../oidc/clients.js';
import { openCliContext } from '../context.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function withRegistry<T>(fn: (registry: ClientRegistry) => Promise<T>): Promise<T> {
  const ctx = await openCliContext();
  try {
    return await fn(new ClientRegistry(ctx.database.db, new SecretBox(ctx.settings.keysEncryptionKey), { allowHttp: !ctx.settings.production }));
  } finally {
    await ctx.close();
  }
}

/**
 * `openpsc clients add|list|show|rotate-secret|remove` — relying parties.
 *
 * @example
 *   openpsc clients add --id mon-dui --name "Mon DUI" --redirect-uri https://dui.example/callback \
 *     --post-logout-redirect-uri https://dui.example/ --auth client_secret_basic
 *   # prints the client secret once
 */
export function registerClients(program: Command): void {
  const clients = program.command('clients').description('manage relying parties (clients)');

  clients.command('add')
    .description('register a client; prints its secret once')
    .option('--id <clientId>', 'client id (default: generated)')
    .requiredOption('--name <name>', 'name shown to professionals')
    .requiredOption('--redirect-uri <uri>', 'exact redirect URI (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'exact post-logout redirect URI (repeatable)', collect)
    .option('--auth <method>', `token endpoint authentication: ${AUTH_METHODS.join(', ')}`, 'client_secret_basic')
    .option('--scope <scope>', 'allowed scope (repeatable; default openid scope_all)', collect)
    .option('--ciba', 'allow CIBA (poll mode)')
    .option('--pkce-required', 'require PKCE S256 for this client')
    .option('--resource-server', 'an API allowed to introspect the access tokens of every client')
    .option('--backchannel-logout-uri <uri>', 'back-channel logout URI')
    .option('--id-token-alg <alg>', 'ID token signing algorithm (RS256, PS256, ES256)')
    .option('--userinfo-alg <alg>', 'return userinfo as a JWT signed with this algorithm')
    .option('--jwks <json>', 'private_key_jwt: the client public JWKS (JSON)')
    .option('--jwks-uri <uri>', 'private_key_jwt: URL of the client JWKS')
    .option('--tls-subject-dn <dn>', 'tls_client_auth: expected certificate subject DN')
    .action(async (o: Record<string, unknown>) => {
      const result = await withRegistry((r) => r.add({
        clientId: o.id as string | undefined,
        name: String(o.name),
        redirectUris: o.redirectUri as string[],
        postLogoutRedirectUris: (o.postLogoutRedirectUri as string[] | undefined) ?? [],
        authMethod: o.auth as AuthMethod,
        scopes: o.scope as string[] | undefined,
        ciba: Boolean(o.ciba),
        pkceRequired: Boolean(o.pkceRequired),
        resourceServer: Boolean(o.resourceServer),
        backchannelLogoutUri: o.backchannelLogoutUri as string | undefined,
        idTokenSignedResponseAlg: o.idTokenAlg as never,
        userinfoSignedResponseAlg: o.userinfoAlg as never,
        jwks: o.jwks ? JSON.parse(String(o.jwks)) : undefined,
        jwksUri: o.jwksUri as string | undefined,
        tlsClientAuthSubjectDn: o.tlsSubjectDn as string | undefined,
      }));
      console.log(`client_id:     ${result.clientId}`);
      if (result.clientSecret) console.log(`client_secret: ${result.clientSecret}\n(shown once: store it now)`);
    });

  clients.command('list').description('list clients').action(async () => {
    const list = await withRegistry((r) => r.list());
    for (const c of list) console.log(`${c.clientId}\t${String(c.metadata.client_name)}\t${String(c.metadata.token_endpoint_auth_method)}`);
  });

  clients.command('show <clientId>').description('show a client (never its secret)').action(async (id: string) => {
    const c = await withRegistry((r) => r.show(id));
    if (!c) throw new Error(`no client ${id}`);
    console.log(JSON.stringify({ client_id: c.clientId, ...c.metadata, has_secret: c.hasSecret }, null, 2));
  });

  clients.command('rotate-secret <clientId>').description('replace the secret; prints the new one once').action(async (id: string) => {
    const secret = await withRegistry((r) => r.rotateSecret(id));
    console.log(`client_secret: ${secret}\n(shown once: store it now)`);
  });

  clients.command('remove <clientId>').description('delete a client').action(async (id: string) => {
    if (!(await withRegistry((r) => r.remove(id)))) throw new Error(`no client ${id}`);
    console.log(`removed ${id}`);
  });
}
