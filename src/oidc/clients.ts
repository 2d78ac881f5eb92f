import { randomBytes } from 'node:crypto';

import type { Kysely } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';

import type { SecretBox } from '../crypto/secret-box.js';
import type { Schema } from '../db/schema.js';

/**
 * The registry of relying parties, in PostgreSQL, managed with `openpsc clients …`.
 * Secrets are generated here, shown once, and stored sealed (never logged).
 */

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ClientInput {
  clientId?: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  authMethod?: AuthMethod;
  /** Scopes the client may request (default `openid scope_all`). */
  scopes?: string[];
  /** CIBA poll grant allowed. */
  ciba?: boolean;
  /** An API that introspects the access tokens of every client (psc-contract.md §15). */
  resourceServer?: boolean;
  /** PKCE S256 mandatory for this client (PKCE_REQUIRED makes it mandatory for all). */
  pkceRequired?: boolean;
  backchannelLogoutUri?: string;
  idTokenSignedResponseAlg?: 'RS256' | 'PS256' | 'ES256';
  /** Userinfo as a signed JWT with this algorithm instead of JSON. */
  userinfoSignedResponseAlg?: 'RS256' | 'PS256' | 'ES256';
  /** private_key_jwt: the client's public keys (JWKS JSON) or their URL. */
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  /** tls_client_auth: the certificate subject DN to expect. */
  tlsClientAuthSubjectDn?: string;
}

export interface ClientInfo {
  clientId: string;
  metadata: Record<string, unknown>;
  hasSecret: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export class ClientInputError extends Error {
  override name = 'ClientInputError';
}

const sealContext = (clientId: string) => `client_secret:${clientId}`;
const newSecret = () => randomBytes(32).toString('base64url');

function checkUri(uri: string, what: string, { allowHttp }: { allowHttp: boolean }): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new ClientInputError(`${what}: not an absolute URL: ${uri}`);
  }
  if (u.hash) throw new ClientInputError(`${what}: must not contain a fragment: ${uri}`);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && (allowHttp || loopback))) {
    throw new ClientInputError(`${what}: must use https (http only for localhost): ${uri}`);
  }
  return uri;
}

/** oidc-provider client metadata for an input (without the secret). */
export function toMetadata(input: ClientInput, clientId: string, { allowHttp = false } = {}): Record<string, unknown> {
  if (!input.name.trim()) throw new ClientInputError('name is required');
  if (!input.redirectUris.length) throw new ClientInputError('at least one redirect URI is required');
  const authMethod = input.authMethod ?? 'client_secret_basic';
  if (!AUTH_METHODS.includes(authMethod)) throw new ClientInputError(`unknown auth method ${authMethod}`);
  if (authMethod === 'private_key_jwt' && !input.jwks && !input.jwksUri) {
    throw new ClientInputError('private_key_jwt needs --jwks or --jwks-uri');
  }
  if (authMethod === 'tls_client_auth' && !input.tlsClientAuthSubjectDn) {
    throw new ClientInputError('tls_client_auth needs --tls-subject-dn');
  }
  const scopes = input.scopes?.length ? input.scopes : ['openid', 'scope_all'];
  if (!scopes.includes('openid')) throw new ClientInputError('scopes must include openid');
  const grantTypes = ['authorization_code', 'refresh_token', ...(input.ciba ? ['urn:openid:params:grant-type:ciba'] : [])];
  return {
    client_name: input.name.trim(),
    redirect_uris: input.redirectUris.map((u) => checkUri(u, 'redirect URI', { allowHttp })),
    post_logout_redirect_uris: (input.postLogoutRedirectUris ?? []).map((u) => checkUri(u, 'post-logout redirect URI', { allowHttp })),
    response_types: ['code'],
    grant_types: grantTypes,
    token_endpoint_auth_method: authMethod,
    scope: scopes.join(' '),
    pkce_required: Boolean(input.pkceRequired),
    resource_server: Boolean(input.resourceServer),
    ...(input.ciba ? { backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: false } : {}),
    ...(input.backchannelLogoutUri ? {
      backchannel_logout_uri: checkUri(input.backchannelLogoutUri, 'back-channel logout URI', { allowHttp }),
      backchannel_logout_session_required: true,
    } : {}),
    ...(input.idTokenSignedResponseAlg ? { id_token_signed_response_alg: input.idTokenSignedResponseAlg } : {}),
    ...(input.userinfoSignedResponseAlg ? { userinfo_signed_response_alg: input.userinfoSignedResponseAlg } : {}),
    ...(input.jwks ? { jwks: input.jwks } : {}),
    ...(input.jwksUri ? { jwks_uri: checkUri(input.jwksUri, 'jwks_uri', { allowHttp }) } : {}),
    ...(input.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: input.tlsClientAuthSubjectDn } : {}),
  };
}

const needsSecret = (metadata: Record<string, unknown>) =>
  ['client_secret_basic', 'client_secret_post'].includes(String(metadata.token_endpoint_auth_method));

export class ClientRegistry {
  constructor(private readonly db: Kysely<Schema>, private readonly box: SecretBox, private readonly options: { allowHttp?: boolean } = {}) {}

  /** Registers a client; returns its id and, for secret-based methods, the secret (shown once). */
  async add(input: ClientInput): Promise<{ clientId: string; clientSecret?: string }> {
    const clientId = input.clientId ?? `openpsc-${randomBytes(6).toString('hex')}`;
    if (!/^[A-Za-z0-9._:-]{3,128}$/.test(clientId)) throw new ClientInputError(`invalid client id "${clientId}"`);
    const metadata = toMetadata(input, clientId, this.options);
    const clientSecret = needsSecret(metadata) ? newSecret() : undefined;
    const exists = await this.db.selectFrom('oidc_client').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
    if (exists) throw new ClientInputError(`client ${clientId} already exists`);
    await this.db.insertInto('oidc_client').values({
      client_id: clientId,
      metadata: JSON.stringify(metadata),
      secret_encrypted: clientSecret ? this.box.seal(clientSecret, sealContext(clientId)) : null,
    }).execute();
    return { clientId, clientSecret };
  }

  /** A new secret replaces the old one at once; returns it (shown once). */
  async rotateSecret(clientId: string): Promise<string> {
    const row = await this.db.selectFrom('oidc_client').select('metadata').where('client_id', '=', clientId).executeTakeFirst();
    if (!row) throw new ClientInputError(`no client ${clientId}`);
    if (!needsSecret(row.metadata)) throw new ClientInputError(`client ${clientId} does not authenticate with a secret`);
    const secret = newSecret();
    await this.db.updateTable('oidc_client')
      .set({ secret_encrypted: this.box.seal(secret, sealContext(clientId)), updated_at: new Date() })
      .where('client_id', '=', clientId).execute();
    return secret;
  }

  async remove(clientId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('oidc_client').where('client_id', '=', clientId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async list(): Promise<ClientInfo[]> {
    const rows = await this.db.selectFrom('oidc_client').selectAll().orderBy('client_id').execute();
    return rows.map((r) => ({
      clientId: r.client_id, metadata: r.metadata, hasSecret: r.secret_encrypted !== null, createdAt: r.created_at, updatedAt: r.updated_at,
    }));
  }

  async show(clientId: string): Promise<ClientInfo | undefined> {
    return (await this.list()).find((c) => c.clientId === clientId);
  }

  /** What oidc-provider reads through the adapter: metadata with the secret in clear. */
  async findForProvider(clientId: string): Promise<AdapterPayload | undefined> {
    const row = await this.db.selectFrom('oidc_client').select(['metadata', 'secret_encrypted']).where('client_id', '=', clientId).executeTakeFirst();
    if (!row) return undefined;
    return {
      ...row.metadata,
      client_id: clientId,
      ...(row.secret_encrypted ? { client_secret: this.box.open(row.secret_encrypted, sealContext(clientId)) } : {}),
    } as AdapterPayload;
  }
}
