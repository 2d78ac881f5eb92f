import type { MessageChannel, OutgoingMessage } from './channel.js';

/**
 * SMS through an HTTP gateway (ECPS_SMS_WEBHOOK_URL): `POST {"to": "...", "text": "..."}` as JSON,
 * with `Authorization: Bearer <ECPS_SMS_WEBHOOK_TOKEN>` when set; any 2xx is success.
 */
export class WebhookSmsChannel implements MessageChannel {
  readonly kind = 'sms' as const;
  readonly name = 'webhook';

  constructor(private readonly url: string, private readonly token?: string, private readonly timeoutMs = 10_000) {}

  async send(message: OutgoingMessage): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(this.url, {
      method: 'POST', headers, body: JSON.stringify({ to: message.to, text: message.text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`SMS gateway answered HTTP ${res.status}`);
  }
}
