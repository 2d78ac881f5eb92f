import type { Authenticator, AuthenticatorHost, CibaRequest } from '../../../src/authenticators/plugin.js';
import { AUTHENTICATOR_FACTORIES } from '../../../src/authenticators/registry.js';

/**
 * TEST-ONLY CIBA channel: an authenticator plug-in (`AUTHENTICATORS=ecps`) whose "device" is this
 * object, so the CIBA modules run before the e-CPS plug-in is merged. It is registered in the
 * plug-in registry of this test file's module graph only, through the same factory interface the
 * real plug-ins use; nothing of it exists in the server. When the e-CPS plug-in and its device
 * simulator land, `approve`/`reject` become `openpsc ecps-device approve|reject …`.
 *
 * @example
 *   const device = installTestCibaChannel();               // before startConformanceOp({ AUTHENTICATORS: 'ecps' })
 *   const request = await device.next();                   // the push the professional receives
 *   await device.approve(request);                          // the professional accepts on the device
 */
export interface TestCibaDevice {
  /** Every authentication pushed to the device, in order. */
  readonly requests: CibaRequest[];
  /** The next push (resolves at once if one arrived after `since`). */
  next(since?: number): Promise<CibaRequest>;
  /** The professional accepts on the device (MOBILE, RFC 8176 swk+pin). */
  approve(request: CibaRequest): Promise<void>;
  /** The professional refuses on the device. */
  reject(request: CibaRequest): Promise<void>;
  /** Puts the registry back as it was. */
  uninstall(): void;
}

export function installTestCibaChannel(): TestCibaDevice {
  const previous = AUTHENTICATOR_FACTORIES.ecps;
  const requests: CibaRequest[] = [];
  const waiters: (() => void)[] = [];
  let host: AuthenticatorHost | undefined;

  const plugin: Authenticator = {
    id: 'ecps',
    label: 'Appareil de test (CIBA)',
    interactionRoutes() {},
    renderLogin: () => ({ html: '<p>Appareil de test CIBA</p>' }),
    ciba: {
      channel: 'MOBILE',
      canAuthenticate: async () => true,
      async trigger(request) {
        requests.push(request);
        waiters.splice(0).forEach((w) => w());
      },
    },
  };
  AUTHENTICATOR_FACTORIES.ecps = async () => (h) => { host = h; return plugin; };

  return {
    requests,
    async next(since = requests.length) {
      while (requests.length <= since) await new Promise<void>((r) => waiters.push(r));
      return requests[since]!;
    },
    approve: (request) => host!.finishCiba(request.authReqId, { nationalId: request.nationalId, authMode: 'MOBILE', amr: ['swk', 'pin'] }),
    reject: (request) => host!.finishCiba(request.authReqId, { error: 'access_denied', description: 'refusé sur l\'appareil' }),
    uninstall() {
      if (previous) AUTHENTICATOR_FACTORIES.ecps = previous;
      else delete AUTHENTICATOR_FACTORIES.ecps;
    },
  };
}
