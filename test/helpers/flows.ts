import * as client from 'openid-client';

import { BrowserSession } from './browser-session.js';
import type { TestIdp } from './idp.js';
import type { TestRp } from './rp.js';
import { authorizeWithTestLogin } from './test-login.js';

export interface AuthorizationRequest {
  url: URL;
  codeVerifier: string;
  nonce: string;
  state: string;
}

/** An authorization URL as a PSC relying party builds it (scope_all, eidas1, PKCE S256, nonce, state). */
export async function authorizationRequest(rp: TestRp, extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid scope_all',
    acr_values: 'eidas1',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  return { url, codeVerifier, nonce, state };
}

/** Logs in through the test-only helper and exchanges the code; returns the tokens. */
export async function loginAndGetTokens(idp: TestIdp, rp: TestRp, nationalId: string, { browser = new BrowserSession(), amr }: { browser?: BrowserSession; amr?: string[] } = {}) {
  const request = await authorizationRequest(rp);
  const callback = await authorizeWithTestLogin(idp, browser, request.url, nationalId, rp.redirectUri, amr);
  const tokens = await client.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state,
  });
  return { tokens, callback, request, browser };
}
