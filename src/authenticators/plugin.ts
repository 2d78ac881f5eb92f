import type Router from '@koa/router';
import type { Command } from 'commander';
import type Koa from 'koa';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { AuthMode } from '../directory/claims.js';
import type { ProfessionalRecord } from '../directory/professional.js';
import type { Logger } from '../log/logger.js';

/**
 * The one interface every means of authentication implements (card, e-CPS). Each plug-in lives in
 * src/authenticators/<id>/ with the same file roles: `plugin.ts` (this interface), `routes.ts`,
 * `service.ts`, `store.ts`, `errors.ts`.
 */

/** What a successful authentication proves. */
export interface LoginResult {
  nationalId: string;
  authMode: AuthMode;
  /** RFC 8176 values: CARD → ['sc', 'pin'], e-CPS push → ['swk', 'pin'], e-CPS code → ['otp']. */
  amr: string[];
}

/** What a plug-in is given by the host. */
export interface AuthenticatorHost {
  settings: Settings;
  database: Database;
  logger: Logger;
  /** The professional with at least one current activity, or undefined (login refused). */
  findProfessional(nationalId: string): Promise<ProfessionalRecord | undefined>;
  /**
   * Ends the login interaction `ctx.params.uid` successfully (the professional must be in the
   * mirror with a current activity, else it throws). A browser form post is answered with a 303
   * redirect back into the authorization flow; a JSON/fetch request (`Accept: application/json`)
   * gets `{ "redirect": "<url>" }` to navigate to. Write nothing after it.
   */
  finishLogin(ctx: Koa.Context, result: LoginResult): Promise<void>;
  /**
   * Records a refused login step (audit log, login metrics). Never throws. `errorCode` is the
   * plug-in's stable error code; no secret (PIN, code) may be passed.
   */
  recordFailure(ctx: Koa.Context, failure: { authenticator: 'card' | 'ecps'; errorCode: string; nationalId?: string }): Promise<void>;
  /** Whether `token` is the anti-CSRF token of the interaction (`csrf` given to renderLogin). */
  checkCsrf(ctx: Koa.Context, token: unknown): boolean;
  /** Ends the interaction with an OIDC error returned to the relying party (e.g. access_denied). */
  abortLogin(ctx: Koa.Context, error: string, description: string): Promise<void>;
  /**
   * Completes a CIBA request (poll mode): the next poll of the token endpoint gets tokens for
   * `outcome`, or the given error (`access_denied`).
   */
  finishCiba(authReqId: string, outcome: LoginResult | { error: 'access_denied'; description: string }): Promise<void>;
  /** The client (relying party) of the interaction `uid`, for display: its name and id. */
  describeInteraction(ctx: Koa.Context): Promise<InteractionView>;
}

export interface InteractionView {
  uid: string;
  clientId: string;
  clientName: string;
  /** login_hint of the authorization request, if any (a national id). */
  loginHint?: string;
}

/** One section of the login page, rendered server-side (French, no inline script: strict CSP). */
export interface LoginSection {
  /** HTML of the section (already escaped). */
  html: string;
  /** Script URLs (served by the plug-in's routes) the section needs. */
  scripts?: string[];
}

/** CIBA: authenticate a user on a device, out of band (psc-contract.md §14). */
export interface CibaChannel {
  channel: 'MOBILE' | 'CARD';
  /** Whether the professional can be authenticated on this channel (an active device…). */
  canAuthenticate(nationalId: string): Promise<boolean>;
  /** Starts the out-of-band authentication; the plug-in later calls the host's cibaResult. */
  trigger(request: CibaRequest): Promise<void>;
}

export interface CibaRequest {
  /** oidc-provider's BackchannelAuthenticationRequest jti (= auth_req_id). */
  authReqId: string;
  nationalId: string;
  clientId: string;
  clientName: string;
  bindingMessage?: string;
  expiresAt: Date;
}

export interface Authenticator {
  readonly id: 'card' | 'ecps';
  /** French label of the login-page choice ("Se connecter avec ma carte CPS"). */
  readonly label: string;
  /**
   * Routes of the interaction, mounted under `<issuerPath>/interaction/:uid/<id>/…`; their handlers
   * read `ctx.params.uid`.
   */
  interactionRoutes(router: Router): void;
  /** Routes outside the interaction (device API, agent helpers), mounted at `/<id>/…`. */
  publicRoutes?(router: Router): void;
  /** The login page section for the interaction. */
  renderLogin(view: InteractionView & { csrf: string; basePath: string }): LoginSection;
  /** CIBA support, if the plug-in offers it. */
  readonly ciba?: CibaChannel;
  /** Administration commands (`openpsc <id> …`). */
  registerCommands?(program: Command, host: () => Promise<AuthenticatorHost>): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type AuthenticatorFactory = (host: AuthenticatorHost) => Authenticator;
