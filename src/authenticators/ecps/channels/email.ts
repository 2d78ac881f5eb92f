import nodemailer, { type Transporter } from 'nodemailer';

import type { MessageChannel, OutgoingMessage } from './channel.js';

/** Email through an SMTP relay (ECPS_SMTP_URL), e.g. `smtp://user:pass@relay.example:587`. */
export class SmtpEmailChannel implements MessageChannel {
  readonly kind = 'email' as const;
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(message: OutgoingMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
}
