import type { ServerResponse } from 'node:http';

import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';

import { answerNoSoonerThan } from '../../http/answer-time.js';
import { clientIpOf } from '../../http/request-log.js';
import type { Logger } from '../../log/logger.js';
import { verifyActivationRequest, verifyDeviceRequest } from './device-auth.js';
import { EcpsBadRequestError, EcpsDeviceNotFoundError, EcpsError, EcpsLockedError } from './errors.js';
import { LOGIN_SCRIPT } from './login-script.js';
import type { ApprovalEvent } from './notifier.js';
import type { EcpsService } from './service.js';

/**
 * How often an open device channel re-reads its pending requests and its device's status: often
 * without the PostgreSQL bus (the only way to hear of other nodes), seldom with it (a safety net
 * for signals lost while the bus reconnects).
 */
const CHANNEL_CHECK_MS = { withBus: 30_000, withoutBus: 5000 };
const PING_MS = 15_000;

/**
 * Every device API answer is uncacheable; an EcpsError becomes JSON
 * `{error, error_description, code}` with its HTTP status.
 */
async function jsonErrors(ctx: Koa.Context, next: Koa.Next, logger: Logger): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  try {
    await next();
  } catch (err) {
    if (!(err instanceof EcpsError)) throw err;
    logger.info({ event: 'ecps.device_api_refused', errorCode: err.code, path: ctx.path, reason: err.message }, 'e-CPS device request refused');
    ctx.status = err.status;
    if (err instanceof EcpsLockedError) ctx.set('Retry-After', String(err.retryAfterSeconds));
    ctx.body = err.toJSON();
  }
}

const target = (ctx: Koa.Context) => ({ method: ctx.method, path: ctx.path, authorization: ctx.get('authorization') || undefined });

/**
 * The device API (docs/ecps.md, "Device API"): what the e-CPS app — or the reference simulator —
 * calls. Registered on a router mounted at `/ecps`. Every call but `activation/start` and the
 * static script is a request signed with the device key (see device-auth.ts).
 */
export class DeviceApi {
  private readonly channels = new Set<ServerResponse>();

  constructor(private readonly ecps: EcpsService) {}

  register(router: Router): void {
    const logger = this.ecps.host.logger;
    const errors: Koa.Middleware = (ctx, next) => jsonErrors(ctx as Koa.Context, next, logger);
    const json = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' });

    router.get('/assets/ecps-login.js', (ctx) => {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = LOGIN_SCRIPT;
    });

    // Every answer of activation/start takes the same time (see ActivationService.start), and its
    // per-address limit counts the client IP resolved behind TRUST_PROXY, not a forgeable ctx.ip.
    const steady = answerNoSoonerThan(this.ecps.host.settings.ecps.activationAnswerMs);
    router.post('/activation/start', steady, errors, json, async (ctx) => {
      const body = (ctx.request.body ?? {}) as { national_id?: unknown };
      if (typeof body.national_id !== 'string') throw new EcpsBadRequestError('national_id is required');
      ctx.status = 202;
      ctx.body = await this.ecps.activation.start(body.national_id.trim(), clientIpOf(ctx as Koa.Context));
    });

    router.post('/activation/complete', errors, async (ctx) => {
      const { publicJwk, claims } = await verifyActivationRequest(this.ecps.store, target(ctx as Koa.Context));
      ctx.status = 201;
      ctx.body = await this.ecps.activation.complete(publicJwk, claims);
    });

    router.get('/device/requests', errors, async (ctx) => {
      const { device } = await verifyDeviceRequest(this.ecps.store, target(ctx as Koa.Context));
      ctx.body = { requests: await this.ecps.approvals.pendingFor(device) };
    });

    router.post('/device/requests/:id/answer', errors, async (ctx) => {
      const { device, claims } = await verifyDeviceRequest(this.ecps.store, target(ctx as Koa.Context));
      const answered = await this.ecps.approvals.answer(device, claims, ctx.params.id!);
      logger.info({ event: 'ecps.request_answered', requestId: answered.id, deviceId: device.id, status: answered.status, kind: answered.kind }, 'e-CPS request answered');
      ctx.body = { request_id: answered.id, status: answered.status };
    });

    router.get('/device/devices', errors, async (ctx) => {
      const { device } = await verifyDeviceRequest(this.ecps.store, target(ctx as Koa.Context));
      ctx.body = { devices: await this.ecps.listDevices(device.national_id) };
    });

    router.post('/device/devices/:id/revoke', errors, async (ctx) => {
      const { device } = await verifyDeviceRequest(this.ecps.store, target(ctx as Koa.Context));
      // A professional may revoke any of their own devices (a lost phone from the new one).
      if (!(await this.ecps.revokeDevice(ctx.params.id!, device.national_id))) throw new EcpsDeviceNotFoundError('no such active device of this professional');
      ctx.body = { device_id: ctx.params.id, status: 'revoked' };
    });

    router.get('/device/events', errors, async (ctx) => this.openChannel(ctx as Koa.Context));
  }

  /**
   * Server-sent events: `ready`, then `approval_request` for each pending and each new request,
   * `: ping` comments every few seconds, and `revoked` (then the end) if the device is revoked.
   */
  private async openChannel(ctx: Koa.Context): Promise<void> {
    const { device } = await verifyDeviceRequest(this.ecps.store, target(ctx));
    // Written straight to the socket: Koa's body piping would report every client leaving as an error.
    ctx.respond = false;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store, no-transform', 'X-Accel-Buffering': 'no' });
    this.channels.add(res);
    const sent = new Set<string>();
    const write = (event: string, data: unknown, id?: string) => {
      if (!res.writableEnded) res.write(`event: ${event}\n${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
    };
    const send = (e: ApprovalEvent) => {
      if (sent.has(e.request_id)) return;
      sent.add(e.request_id);
      write('approval_request', e, e.request_id);
    };
    const revoked = () => {
      write('revoked', { device_id: device.id });
      res.end();
    };
    const unsubscribe = this.ecps.notifier.subscribe(device.national_id, (signal) => {
      if (signal.type === 'revoked') {
        if (signal.device_id === device.id) revoked();
        return;
      }
      if (sent.has(signal.request_id)) return;
      void this.ecps.approvals.pendingById(signal.request_id, device).then((e) => e && send(e), () => {});
    });
    const check = async () => {
      if (!(await this.ecps.store.activeDevice(device.id))) return revoked();
      for (const e of (await this.ecps.approvals.pendingFor(device)).reverse()) send(e);
    };
    const checkTimer = setInterval(() => void check().catch(() => res.end()), this.ecps.bus ? CHANNEL_CHECK_MS.withBus : CHANNEL_CHECK_MS.withoutBus);
    const pingTimer = setInterval(() => { if (!res.writableEnded) res.write(': ping\n\n'); }, PING_MS);
    res.on('close', () => {
      clearInterval(checkTimer);
      clearInterval(pingTimer);
      unsubscribe();
      this.channels.delete(res);
    });
    write('ready', { device_id: device.id });
    for (const e of (await this.ecps.approvals.pendingFor(device)).reverse()) send(e);
  }

  /** Ends every open device channel (server shutdown). */
  closeChannels(): void {
    for (const s of this.channels) s.end();
    this.channels.clear();
  }
}

