import type { Settings } from '../config/settings.js';
import type { ClientRegistry } from '../oidc/clients.js';

export const DEMO_CLIENT_ID = 'openpsc-demo';

export interface DemoClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

/**
 * The demo relying party's registration: created on first start, its secret read back (sealed in
 * the database like any client's) on the next ones.
 */
export async function ensureDemoClient(settings: Settings, clients: ClientRegistry): Promise<DemoClient> {
  const redirectUri = `${settings.publicUrl}/demo/callback`;
  const postLogoutRedirectUri = `${settings.publicUrl}/demo/`;
  const existing = await clients.findForProvider(DEMO_CLIENT_ID);
  const current = existing?.redirect_uris as string[] | undefined;
  if (existing && current?.includes(redirectUri) && existing.client_secret) {
    return { clientId: DEMO_CLIENT_ID, clientSecret: String(existing.client_secret), redirectUri, postLogoutRedirectUri };
  }
  if (existing) await clients.remove(DEMO_CLIENT_ID); // PUBLIC_URL changed
  const { clientSecret } = await clients.add({
    clientId: DEMO_CLIENT_ID,
    name: 'Démonstration OpenPSC',
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [postLogoutRedirectUri],
    authMethod: 'client_secret_basic',
  });
  return { clientId: DEMO_CLIENT_ID, clientSecret: clientSecret!, redirectUri, postLogoutRedirectUri };
}
