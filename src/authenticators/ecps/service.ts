import type { AuthenticatorHost, CibaChannel } from '../plugin.js';
import { ActivationService } from './activation.js';
import { ApprovalService } from './approvals.js';
import { selectChannels, type ActivationChannels } from './channels/select.js';
import { PgDeviceBus } from './bus.js';
import { ApprovalNotifier } from './notifier.js';
import { OtpService } from './otp.js';
import { EcpsSecrets } from './secrets.js';
import { EcpsStore, type DeviceRow } from './store.js';
import { Throttle } from './throttle.js';

/** A device as listed to an admin or to the professional's other devices (no secrets). */
export interface DeviceView {
  device_id: string;
  national_id: string;
  name: string;
  status: 'active' | 'revoked';
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export function deviceView(d: DeviceRow): DeviceView {
  return {
    device_id: d.id, national_id: d.national_id, name: d.name, status: d.status, created_at: d.created_at.toISOString(),
    last_seen_at: d.last_seen_at?.toISOString() ?? null, revoked_at: d.revoked_at?.toISOString() ?? null,
  };
}

/**
 * The e-CPS services wired together over one host: activation, push approvals (browser and
 * CIBA), one-time codes, device management.
 *
 * @example
 * const ecps = new EcpsService(host);
 * const started = await ecps.activation.start('899700427885', '127.0.0.1');
 */
export class EcpsService {
  readonly store: EcpsStore;
  readonly throttle: Throttle;
  readonly secrets: EcpsSecrets;
  /** Signals between nodes (PostgreSQL only; PGlite is one process). */
  readonly bus?: PgDeviceBus;
  readonly notifier: ApprovalNotifier;
  readonly activation: ActivationService;
  readonly approvals: ApprovalService;
  readonly otp: OtpService;

  constructor(readonly host: AuthenticatorHost, channels?: ActivationChannels) {
    const settings = host.settings.ecps;
    this.store = new EcpsStore(host.database.db);
    this.throttle = new Throttle(host.database.db);
    this.secrets = new EcpsSecrets(host.settings.keysEncryptionKey);
    this.bus = host.database.pool ? new PgDeviceBus(host.database.pool, host.logger) : undefined;
    this.notifier = new ApprovalNotifier(host.logger, settings.pushWebhookUrl, this.bus);
    let chosen = channels;
    const activationChannels = () => (chosen ??= selectChannels(settings, host.logger));
    this.activation = new ActivationService(this.store, this.throttle, this.secrets, activationChannels, settings, host.logger);
    this.approvals = new ApprovalService(this.store, this.throttle, this.notifier, host, settings);
    this.otp = new OtpService(this.store, this.throttle, this.secrets, host, settings);
  }

  async listDevices(nationalId: string): Promise<DeviceView[]> {
    return (await this.store.devices(nationalId)).map(deviceView);
  }

  /** Revokes at once: the device's next signed request, answer or code is refused. */
  async revokeDevice(deviceId: string, nationalId?: string): Promise<boolean> {
    const revoked = await this.store.revokeDevice(deviceId, nationalId);
    if (!revoked) return false;
    this.host.logger.info({ event: 'ecps.device_revoked', deviceId }, 'e-CPS device revoked');
    await this.notifier.revoked(revoked);
    return true;
  }

  /** CIBA channel MOBILE (psc-contract.md §14). */
  readonly ciba: CibaChannel = {
    channel: 'MOBILE',
    canAuthenticate: (nationalId) => this.store.hasActiveDevice(nationalId),
    trigger: async (request) => {
      const a = await this.approvals.requestCiba(request);
      this.host.logger.info({ event: 'ecps.ciba_triggered', requestId: a.id, clientId: request.clientId }, 'e-CPS CIBA request sent to the device');
    },
  };
}
