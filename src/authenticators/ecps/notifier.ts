import type { Logger } from '../../log/logger.js';
import type { DeviceSignal, PgDeviceBus } from './bus.js';
import type { ApprovalRow, DeviceRow } from './store.js';

/** What a device is told about a request for approval (SSE `approval_request`, push webhook). */
export interface ApprovalEvent {
  request_id: string;
  kind: 'login' | 'ciba';
  client_id: string;
  client_name: string;
  /** The two digits the professional compares with the browser (or CIBA binding message). */
  code: string;
  expires_at: string;
}

export function approvalEvent(a: ApprovalRow): ApprovalEvent {
  return {
    request_id: a.id, kind: a.kind, client_id: a.client_id, client_name: a.client_name,
    code: a.code, expires_at: a.expires_at.toISOString(),
  };
}

/** What a device channel is told: a request to show (by id: it reads it), or a revocation. */
export type ChannelSignal = { type: 'approval_request'; request_id: string } | { type: 'revoked'; device_id: string };
type Listener = (signal: ChannelSignal) => void;

/**
 * Tells devices of new requests and revocations: the device channels (SSE) open on this node at
 * once; those on other nodes through the PostgreSQL bus when there is one (else on their next
 * periodic database check, see device-api.ts); and an external push gateway when
 * ECPS_PUSH_WEBHOOK_URL is set.
 */
export class ApprovalNotifier {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly logger: Logger, private readonly pushWebhookUrl?: string, private readonly bus?: PgDeviceBus) {}

  /** Subscribes a device channel to its professional's signals; returns the unsubscribe. */
  subscribe(nationalId: string, listener: Listener): () => void {
    let set = this.listeners.get(nationalId);
    if (!set) this.listeners.set(nationalId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(nationalId);
    };
  }

  /** Delivers a signal to this node's channels (also what the bus calls for other nodes' signals). */
  dispatch(signal: DeviceSignal): void {
    const { national_id: nationalId, ...forChannel } = signal;
    for (const listener of this.listeners.get(nationalId) ?? []) listener(forChannel as ChannelSignal);
  }

  notify(approval: ApprovalRow, devices: DeviceRow[]): void {
    void this.broadcast({ type: 'approval_request', national_id: approval.national_id, request_id: approval.id });
    if (this.pushWebhookUrl) void this.pushToGateway(approvalEvent(approval), devices);
  }

  /** Resolves once other nodes are told (the admin CLI may close its database right after). */
  async revoked(device: { id: string; national_id: string }): Promise<void> {
    await this.broadcast({ type: 'revoked', national_id: device.national_id, device_id: device.id });
  }

  private broadcast(signal: DeviceSignal): Promise<void> {
    this.dispatch(signal);
    return this.bus?.publish(signal).catch((err: Error) => {
      this.logger.warn({ event: 'ecps.bus_publish_failed', err: err.message }, 'e-CPS device bus publish failed');
    }) ?? Promise.resolve();
  }

  // The gateway gets no secret: the device fetches nothing with it, it only wakes the app up.
  private async pushToGateway(event: ApprovalEvent, devices: DeviceRow[]): Promise<void> {
    const body = { type: 'approval_request', ...event, devices: devices.map((d) => ({ device_id: d.id, push_token: d.push_token })) };
    try {
      const res = await fetch(this.pushWebhookUrl!, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.logger.warn({ event: 'ecps.push_webhook_failed', errorCode: 'ECPS_DELIVERY_FAILED', requestId: event.request_id, err: (err as Error).message }, 'push gateway not reached');
    }
  }
}
