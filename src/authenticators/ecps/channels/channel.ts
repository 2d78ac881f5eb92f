/** One message to a professional (French), e.g. an activation code. */
export interface OutgoingMessage {
  /** Email address or mobile number (E.164 or French national format). */
  to: string;
  subject: string;
  text: string;
}

/** A way to reach a professional: SMTP email, an SMS gateway, or the development outbox. */
export interface MessageChannel {
  readonly kind: 'email' | 'sms';
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
}

/** Masks an address for logs: `j***@example.fr`, `******5678`. */
export function maskAddress(to: string): string {
  const at = to.indexOf('@');
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  return `${'*'.repeat(Math.max(0, to.length - 4))}${to.slice(-4)}`;
}
