import type { Logger } from '../../../log/logger.js';
import { assertEcpsDeliverable, type EcpsSettings } from '../settings.js';
import type { MessageChannel } from './channel.js';
import { SmtpEmailChannel } from './email.js';
import { OutboxChannel } from './outbox.js';
import { WebhookSmsChannel } from './sms.js';

export interface ActivationChannels {
  email: MessageChannel;
  sms: MessageChannel;
}

/** The email and SMS channels the settings choose (ECPS_EMAIL_CHANNEL, ECPS_SMS_CHANNEL). */
export function selectChannels(settings: EcpsSettings, logger?: Logger): ActivationChannels {
  assertEcpsDeliverable(settings);
  const email = settings.emailChannel === 'smtp'
    ? new SmtpEmailChannel(settings.smtpUrl!, settings.emailFrom)
    : new OutboxChannel('email', settings.outboxDir, logger);
  const sms = settings.smsChannel === 'webhook'
    ? new WebhookSmsChannel(settings.smsWebhookUrl!, settings.smsWebhookToken)
    : new OutboxChannel('sms', settings.outboxDir, logger);
  return { email, sms };
}
