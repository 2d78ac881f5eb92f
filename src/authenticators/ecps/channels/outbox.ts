import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '../../../log/logger.js';
import { maskAddress, type MessageChannel, type OutgoingMessage } from './channel.js';

/** A message as the outbox stores it: one JSON file per message. */
export interface OutboxMessage extends OutgoingMessage {
  channel: 'email' | 'sms';
  sentAt: string;
}

/**
 * Development delivery (the default outside production): each message is written to
 * `<ECPS_OUTBOX_DIR>/<time>-<channel>-<random>.json` (mode 0600) instead of being sent, and a log
 * line says where. The demo and the device simulator read activation codes from there.
 */
export class OutboxChannel implements MessageChannel {
  readonly name = 'outbox';

  constructor(readonly kind: 'email' | 'sms', private readonly dir: string, private readonly logger?: Logger) {}

  async send(message: OutgoingMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const sentAt = new Date().toISOString();
    const file = path.join(this.dir, `${sentAt.replace(/[:.]/g, '-')}-${this.kind}-${randomBytes(4).toString('hex')}.json`);
    const stored: OutboxMessage = { channel: this.kind, sentAt, ...message };
    // Written whole then renamed: a reader (the simulator, tests) never sees half a message.
    await writeFile(`${file}.part`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    await rename(`${file}.part`, file);
    this.logger?.info({ event: 'ecps.outbox', channel: this.kind, to: maskAddress(message.to), file }, 'e-CPS message written to the development outbox');
  }
}

/** The outbox messages sent to `to` (newest first). */
export async function readOutbox(dir: string, to?: string): Promise<OutboxMessage[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort().reverse();
  } catch {
    return [];
  }
  const messages = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as OutboxMessage));
  return to ? messages.filter((m) => m.to === to) : messages;
}

/** The activation code in an outbox message text (the first run of 6+ digits after "code"). */
export function codeInMessage(text: string): string | undefined {
  return /code[^0-9]*(\d{6,8})/i.exec(text)?.[1];
}
