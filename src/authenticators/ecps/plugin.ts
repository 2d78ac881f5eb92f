import type { Authenticator, AuthenticatorFactory } from '../plugin.js';
import { ConfigError } from '../../config/errors.js';
import { selectChannels, type ActivationChannels } from './channels/select.js';
import { DeviceApi } from './device-api.js';
import { loginSectionHtml } from './pages.js';
import { InteractionRoutes } from './routes.js';
import { EcpsService } from './service.js';

/** Purges expired nonces, activations and requests this often. */
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * The e-CPS authenticator: login by push approval or one-time code on the professional's phone,
 * device activation, and the CIBA channel MOBILE (docs/ecps.md).
 *
 * @example
 * const ecps = createEcpsAuthenticator(host);
 * ecps.interactionRoutes(interactionRouter); // <issuerPath>/interaction/:uid/ecps/…
 * ecps.publicRoutes!(new Router({ prefix: '/ecps' })); // the device API
 * await ecps.ciba!.canAuthenticate('899700427885');
 */
export const createEcpsAuthenticator: AuthenticatorFactory = (host) => {
  // Without its delivery channels (production without ECPS_SMTP_URL / ECPS_SMS_WEBHOOK_URL),
  // activation is off but logins and CIBA with devices already activated still work: say so now.
  let channels: ActivationChannels | undefined;
  try {
    channels = selectChannels(host.settings.ecps, host.logger);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    host.logger.warn({ event: 'ecps.activation_unavailable', errorCode: 'ECPS_ACTIVATION_UNAVAILABLE', setting: err.setting, reason: err.message },
      'e-CPS device activation is off until its delivery channels are configured');
  }
  const service = new EcpsService(host, channels);
  const deviceApi = new DeviceApi(service);
  let purgeTimer: NodeJS.Timeout | undefined;

  const authenticator: Authenticator & { service: EcpsService } = {
    id: 'ecps',
    label: 'Se connecter avec l’e-CPS (application mobile)',
    service,
    interactionRoutes: (router) => new InteractionRoutes(service).register(router),
    publicRoutes: (router) => deviceApi.register(router),
    renderLogin: (view) => ({ html: loginSectionHtml({ basePath: view.basePath, csrf: view.csrf, loginHint: view.loginHint }) }),
    ciba: service.ciba,
    async start() {
      await service.bus?.start((signal) => service.notifier.dispatch(signal));
      purgeTimer = setInterval(() => {
        service.store.purge().catch((err: Error) => host.logger.warn({ event: 'ecps.purge_failed', err: err.message }, 'e-CPS purge failed'));
      }, PURGE_EVERY_MS);
      purgeTimer.unref();
    },
    async stop() {
      if (purgeTimer) clearInterval(purgeTimer);
      deviceApi.closeChannels();
      await service.activation.settled(); // activation codes still on their way
      await service.bus?.stop();
    },
  };
  return authenticator;
};
