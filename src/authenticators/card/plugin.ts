import type { Authenticator, AuthenticatorFactory, AuthenticatorHost } from '../plugin.js';
import { CrlCache } from './certificates/crl-cache.js';
import { TrustStore } from './certificates/trust-store.js';
import { CardCertificateValidator } from './certificates/validator.js';
import { mountInteractionRoutes, mountPublicRoutes } from './routes.js';
import { CardLoginService } from './service.js';
import { ChallengeStore } from './store.js';
import { renderCardSection } from './views.js';

/** The parts of the card plug-in, for tests and the CLI. */
export interface CardParts {
  trustStore: TrustStore;
  crls: CrlCache;
  validator: CardCertificateValidator;
  store: ChallengeStore;
  service: CardLoginService;
}

/** Builds the server-side pieces from the host's CARD_* settings. */
export function createCardParts(host: Pick<AuthenticatorHost, 'settings' | 'database' | 'logger' | 'findProfessional'>, now?: () => Date): CardParts {
  const card = host.settings.card;
  const trustStore = TrustStore.fromPaths(card.trustAnchors);
  const crls = new CrlCache({ sources: card.crls, refreshSeconds: card.crlRefresh, logger: host.logger });
  const validator = new CardCertificateValidator({ trustStore, crls, stalePolicy: card.crlStalePolicy, logger: host.logger });
  const store = new ChallengeStore(host.database.db);
  const service = new CardLoginService({ host, store, validator, settings: card, now });
  return { trustStore, crls, validator, store, service };
}

/**
 * CPx smart-card login (docs/card.md): the login page asks the workstation's card agent to sign a
 * one-time challenge, the server checks the signature and the certificate (IGC-Santé chain, dates,
 * key usage, CRL) and finds the professional of the certificate's CN in the mirror. A second entry
 * takes the certificate a TLS-terminating proxy verified.
 *
 * @example
 *   const card = createCardAuthenticator(host);
 *   await card.start?.();
 *   card.interactionRoutes(new Router({ prefix: `${settings.issuerPath}/interaction/:uid/card` }));
 */
export const createCardAuthenticator: AuthenticatorFactory = (host): Authenticator => {
  const parts = createCardParts(host);
  const mtlsEnabled = Boolean(host.settings.clientCertHeader && host.settings.trustedProxies.length > 0);
  return {
    id: 'card',
    label: 'Se connecter avec ma carte CPS',
    interactionRoutes: (router) => mountInteractionRoutes(router, host, parts.service),
    publicRoutes: (router) => mountPublicRoutes(router),
    renderLogin: (view) => renderCardSection(view, host.settings.card, mtlsEnabled),
    async start() {
      if (parts.trustStore.anchors().length === 0) {
        host.logger.error({ event: 'card.no_trust_anchors' }, 'CARD_TRUST_ANCHORS is empty: every card login will be refused');
      }
      if (!parts.crls.configured) {
        host.logger.warn({ event: 'card.no_crls' }, 'CARD_CRLS is empty: card certificates are not checked for revocation');
      }
      await parts.crls.start();
    },
    async stop() {
      parts.crls.stop();
    },
  };
};
