import pg from 'pg';

import type { Logger } from '../../log/logger.js';

/** What nodes tell each other about devices (PostgreSQL NOTIFY payload, JSON). */
export type DeviceSignal =
  | { type: 'approval_request'; national_id: string; request_id: string }
  | { type: 'revoked'; national_id: string; device_id: string };

const CHANNEL = 'openpsc_ecps';
const RECONNECT_MS = 2000;

/**
 * Signals between OpenPSC nodes over PostgreSQL LISTEN/NOTIFY, so that a device channel open on
 * one node hears at once of a request made, or a revocation done, on another (or by the admin
 * CLI). Best effort: the device channels still re-read the database periodically.
 */
export class PgDeviceBus {
  private client?: pg.Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly pool: pg.Pool, private readonly logger: Logger) {}

  /** Sends a signal to every listening node (this one included). */
  async publish(signal: DeviceSignal): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(signal)]);
  }

  /** Listens on a dedicated connection (not taken from the pool), reconnecting after errors. */
  async start(onSignal: (signal: DeviceSignal) => void): Promise<void> {
    this.stopped = false;
    const client = new pg.Client((this.pool as unknown as { options: pg.ClientConfig }).options);
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        onSignal(JSON.parse(msg.payload) as DeviceSignal);
      } catch {
        // A malformed payload is ignored: nothing but OpenPSC writes to this channel.
      }
    });
    client.on('error', (err) => {
      this.logger.warn({ event: 'ecps.bus_error', err: err.message }, 'e-CPS device bus connection lost; reconnecting');
      void client.end().catch(() => {});
      if (this.client === client) this.client = undefined;
      if (!this.stopped) this.retry = setTimeout(() => void this.start(onSignal).catch(() => {}), RECONNECT_MS);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
