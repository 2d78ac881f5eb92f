import path from 'node:path';

import { ConfigError } from '../../config/errors.js';
import { int, oneOf, str, url, type Raw } from '../../config/parse.js';

/** e-CPS settings (docs/ecps.md, "Configuration"). */
export interface EcpsSettings {
  /** How activation codes reach the professional: `outbox` writes them to a folder (development). */
  emailChannel: 'smtp' | 'outbox';
  smsChannel: 'webhook' | 'outbox';
  /** nodemailer transport URL, e.g. `smtp://user:pass@mail.example:587`. */
  smtpUrl?: string;
  emailFrom: string;
  /** The SMS gateway: POST {to, text} as JSON. */
  smsWebhookUrl?: string;
  /** Bearer token sent to the SMS gateway (a secret: never logged). */
  smsWebhookToken?: string;
  outboxDir: string;
  /** Optional external push gateway told of every approval request (no secrets in it). */
  pushWebhookUrl?: string;
  /** Lifetime of a push approval request for a browser login, seconds. */
  approvalTtl: number;
  activationTtl: number;
  activationMaxTries: number;
  /** Activation requests per national id per lockout window. */
  activationMaxStarts: number;
  /**
   * `activation/start` answers no sooner than this after the request arrived, milliseconds, so
   * that its timing does not tell whether the national id has contacts (0: as soon as ready).
   */
  activationAnswerMs: number;
  otpMaxFailures: number;
  /** Push requests per national id per lockout window (stops notification spam). */
  pushMaxRequests: number;
  lockoutSeconds: number;
}

/**
 * The channels chosen must be usable: checked when the e-CPS authenticator starts (not when
 * settings load, so that a server or a command without e-CPS needs none of this).
 */
export function assertEcpsDeliverable(s: EcpsSettings): void {
  if (s.emailChannel === 'smtp' && !s.smtpUrl) throw new ConfigError('ECPS_SMTP_URL', 'is required when ECPS_EMAIL_CHANNEL=smtp (the default in production)');
  if (s.smsChannel === 'webhook' && !s.smsWebhookUrl) throw new ConfigError('ECPS_SMS_WEBHOOK_URL', 'is required when ECPS_SMS_CHANNEL=webhook (the default in production)');
}

/**
 * Reads the ECPS_* settings. An empty channel means "outbox outside production, the real channel
 * in production"; production refuses the outbox, which would leave codes in a folder.
 */
export function parseEcpsSettings(raw: Raw, { production, dataDir }: { production: boolean; dataDir: string }): EcpsSettings {
  const pick = <T extends string>(name: string, real: T) => {
    const v = str(raw, name) || (production ? real : 'outbox');
    const chosen = oneOf({ [name]: v }, name, [real, 'outbox'] as const);
    if (production && chosen === 'outbox') throw new ConfigError(name, 'the development outbox is refused when NODE_ENV=production');
    return chosen;
  };
  const emailChannel = pick('ECPS_EMAIL_CHANNEL', 'smtp');
  const smsChannel = pick('ECPS_SMS_CHANNEL', 'webhook');
  const smtpUrl = str(raw, 'ECPS_SMTP_URL') || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('ECPS_SMTP_URL', 'must be an smtp:// or smtps:// URL');
  const smsWebhookUrl = url(raw, 'ECPS_SMS_WEBHOOK_URL', { optional: true });
  const lockoutSeconds = int(raw, 'ECPS_LOCKOUT_SECONDS', { min: 1, max: 86_400 });
  return {
    emailChannel,
    smsChannel,
    smtpUrl,
    emailFrom: str(raw, 'ECPS_EMAIL_FROM'),
    smsWebhookUrl,
    smsWebhookToken: str(raw, 'ECPS_SMS_WEBHOOK_TOKEN') || undefined,
    outboxDir: path.resolve(str(raw, 'ECPS_OUTBOX_DIR') || path.join(dataDir, 'ecps-outbox')),
    pushWebhookUrl: url(raw, 'ECPS_PUSH_WEBHOOK_URL', { optional: true }),
    approvalTtl: int(raw, 'ECPS_APPROVAL_TTL', { min: 10, max: 600 }),
    activationTtl: int(raw, 'ECPS_ACTIVATION_TTL', { min: 60, max: 86_400 }),
    activationMaxTries: int(raw, 'ECPS_ACTIVATION_MAX_TRIES', { min: 1, max: 20 }),
    activationMaxStarts: int(raw, 'ECPS_ACTIVATION_MAX_STARTS', { min: 1, max: 100 }),
    activationAnswerMs: int(raw, 'ECPS_ACTIVATION_ANSWER_MS', { max: 10_000 }),
    otpMaxFailures: int(raw, 'ECPS_OTP_MAX_FAILURES', { min: 1, max: 50 }),
    pushMaxRequests: int(raw, 'ECPS_PUSH_MAX_REQUESTS', { min: 1, max: 1000 }),
    lockoutSeconds,
  };
}
