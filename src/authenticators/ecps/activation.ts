import type { JWK } from 'jose';

import { ConfigError } from '../../config/errors.js';
import type { Logger } from '../../log/logger.js';
import type { ActivationChannels } from './channels/select.js';
import { maskAddress } from './channels/channel.js';
import type { DeviceRequestClaims } from './device-auth.js';
import { EcpsActivationCodeError, EcpsActivationLockedError, EcpsActivationUnavailableError, EcpsBadRequestError, EcpsDeliveryError } from './errors.js';
import { newId, randomDigits, type EcpsSecrets } from './secrets.js';
import type { EcpsSettings } from './settings.js';
import type { EcpsStore } from './store.js';
import type { Throttle } from './throttle.js';
import { newTotpSecret, TOTP_PARAMS } from './totp.js';

export interface ActivationStarted {
  activation_id: string;
  expires_in: number;
  channels: ['email', 'sms'];
}

export interface ActivationCompleted {
  device_id: string;
  national_id: string;
  /** Returned once; the server keeps it encrypted. */
  totp: { secret: string; algorithm: string; digits: number; period: number };
}

const CODE_DIGITS = 6;

/**
 * Activation "with my contact details": one code by email and one by SMS, both required,
 * short-lived, a few tries, stored as keyed hashes. Completing it registers the device's public
 * key and hands the device its TOTP secret.
 */
export class ActivationService {
  constructor(
    private readonly store: EcpsStore,
    private readonly throttle: Throttle,
    private readonly secrets: EcpsSecrets,
    /** Chosen on first use: administration commands never send anything. */
    private readonly channels: () => ActivationChannels,
    private readonly settings: EcpsSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends the two codes. The answer is the same whether or not the national id has contacts, so
   * the API does not tell who is registered; an activation without contacts can never complete.
   */
  async start(nationalId: string, clientIp: string): Promise<ActivationStarted> {
    if (!nationalId || nationalId.length > 64) throw new EcpsBadRequestError('national_id is required');
    const channels = this.deliveryChannels();
    const rule = { max: this.settings.activationMaxStarts, windowSeconds: this.settings.lockoutSeconds };
    await this.throttle.take(`activation:nid:${nationalId}`, rule);
    await this.throttle.take(`activation:ip:${clientIp}`, { ...rule, max: rule.max * 4 });

    const id = newId('act');
    const contact = await this.store.getContact(nationalId);
    const reachable = !!(contact?.email && contact.mobile);
    const emailCode = randomDigits(CODE_DIGITS);
    const smsCode = randomDigits(CODE_DIGITS);
    await this.store.createActivation({
      id, nationalId,
      emailCodeHash: reachable ? this.secrets.hashCode(emailCode, `${id}:email`) : null,
      smsCodeHash: reachable ? this.secrets.hashCode(smsCode, `${id}:sms`) : null,
      expiresAt: new Date(Date.now() + this.settings.activationTtl * 1000),
    });
    if (reachable) {
      const minutes = Math.round(this.settings.activationTtl / 60);
      try {
        await channels.email.send({
          to: contact.email!, subject: 'Activation de votre e-CPS',
          text: `Votre code d'activation e-CPS (courriel) : ${emailCode}\nIl est valable ${minutes} minutes. Ne le communiquez à personne.`,
        });
        await channels.sms.send({
          to: contact.mobile!, subject: 'e-CPS',
          text: `Votre code d'activation e-CPS (SMS) : ${smsCode}. Valable ${minutes} min. Ne le communiquez a personne.`,
        });
      } catch (err) {
        this.logger.error({ event: 'ecps.activation_delivery_failed', errorCode: 'ECPS_DELIVERY_FAILED', activationId: id, err: (err as Error).message }, 'activation codes not delivered');
        throw new EcpsDeliveryError('activation codes could not be delivered');
      }
      this.logger.info({ event: 'ecps.activation_started', activationId: id, email: maskAddress(contact.email!), mobile: maskAddress(contact.mobile!) }, 'e-CPS activation codes sent');
    } else {
      this.logger.info({ event: 'ecps.activation_without_contact', activationId: id }, 'e-CPS activation asked for a national id without contacts');
    }
    return { activation_id: id, expires_in: this.settings.activationTtl, channels: ['email', 'sms'] };
  }

  private deliveryChannels(): ActivationChannels {
    try {
      return this.channels();
    } catch (err) {
      if (err instanceof ConfigError) throw new EcpsActivationUnavailableError(`activation channels not configured: ${err.message}`);
      throw err;
    }
  }

  /** Checks both codes (one try counted per call, expiry, single use) and registers the device. */
  async complete(publicJwk: JWK, claims: DeviceRequestClaims): Promise<ActivationCompleted> {
    const { activation_id: id, email_code: emailCode, sms_code: smsCode, device_name: name, push_token: pushToken } = claims;
    if (typeof id !== 'string' || typeof emailCode !== 'string' || typeof smsCode !== 'string') {
      throw new EcpsBadRequestError('activation_id, email_code and sms_code are required');
    }
    const activation = await this.store.tryActivation(id, this.settings.activationMaxTries);
    if (!activation) {
      if (await this.store.activationExists(id)) throw new EcpsActivationLockedError('activation used, or too many tries');
      throw new EcpsActivationCodeError('unknown activation');
    }
    // Both codes are always checked, so a wrong one does not tell which.
    const emailOk = this.secrets.checkCode(emailCode, `${id}:email`, activation.email_code_hash);
    const smsOk = this.secrets.checkCode(smsCode, `${id}:sms`, activation.sms_code_hash);
    if (!emailOk || !smsOk || activation.expires_at <= new Date()) {
      this.logger.info({ event: 'ecps.activation_refused', errorCode: 'ECPS_ACTIVATION_CODE_INVALID', activationId: id, tries: activation.tries }, 'e-CPS activation codes refused');
      throw new EcpsActivationCodeError('wrong or expired activation codes');
    }
    if (!(await this.store.consumeActivation(id))) throw new EcpsActivationLockedError('activation already used');

    const deviceId = newId('dev');
    const totpSecret = newTotpSecret();
    await this.store.createDevice({
      id: deviceId, nationalId: activation.national_id,
      name: typeof name === 'string' ? name.slice(0, 100) : '',
      publicJwk: publicJwk as Record<string, unknown>,
      totpSecretEncrypted: this.secrets.encrypt(totpSecret, deviceId),
      pushToken: typeof pushToken === 'string' ? pushToken.slice(0, 4096) : undefined,
    });
    this.logger.info({ event: 'ecps.device_activated', deviceId, nationalId: activation.national_id }, 'e-CPS device activated');
    return { device_id: deviceId, national_id: activation.national_id, totp: { secret: totpSecret, ...TOTP_PARAMS } };
  }
}
