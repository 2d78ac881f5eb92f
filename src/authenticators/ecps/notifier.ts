import type { Logger } from '../../log/logger.js';
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

type Listener = (event: ApprovalEvent) => void;

/**
 * Tells devices of new requests: live to the device channels (SSE) open on this node, and to an
 * external push gateway when ECPS_PUSH_WEBHOOK_URL is set. Channels on other nodes find the
 * request on their next database check (see device-api.ts), so no message bus is needed.
 */
export class ApprovalNotifier {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly logger: Logger, private readonly pushWebhookUrl?: string) {}

  /** Subscribes a device channel to its professional's requests; returns the unsubscribe. */
  subscribe(nationalId: string, listener: Listener): () => void {
    let set = this.listeners.get(nationalId);
    if (!set) this.listeners.set(nationalId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(nationalId);
    };
  }

  notify(approval: ApprovalRow, devices: DeviceRow[]): void {
    const event = approvalEvent(approval);
    for (const listener of this.listeners.get(approval.national_id) ?? []) listener(event);
    if (this.pushWebhookUrl) void this.pushToGateway(event, devices);
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
