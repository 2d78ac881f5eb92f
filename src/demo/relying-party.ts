import Router from '@koa/router';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';

import type { Settings } from '../config/settings.js';
import type { DemoClient } from './demo-client.js';
import { demoError, demoHome, demoResult } from './demo-pages.js';

const COOKIE = 'openpsc_demo';

/**
 * The demo relying party at /demo: a real openid-client 6 client of this IdP (code flow, PKCE,
 * nonce, state, discovery through PSC's wallet-openid-configuration) that shows the decoded ID
 * token, the userinfo and the introspection of its access token.
 */
export function demoRelyingParty(settings: Settings, demo: DemoClient, hints: () => string[]): Router {
  const router = new Router({ prefix: '/demo' });
  let config: client.Configuration | undefined;
  const configuration = async () => {
    config ??= await client.discovery(
      new URL(`${settings.issuer}/.well-known/wallet-openid-configuration`),
      demo.clientId,
      {},
      client.ClientSecretBasic(demo.clientSecret),
      settings.publicUrl.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : undefined,
    );
    return config;
  };
  const cookieOptions = { signed: true, httpOnly: true, sameSite: 'lax' as const, path: '/demo', secure: settings.publicUrl.startsWith('https:'), maxAge: 10 * 60 * 1000 };

  // The demo keeps its state in a cookie for the host it is served on, and the IdP sends the
  // browser back to PUBLIC_URL: start on that same host (127.0.0.1 vs localhost would lose it).
  const canonical = new URL(settings.publicUrl);
  router.use(async (ctx, next) => {
    if (ctx.host !== canonical.host && ctx.method === 'GET' && !ctx.path.startsWith('/demo/callback')) {
      ctx.redirect(new URL(ctx.originalUrl, canonical).href);
      return;
    }
    await next();
  });

  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = demoHome(hints());
  });

  router.get('/login', async (ctx) => {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    ctx.cookies.set(COOKIE, JSON.stringify({ codeVerifier, state, nonce }), cookieOptions);
    ctx.redirect(client.buildAuthorizationUrl(await configuration(), {
      redirect_uri: demo.redirectUri,
      scope: 'openid scope_all',
      acr_values: settings.acr,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).href);
  });

  router.get('/callback', async (ctx) => {
    ctx.type = 'html';
    const saved = ctx.cookies.get(COOKIE, { signed: true });
    ctx.cookies.set(COOKIE, null, cookieOptions);
    if (!saved) {
      ctx.status = 400;
      ctx.body = demoError('session', 'la demande de connexion a expiré');
      return;
    }
    const { codeVerifier, state, nonce } = JSON.parse(saved) as Record<string, string>;
    try {
      const cfg = await configuration();
      const current = new URL(ctx.originalUrl, demo.redirectUri);
      const tokens = await client.authorizationCodeGrant(cfg, current, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
      const idClaims = tokens.claims()!;
      const [userinfo, introspection] = await Promise.all([
        client.fetchUserInfo(cfg, tokens.access_token, idClaims.sub),
        client.tokenIntrospection(cfg, tokens.access_token),
      ]);
      ctx.body = demoResult([
        { title: 'ID token (en-tête et contenu)', value: { header: decodeProtectedHeader(tokens.id_token!), payload: idClaims } },
        { title: "Jeton d'accès (contenu du JWT)", value: decodeJwt(tokens.access_token) },
        { title: 'Userinfo', value: userinfo },
        { title: 'Introspection du jeton d\'accès', value: introspection },
        { title: 'Réponse du point de jeton (sans les jetons)', value: { ...tokens, access_token: '…', refresh_token: '…', id_token: '…' } },
      ], client.buildEndSessionUrl(cfg, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: demo.postLogoutRedirectUri, state: state! }).href);
    } catch (err) {
      ctx.status = 400;
      const e = err as { error?: string; error_description?: string; message: string };
      ctx.body = demoError(e.error ?? 'erreur', e.error_description ?? e.message);
    }
  });
  return router;
}
