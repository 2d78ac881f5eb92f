import type Koa from 'koa';
import type { Kysely } from 'kysely';

import type { Schema } from '../db/schema.js';
import type { LoginOutcome, Metrics } from '../http/metrics.js';
import { clientIpOf } from '../http/request-log.js';
import type { Logger } from '../log/logger.js';
import { recordAuthentication, type AuthenticationEvent } from './audit-log.js';

/**
 * The one call the login code makes when an authentication ends: it counts it
 * (openpsc_logins_total), writes the audit row with the request's id and client IP, and logs it.
 * It never throws: an audit or metrics failure is logged and must not turn a successful login
 * into an error page.
 *
 * @example
 *   const events = new AuthenticationEvents(database.db, ops.metrics, logger);
 *   // in the host's finishLogin:
 *   await events.ended(ctx, { type: 'login', authenticator: 'card', nationalId, clientId, outcome: 'success', details: { amr } });
 *   // in a plug-in refusing a PIN:
 *   await events.ended(ctx, { type: 'login', authenticator: 'card', nationalId, clientId, outcome: 'failure', errorCode: 'CARD_PIN_INVALID' });
 */
export class AuthenticationEvents {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly metrics?: Metrics,
    private readonly logger?: Logger,
  ) {}

  /** `ctx` may be absent (CIBA completed by a device call): then ip and request id are the event's own. */
  async ended(ctx: Koa.Context | undefined, event: Omit<AuthenticationEvent, 'ip' | 'requestId'> & { ip?: string; requestId?: string }): Promise<void> {
    const log = (ctx?.state.log as Logger | undefined) ?? this.logger;
    const full: AuthenticationEvent = {
      ...event,
      ip: event.ip ?? (ctx ? clientIpOf(ctx) : undefined),
      requestId: event.requestId ?? (ctx?.state.requestId as string | undefined),
    };
    const outcome: LoginOutcome = event.outcome;
    try {
      this.metrics?.loginAttempt(event.authenticator ?? 'unknown', outcome);
    } catch (err) {
      log?.warn({ err }, 'login metric failed');
    }
    try {
      await recordAuthentication(this.db, full);
    } catch (err) {
      log?.error({ err, event: { type: event.type, outcome: event.outcome, errorCode: event.errorCode } }, 'audit write failed');
    }
    log?.info({
      event: event.type, authenticator: event.authenticator, nationalId: event.nationalId, clientId: event.clientId,
      outcome: event.outcome, errorCode: event.errorCode,
    }, 'authentication ended');
  }
}
