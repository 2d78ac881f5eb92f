import * as client from 'openid-client';

import type { TestIdp } from './idp.js';

/** A relying party registered at the IdP and discovered the PSC way (wallet-openid-configuration). */
export interface TestRp {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  config: client.Configuration;
}

export async function registerRp(idp: TestIdp, options: Partial<Parameters<TestIdp['openpsc']['clients']['add']>[0]> & { auth?: 'basic' | 'post' } = {}): Promise<TestRp> {
  const redirectUri = options.redirectUris?.[0] ?? 'http://127.0.0.1:9/callback';
  const { auth, ...input } = options;
  const { clientId, clientSecret } = await idp.openpsc.clients.add({
    name: 'Logiciel de test',
    redirectUris: [redirectUri],
    postLogoutRedirectUris: ['http://127.0.0.1:9/logged-out'],
    authMethod: auth === 'post' ? 'client_secret_post' : 'client_secret_basic',
    ...input,
  });
  const config = await discover(idp, clientId, clientSecret, auth);
  return { clientId, clientSecret, redirectUri, config };
}

export async function discover(idp: TestIdp, clientId: string, clientSecret?: string, auth: 'basic' | 'post' = 'basic', metadata: Partial<client.ClientMetadata> = {}): Promise<client.Configuration> {
  const authentication = clientSecret ? (auth === 'post' ? client.ClientSecretPost(clientSecret) : client.ClientSecretBasic(clientSecret)) : client.None();
  return client.discovery(
    new URL(`${idp.issuer}/.well-known/wallet-openid-configuration`),
    clientId,
    metadata,
    authentication,
    { execute: [client.allowInsecureRequests] },
  );
}
