import type { ApprovalEvent } from '../notifier.js';
import type { EcpsDevice } from './client.js';
import { readEventStream } from './events.js';
import { DeviceApiError } from './http.js';

export interface WatchOptions {
  /** Approve every request as it arrives (CI). */
  autoApprove?: boolean;
  /** Every event: `ready`, `approval_request`, `approved`, `error`, `revoked`, `disconnected`. */
  onEvent?: (event: string, data: unknown) => void;
  signal?: AbortSignal;
  /** Stop after approving this many requests (CI: "approve the next login, then exit"). */
  maxApprovals?: number;
  /** Reopen the channel when the server closes it or the network fails (not when refused). */
  reconnect?: boolean;
  reconnectDelayMs?: number;
}

type Ending = 'revoked' | 'done' | 'closed';

const pause = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** The device channel loop behind EcpsDevice.watch. */
export async function watchChannel(device: EcpsDevice, options: WatchOptions): Promise<number> {
  const answered = new Set<string>();
  let approved = 0;
  const budgetLeft = () => options.maxApprovals === undefined || approved < options.maxApprovals;

  // One connection: resolves with why it ended.
  const once = async (): Promise<Ending> => {
    const path = `${device.state.apiBase}/device/events`;
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    try {
      const res = await fetch(`${device.state.server}${path}`, {
        headers: { authorization: await device.authorization('GET', path), accept: 'text/event-stream' }, signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => ({}))) as Record<string, string>;
        throw new DeviceApiError(res.status, body.error ?? 'error', body.code, body.error_description ?? '');
      }
      for await (const e of readEventStream(res.body)) {
        const data = JSON.parse(e.data) as unknown;
        options.onEvent?.(e.event, data);
        if (e.event === 'revoked') return 'revoked';
        if (e.event !== 'approval_request' || !options.autoApprove) continue;
        const r = data as ApprovalEvent;
        if (answered.has(r.request_id)) continue;
        answered.add(r.request_id);
        try {
          await device.answer('approve', r.request_id, r.code);
          approved += 1;
          options.onEvent?.('approved', { request_id: r.request_id });
        } catch (err) {
          options.onEvent?.('error', { request_id: r.request_id, message: (err as Error).message });
        }
        if (!budgetLeft()) return 'done';
      }
      return 'closed';
    } finally {
      stop.abort();
    }
  };

  for (;;) {
    let ending: Ending;
    try {
      ending = await once();
    } catch (err) {
      if (options.signal?.aborted) return approved;
      // Refused by the server (revoked, bad signature): retrying would not help.
      if (err instanceof DeviceApiError || !options.reconnect) throw err;
      options.onEvent?.('disconnected', { message: (err as Error).message });
      ending = 'closed';
    }
    if (ending !== 'closed' || !options.reconnect || options.signal?.aborted) return approved;
    await pause(options.reconnectDelayMs ?? 1000, options.signal);
    if (options.signal?.aborted) return approved;
  }
}
