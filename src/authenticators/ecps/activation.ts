import type { JWK } from 'jose';

import { ConfigError } from '../../config/errors.js';
import type { Logger } from '../../log/logger.js';
import type { ActivationChannels } from './channels/select.js';
import { maskAddress, type MessageChannel, type OutgoingMessage } from './channels/channel.js';
import type { DeviceRequestClaims } from './device-auth.js';
import { EcpsActivationCodeError, EcpsActivationLockedError, EcpsActivationUnavailableError, EcpsBadRequestError } from './errors.js';
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

  /** Deliveries under way (in the background: see start). */
  private readonly deliveries = new Set<Promise<void>>();

  /**
   * Creates the activation and sends the two codes. The answer does not tell whether the national
   * id has contacts, so the API does not reveal who is registered: it is the same with or without
   * them (an activation without contacts can never complete), and the codes go out in the
   * background, so that neither the time they take nor a failure reaches the caller (failures are
   * logged). The route also answers no sooner than ECPS_ACTIVATION_ANSWER_MS (device-api.ts).
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
      this.inBackground(this.deliver(id, [
        [channels.email, {
          to: contact.email!, subject: 'Activation de votre e-CPS',
          text: `Votre code d'activation e-CPS (courriel) : ${emailCode}\nIl est valable ${minutes} minutes. Ne le communiquez à personne.`,
        }],
        [channels.sms, {
          to: contact.mobile!, subject: 'e-CPS',
          text: `Votre code d'activation e-CPS (SMS) : ${smsCode}. Valable ${minutes} min. Ne le communiquez a personne.`,
        }],
      ], [emailCode, smsCode]));
    } else {
      this.logger.info({ event: 'ecps.activation_without_contact', activationId: id }, 'e-CPS activation asked for a national id without contacts');
    }
    return { activation_id: id, expires_in: this.settings.activationTtl, channels: ['email', 'sms'] };
  }

  /**
   * Sends each message, both at once; logs what went out and what failed, with masked addresses
   * and without the codes (a gateway's error text could echo the message). Never throws.
   */
  private async deliver(activationId: string, messages: [MessageChannel, OutgoingMessage][], codes: string[]): Promise<void> {
    const results = await Promise.allSettled(messages.map(([channel, message]) => channel.send(message)));
    let failed = false;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      failed = true;
      const [channel, message] = messages[i]!;
      let reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      for (const code of codes) reason = reason.split(code).join('[redacted]');
      this.logger.error({
        event: 'ecps.activation_delivery_failed', errorCode: 'ECPS_DELIVERY_FAILED', activationId,
        channel: channel.kind, via: channel.name, to: maskAddress(message.to), reason: reason.slice(0, 300),
      }, 'e-CPS activation code not delivered');
    });
    if (!failed) {
      const [[, email], [, sms]] = messages as [[MessageChannel, OutgoingMessage], [MessageChannel, OutgoingMessage]];
      this.logger.info({ event: 'ecps.activation_started', activationId, email: maskAddress(email.to), mobile: maskAddress(sms.to) }, 'e-CPS activation codes sent');
    }
  }

  private inBackground(delivery: Promise<void>): void {
    const tracked = delivery.catch(() => {}).finally(() => this.deliveries.delete(tracked));
    this.deliveries.add(tracked);
  }

  /** Waits for the deliveries under way, at most `timeoutMs` (server shutdown, tests). */
  async settled(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.deliveries]),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); timer.unref(); }),
    ]);
    clearTimeout(timer);
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
