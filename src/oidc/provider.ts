import type { JWK } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import type { AuthenticationEvents } from '../audit/authentication-events.js';
import type { CibaChannel } from '../authenticators/plugin.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { errorPage } from '../interactions/pages/error-page.js';
import { loggedOutPage, logoutPage } from '../interactions/pages/logout-page.js';
import type { Logger } from '../log/logger.js';
import { createFindAccount } from './account.js';
import { createAdapterClass } from './adapter.js';
import { cibaConfiguration, installCibaPollGate } from './ciba.js';
import type { ClientRegistry } from './clients.js';
import { loadOrCreateGrant } from './grants.js';
import { clientCertificateAuthorized, getClientCertificate, subjectMatches } from './mtls.js';
import { AccessTokenJwt } from './psc/access-token-jwt.js';
import { pscInteractionPolicy } from './psc/acr-policy.js';
import { PSC_CLAIMS, PSC_SCOPES } from './psc/claims-config.js';
import { pscTtl } from './psc/lifetimes.js';
import { installPscMiddleware } from './psc/middleware.js';
import { PSC_ROUTES } from './psc/routes.js';
import { pscExtraTokenClaims } from './psc/token-claims.js';

export interface ProviderDeps {
  settings: Settings;
  database: Database;
  clients: ClientRegistry;
  /** Private signing JWKs, active first (src/oidc/keys.ts). */
  signingJwks: JWK[];
  cibaChannels: CibaChannel[];
  /** Audit log and logger of CIBA refusals (per-professional limits). */
  events?: AuthenticationEvents;
  logger?: Logger;
}

export const interactionPath = (settings: Settings, uid: string) => `${settings.issuerPath}/interaction/${uid}`;

const publicJwk = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }: JWK): JWK => pub;

/** The oidc-provider instance with the PSC profile (psc-contract.md). */
export function createProvider(deps: ProviderDeps): { provider: Provider; accessTokens: AccessTokenJwt } {
  const { settings, database, clients, signingJwks } = deps;
  const rs256 = signingJwks.find((k) => k.alg === 'RS256');
  if (!rs256) throw new Error('no active RS256 signing key (run `openpsc keys rotate --alg RS256`)');
  const accessTokenJwt = new AccessTokenJwt(settings.issuer, rs256, signingJwks.map(publicJwk));

  const configuration: Configuration = {
    adapter: createAdapterClass(database.db, {
      findClient: (id) => clients.findForProvider(id),
      accessTokenId: (value) => accessTokenJwt.idFromValue(value),
    }),
    findAccount: createFindAccount(database.db, settings.subjectUuid),
    jwks: { keys: signingJwks as never },
    cookies: {
      keys: settings.cookieKeys,
      // SameSite=None only with POST at the authorization endpoint (oidc-provider requires it: a
      // cross-site form post must carry the session); the interaction cookie stays Lax.
      long: { signed: true, httpOnly: true, sameSite: settings.authorizationPost ? 'none' : 'lax', secure: settings.publicUrl.startsWith('https:') },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: settings.publicUrl.startsWith('https:') },
    },
    enableHttpPostMethods: settings.authorizationPost,
    routes: PSC_ROUTES,
    scopes: [...PSC_SCOPES],
    claims: PSC_CLAIMS as unknown as Configuration['claims'],
    conformIdTokenClaims: false,
    acrValues: [settings.acr],
    responseTypes: ['code'],
    subjectTypes: ['public'],
    extraParams: ['channel', 'kc_idp_hint'],
    extraClientMetadata: {
      properties: ['pkce_required', 'resource_server'],
      validator(_ctx, key, value) {
        if ((key === 'pkce_required' || key === 'resource_server') && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        }
      },
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'PS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'PS256', 'ES256'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256'],
    },
    pkce: {
      required: (_ctx, client) => settings.pkceRequired || client.metadata().pkce_required === true,
    },
    clientBasedCORS: () => false, // PSC forbids browser clients ("exigence 22")
    ttl: pscTtl(settings.ttl),
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: (ctx, token) => pscExtraTokenClaims(ctx, token as never),
    loadExistingGrant: loadOrCreateGrant,
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: { url: (_ctx, interaction) => interactionPath(settings, interaction.uid), policy: pscInteractionPolicy([settings.acr]) },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), out.error_description ? String(out.error_description) : undefined);
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: {
        enabled: true,
        // A client sees its own tokens; a resource server (an API behind PSC login, which
        // introspects the tokens it receives: psc-contract.md §15) sees every access token.
        allowedPolicy: async (_ctx, client, token) =>
          token.clientId === client.clientId || (client.metadata().resource_server === true && token.kind === 'AccessToken'),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId) throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          return true;
        },
      },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const hinted = Boolean((ctx as KoaContextWithOIDC).oidc.entities.IdTokenHint);
          ctx.type = 'html';
          ctx.body = logoutPage(form, hinted);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage((ctx as KoaContextWithOIDC).oidc.client?.clientName);
        },
      },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        certificateBoundAccessTokens: false,
        getCertificate: (ctx) => getClientCertificate(ctx, settings),
        certificateAuthorized: (ctx) => clientCertificateAuthorized(ctx, settings),
        certificateSubjectMatches: (ctx, property, expected) =>
          property === 'tls_client_auth_subject_dn' && subjectMatches(getClientCertificate(ctx, settings)!, expected),
      },
      ciba: cibaConfiguration(settings, database, deps.cibaChannels, { events: deps.events, logger: deps.logger }),
    },
  };

  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = settings.trustProxy;
  // PSC's Keycloak puts `sid` in every ID token (psc-contract.md §9) and the server-to-server
  // logout of §13 finds the session by it; oidc-provider adds it for back-channel logout clients only.
  provider.Client.prototype.includeSid = () => true;
  accessTokenJwt.install(provider);
  installPscMiddleware(provider, settings);
  installCibaPollGate(provider, settings, database);
  return { provider, accessTokens: accessTokenJwt };
}
