import * as client from 'openid-client';

import { BrowserSession } from '../../helpers/browser-session.js';
import type { TestIdp } from '../../helpers/idp.js';
import { registerRp, type TestRp } from '../../helpers/rp.js';
import { loginAs } from './login.js';
import { PROFESSIONAL } from './op.js';

/** One authorization request as the relying party keeps it (to check the response against). */
export interface AuthorizationRequest {
  url: URL;
  state?: string;
  nonce?: string;
  codeVerifier?: string;
}

/** Where the browser ended: at the relying party's redirect URI, or on a page of the IdP. */
export interface Landing {
  callback?: URL;
  /** The IdP page the flow stopped on (an error page), when it did not reach the client. */
  page?: { url: URL; status: number; html: string };
  /** Whether a login interaction was shown (and completed with `loginAs`). */
  loginShown: boolean;
  /** The login page as rendered (HTML), when one was shown. */
  loginPage?: string;
  browser: BrowserSession;
}

export type Params = Record<string, string | undefined>;

/**
 * A relying party as the official suite drives one: a static client registered with OpenPSC,
 * discovered through PSC's wallet discovery path, using openid-client for every request it can
 * make. Parameters set to `undefined` are left out of the request.
 *
 * @example
 *   const rp = await ConformanceClient.register(idp, 'oidcc-server');
 *   const { tokens } = await rp.login();
 */
export class ConformanceClient {
  /** The last response openid-client received from each endpoint (headers for the suite's checks). */
  readonly responses = new Map<string, Response>();

  private constructor(readonly idp: TestIdp, readonly rp: TestRp) {
    rp.config[client.customFetch] = async (url, options) => {
      const res = await fetch(url, options as RequestInit);
      this.responses.set(new URL(url).pathname, res.clone());
      return res;
    };
  }

  /** The last response of the endpoint named in discovery (e.g. `token_endpoint`). */
  lastResponse(endpoint: 'token_endpoint' | 'userinfo_endpoint' | 'introspection_endpoint'): Response | undefined {
    return this.responses.get(new URL(String(this.metadata[endpoint])).pathname);
  }

  static async register(idp: TestIdp, alias: string, options: Parameters<typeof registerRp>[1] = {}): Promise<ConformanceClient> {
    const redirectUri = `http://127.0.0.1:9/test/a/${alias}/callback`;
    return new ConformanceClient(idp, await registerRp(idp, { redirectUris: [redirectUri], ...options }));
  }

  get config(): client.Configuration { return this.rp.config; }
  get clientId(): string { return this.rp.clientId; }
  get redirectUri(): string { return this.rp.redirectUri; }
  get metadata(): client.ServerMetadata { return this.rp.config.serverMetadata(); }

  /** The suite's default request: code flow, `openid scope_all`, state, nonce, PKCE S256. */
  async request(params: Params = {}): Promise<AuthorizationRequest> {
    const codeVerifier = client.randomPKCECodeVerifier();
    const defaults: Params = {
      redirect_uri: this.redirectUri,
      scope: 'openid scope_all',
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    const merged = { ...defaults, ...params };
    const defined = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
    const url = client.buildAuthorizationUrl(this.config, defined);
    if ('response_type' in params && params.response_type === undefined) url.searchParams.delete('response_type');
    return {
      url,
      state: defined.state,
      nonce: defined.nonce,
      codeVerifier: defined.code_challenge ? codeVerifier : undefined,
    };
  }

  /**
   * Browses from the authorization URL. A login page is answered with `loginAs(as)` unless
   * `as` is null; the browse stops at the redirect URI or on any other IdP page.
   */
  async browse(url: URL | string, { browser = new BrowserSession(), as = PROFESSIONAL as string | null, init }: { browser?: BrowserSession; as?: string | null; init?: RequestInit } = {}): Promise<Landing> {
    const atRp = (u: URL) => u.toString().startsWith(this.redirectUri);
    let landing = await browser.follow(url.toString(), { stopAt: atRp, init });
    let loginShown = false;
    if (!atRp(landing.url) && landing.url.pathname.includes('/interaction/') && landing.response?.status === 200) {
      loginShown = true;
      const login = await pageOf(landing.url, landing.response);
      if (as === null) return { page: login, loginShown, loginPage: login.html, browser };
      const next = await loginAs(as, { idp: this.idp, browser, interactionUrl: landing.url });
      landing = await browser.follow(next.toString(), { stopAt: atRp });
      if (atRp(landing.url)) return { callback: landing.url, loginShown, loginPage: login.html, browser };
      return { page: await pageOf(landing.url, landing.response!), loginShown, loginPage: login.html, browser };
    }
    if (atRp(landing.url)) return { callback: landing.url, loginShown, browser };
    return { page: await pageOf(landing.url, landing.response!), loginShown, browser };
  }

  /** Request + browse; throws unless the flow came back to the client. */
  async authorize(params: Params = {}, options: Parameters<ConformanceClient['browse']>[1] = {}) {
    const request = await this.request(params);
    const landing = await this.browse(request.url, options);
    if (!landing.callback) throw new Error(`authorization did not come back to the client: ${landing.page?.status} ${landing.page?.url}`);
    return { request, callback: landing.callback, landing, browser: landing.browser };
  }

  /** The token request for a callback, with openid-client's checks (state, nonce, iss, ID token claims). */
  exchange(request: AuthorizationRequest, callback: URL, config = this.config) {
    return client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state ?? client.skipStateCheck,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
  }

  /** A complete login: authorization request, login, token request. */
  async login(params: Params = {}, options: Parameters<ConformanceClient['browse']>[1] = {}) {
    const { request, callback, landing, browser } = await this.authorize(params, options);
    const tokens = await this.exchange(request, callback);
    return { request, callback, tokens, landing, browser };
  }
}

async function pageOf(url: URL, response: Response) {
  return { url, status: response.status, html: await response.text() };
}

/** The error parameters of a callback (redirect URI) as one object. */
export function errorOf(callback: URL | undefined) {
  return {
    error: callback?.searchParams.get('error') ?? undefined,
    state: callback?.searchParams.get('state') ?? undefined,
    iss: callback?.searchParams.get('iss') ?? undefined,
  };
}
