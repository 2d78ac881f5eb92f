import type { AuthenticatorHost, LoginResult } from '../plugin.js';
import { EcpsBadRequestError, EcpsLockedError, EcpsNoDeviceError, EcpsOtpInvalidError, EcpsUnknownProfessionalError } from './errors.js';
import type { EcpsSecrets } from './secrets.js';
import type { EcpsSettings } from './settings.js';
import type { DeviceRow, EcpsStore } from './store.js';
import type { Throttle } from './throttle.js';
import { totpStep } from './totp.js';

export const OTP_AMR = ['otp'];

/**
 * Login with the one-time code the phone shows (TOTP). Failures count per national id and per
 * client address; a locked key refuses even a right code until the lockout ends. A code's
 * time-step is usable once per device.
 */
export class OtpService {
  constructor(
    private readonly store: EcpsStore,
    private readonly throttle: Throttle,
    private readonly secrets: EcpsSecrets,
    private readonly host: AuthenticatorHost,
    private readonly settings: EcpsSettings,
  ) {}

  async verify(nationalIdRaw: string, codeRaw: string, clientIp: string): Promise<LoginResult> {
    const nationalId = nationalIdRaw.trim();
    const code = codeRaw.replace(/\s+/g, '');
    if (!nationalId || nationalId.length > 64) throw new EcpsBadRequestError('national id is required');
    const keys = [`otp:nid:${nationalId}`, `otp:ip:${clientIp}`];
    for (const key of keys) await this.throttle.assertOpen(key);

    const devices = await this.store.activeDevices(nationalId);
    const deviceId = await this.match(devices, code);
    if (!deviceId) {
      // Probing national ids without a device costs tries too.
      const rule = { max: this.settings.otpMaxFailures, windowSeconds: this.settings.lockoutSeconds };
      const hits = await Promise.all(keys.map((key, i) => this.throttle.hit(key, i === 0 ? rule : { ...rule, max: rule.max * 4 })));
      if (hits.some((h) => h.locked)) throw new EcpsLockedError('otp locked', this.settings.lockoutSeconds);
      if (!devices.length) throw new EcpsNoDeviceError('no active e-CPS device');
      throw new EcpsOtpInvalidError('wrong, expired or reused code');
    }
    await this.throttle.reset(keys[0]!);
    if (!(await this.host.findProfessional(nationalId))) throw new EcpsUnknownProfessionalError('no such professional in activity');
    return { nationalId, authMode: 'MOBILE', amr: OTP_AMR };
  }

  /** The device whose current code this is, after marking its time-step used. */
  private async match(devices: DeviceRow[], code: string): Promise<string | undefined> {
    for (const d of devices) {
      const step = totpStep(this.secrets.decrypt(d.totp_secret_encrypted, d.id), code);
      if (step !== undefined && (await this.store.useTotpStep(d.id, step))) return d.id;
    }
    return undefined;
  }
}
