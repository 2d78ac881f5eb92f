import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type Provider from 'oidc-provider';

/**
 * PSC access tokens are RS256 JWTs that relying parties decode (DRIMBox reads `nonce`, the ANS
 * CIBA proxy reads `session_state`: psc-contract.md §8), yet they must also work at userinfo,
 * introspection and revocation — which oidc-provider only offers for opaque (stored) tokens.
 *
 * So tokens stay opaque-format inside the provider (stored in PostgreSQL, revocable), and only
 * their *value* becomes a JWT carrying the token id (`jti`): `install` wraps the AccessToken
 * model's value, and the adapter maps a JWT value back to its `jti` after checking our signature.
 */

interface StoredAccessToken {
  jti: string;
  iat: number;
  exp: number;
  accountId?: string;
  clientId: string;
  scope?: string;
  sid?: string;
  grantId?: string;
  extra?: Record<string, unknown>;
}

/** Claims kept for introspection only, not put in the JWT (PSC's captures do not carry them). */
const INTROSPECTION_ONLY = new Set(['SubjectNameID', 'username']);

export class AccessTokenJwt {
  readonly #verifyKeys: ReturnType<typeof createLocalJWKSet>;

  constructor(private readonly issuer: string, private readonly signingJwk: JWK, publicJwks: JWK[]) {
    this.#verifyKeys = createLocalJWKSet({ keys: publicJwks });
  }

  /** The JWT value of a stored access token. */
  async sign(t: StoredAccessToken): Promise<string> {
    const extra = Object.fromEntries(Object.entries(t.extra ?? {}).filter(([k]) => !INTROSPECTION_ONLY.has(k)));
    const key = await importJWK(this.signingJwk, this.signingJwk.alg);
    return new SignJWT({
      ...extra,
      jti: t.jti,
      iss: this.issuer,
      sub: t.accountId ?? t.clientId,
      typ: 'Bearer',
      azp: t.clientId,
      scope: t.scope,
      ...(t.sid ? { sid: t.sid } : {}),
    })
      .setProtectedHeader({ alg: this.signingJwk.alg!, typ: 'JWT', kid: this.signingJwk.kid })
      .setIssuedAt(t.iat)
      .setExpirationTime(t.exp)
      .sign(key);
  }

  /**
   * The `jti` of a JWT access token value we signed, or undefined. Expiry is not checked here:
   * the stored token's own expiry decides (introspection then answers `active: false`).
   */
  async idFromValue(value: string): Promise<string | undefined> {
    try {
      decodeJwt(value);
      const { payload } = await jwtVerify(value, this.#verifyKeys, { issuer: this.issuer, currentDate: new Date(0) });
      return typeof payload.jti === 'string' ? payload.jti : undefined;
    } catch {
      return undefined;
    }
  }

  /** Makes the provider hand out JWT values for its (stored) access tokens. */
  install(provider: Provider): void {
    const model = (provider as unknown as { AccessToken: { prototype: { getValueAndPayload(): Promise<{ value: string; payload: StoredAccessToken }> } } }).AccessToken;
    const opaque = model.prototype.getValueAndPayload;
    const jwt = this;
    model.prototype.getValueAndPayload = async function getValueAndPayload() {
      const result = await opaque.call(this);
      return { value: await jwt.sign({ ...result.payload, jti: result.value }), payload: result.payload };
    };
  }
}
