import type Koa from 'koa';
import { sql } from 'kysely';
import Provider, { errors, type Configuration } from 'oidc-provider';

import type { AuthenticationEvents } from '../audit/authentication-events.js';
import type { CibaChannel } from '../authenticators/plugin.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { loadProfessional, nationalIdOf, subjectOf } from '../directory/claims.js';
import { clientIpOf, requestLogState } from '../http/request-log.js';
import type { Logger } from '../log/logger.js';
import { CibaLimitError, CibaLimits, type CibaRefusal } from './ciba-limits.js';

/**
 * CIBA in poll mode as PSC offers it (psc-contract.md §14): `login_hint` is the national id,
 * `binding_message` two digits shown on the device, `channel` MOBILE (default) or CARD selects
 * the authenticator plug-in that reaches the professional.
 */

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
type Channel = CibaChannel['channel'];

function requestedChannel(params: Record<string, unknown> | undefined): Channel {
  const channel = params?.channel;
  if (channel === undefined || channel === '') return 'MOBILE';
  if (channel === 'MOBILE' || channel === 'CARD') return channel;
  throw new errors.InvalidRequest('channel must be MOBILE or CARD');
}

export interface CibaOptions {
  /** Where refusals by the per-professional limits are recorded (audit log, login metrics). */
  events?: AuthenticationEvents;
  logger?: Logger;
}

export function cibaConfiguration(settings: Settings, database: Database, channels: CibaChannel[], options: CibaOptions = {}): NonNullable<Configuration['features']>['ciba'] {
  const byChannel = new Map(channels.map((c) => [c.channel, c]));
  const { cibaPending, ciba, cibaWindowSeconds } = settings.ops.rateLimit;
  const limits = new CibaLimits(database.db, { pending: cibaPending, perWindow: ciba, windowSeconds: cibaWindowSeconds });

  /** The request was saved by oidc-provider before this hook: it goes, so that no poll finds it. */
  async function refuse(ctx: Koa.Context, request: { destroy(): Promise<void> }, refusal: CibaRefusal, audit: { nationalId: string; clientId: string; channel: Channel }): Promise<never> {
    await request.destroy();
    const state = requestLogState(ctx.req);
    (state?.log ?? options.logger)?.warn({ event: 'ciba.limited', errorCode: refusal.errorCode, clientId: audit.clientId, channel: audit.channel }, 'CIBA request refused: per-professional limit reached');
    await options.events?.ended(undefined, {
      type: 'ciba', authenticator: audit.channel === 'CARD' ? 'card' : 'ecps', nationalId: audit.nationalId, clientId: audit.clientId,
      outcome: 'failure', errorCode: refusal.errorCode, ip: clientIpOf(ctx), ...(state ? { requestId: state.requestId } : {}),
      details: { channel: audit.channel, limit: refusal.limit, ...(refusal.windowSeconds ? { windowSeconds: refusal.windowSeconds } : {}) },
    });
    throw new CibaLimitError(refusal.description);
  }

  return {
    enabled: channels.length > 0,
    deliveryModes: ['poll'],
    async processLoginHint(ctx, loginHint) {
      const channel = byChannel.get(requestedChannel(ctx.oidc.params as Record<string, unknown>));
      if (!channel) throw new errors.InvalidRequest(`channel ${String(ctx.oidc.params?.channel)} is not offered by this server`);
      const nationalId = (loginHint ?? '').trim();
      if (!nationalId) return undefined;
      const professional = await loadProfessional(database.db, nationalId);
      if (!professional || !(await channel.canAuthenticate(nationalId))) return undefined; // → unknown_user_id
      return subjectOf(settings.subjectUuid, nationalId);
    },
    async processLoginHintToken() {
      throw new errors.InvalidRequest('login_hint_token is not supported: use login_hint with the national id');
    },
    async validateBindingMessage(_ctx, bindingMessage) {
      if (bindingMessage !== undefined && !/^[0-9]{2}$/.test(bindingMessage)) {
        throw new errors.InvalidBindingMessage('binding_message must be two digits ("00" to "99")');
      }
    },
    async validateRequestContext() {},
    async verifyUserCode(_ctx, _account, userCode) {
      if (userCode) throw new errors.InvalidRequest('user_code is not supported');
    },
    // The earliest hook that knows both the professional and the auth_req_id, and the last before
    // anything reaches a device: the limits are checked here.
    async triggerAuthenticationDevice(ctx, request, account, client) {
      const channelName = requestedChannel(ctx.oidc.params as Record<string, unknown>);
      const channel = byChannel.get(channelName)!;
      const nationalId = nationalIdOf(account.accountId)!;
      const refusal = await limits.admit({ authReqId: request.jti, nationalId, clientId: client.clientId, lifetimeSeconds: request.expiration });
      if (refusal) await refuse(ctx, request, refusal, { nationalId, clientId: client.clientId, channel: channelName });
      try {
        await channel.trigger({
          authReqId: request.jti,
          nationalId,
          clientId: client.clientId,
          clientName: client.clientName ?? client.clientId,
          // oidc-provider keeps the request's parameters under `params`, and sets no `exp` on the
          // instance when the lifetime is a function: `expiration` is the lifetime in seconds.
          bindingMessage: (request as unknown as { params?: { binding_message?: string } }).params?.binding_message,
          expiresAt: new Date(Date.now() + request.expiration * 1000),
        });
      } catch (err) {
        // Nothing reached the professional: the request does not count. Should that fail too, it
        // counts until it expires — the channel's error is still the one to report.
        await limits.release(request.jti).catch((releaseErr: unknown) =>
          options.logger?.warn({ event: 'ciba.release_failed', err: (releaseErr as Error).message }, 'failed CIBA request still counted against the limits'));
        throw err;
      }
    },
  };
}

/**
 * `slow_down` for clients polling faster than CIBA_INTERVAL (oidc-provider leaves it to us):
 * the token endpoint's lookup of the request goes through a shared, per-request poll clock.
 */
export function installCibaPollGate(provider: Provider, settings: Settings, database: Database): void {
  const model = provider.BackchannelAuthenticationRequest as unknown as { find(value: string, options?: unknown): Promise<unknown> };
  const find = model.find.bind(model);
  model.find = async (value: string, options?: unknown) => {
    const ctx = Provider.ctx;
    if (ctx?.oidc?.route === 'token' && ctx.oidc.params?.grant_type === CIBA_GRANT && !(await pollAllowed(database, value, settings))) {
      throw new errors.SlowDown(`poll at most every ${settings.cibaInterval} s`);
    }
    return find(value, options);
  };
}

/** Deletes poll clocks of requests long expired; returns how many. */
export async function purgeCibaPolls(database: Database): Promise<number> {
  const result = await database.db.deleteFrom('ciba_poll').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function pollAllowed(database: Database, authReqId: string, settings: Settings): Promise<boolean> {
  const interval = sql.raw(`interval '${settings.cibaInterval} seconds'`);
  const updated = await database.db.updateTable('ciba_poll').set({ last_polled_at: sql`now()` })
    .where('auth_req_id', '=', authReqId).where('last_polled_at', '<=', sql<Date>`now() - ${interval}`)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return true;
  const inserted = await database.db.insertInto('ciba_poll')
    .values({ auth_req_id: authReqId, last_polled_at: sql`now()`, expires_at: sql`now() + ${sql.raw(`interval '${settings.ttl.ciba + 60} seconds'`)}` })
    .onConflict((oc) => oc.column('auth_req_id').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}
