import type { AuthenticatorFactory } from './plugin.js';

/**
 * The authenticator plug-ins this build offers, by id. AUTHENTICATORS (settings) chooses which
 * ones run. Each plug-in registers itself here with one line.
 */
export const AUTHENTICATOR_FACTORIES: Record<string, () => Promise<AuthenticatorFactory>> = {
  card: async () => (await import('./card/plugin.js')).createCardAuthenticator,
  ecps: async () => (await import('./ecps/plugin.js')).createEcpsAuthenticator,
};
