import { expect } from '@jest/globals';

export type Metadata = Record<string, unknown>;

const STANDARD_PATH = '/.well-known/openid-configuration';
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token
const OIDC_RESPONSE_TYPES = ['code', 'code id_token', 'id_token', 'token id_token', 'code id_token token', 'code token'];

/**
 * Fetches a discovery document the way the suite's GetDynamicServerConfiguration does, through
 * `fetchLocal` (which maps the public https origin to the local server when TLS is terminated in
 * front of OpenPSC).
 */
export async function getServerConfiguration(url: string, fetchLocal: typeof fetch = fetch): Promise<Metadata> {
  const res = await fetchLocal(url);
  expect(res.status).toBe(200);
  // CheckDiscoveryEndpointReturnedJsonContentType
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.json() as Promise<Metadata>;
}

/** The URL-shape checks: CheckDiscEndpointDiscoveryUrl and CheckDiscEndpointIssuer. */
export function checkDiscoveryUrlAndIssuer(discoveryUrl: string, metadata: Metadata): void {
  const url = new URL(discoveryUrl);
  expect(url.pathname.endsWith(STANDARD_PATH)).toBe(true);
  expect(url.protocol).toBe('https:');
  const expectedIssuer = discoveryUrl.slice(0, -STANDARD_PATH.length).replace(/\/$/, '');
  expect(String(metadata.issuer).replace(/\/$/, '')).toBe(expectedIssuer);
}

/**
 * The remaining checks of the official oidcc-discovery-endpoint-verification module, in its order
 * (one expectation per condition), then FetchServerKeys and ValidateServerJWKs.
 */
export async function checkServerMetadata(metadata: Metadata, fetchLocal: typeof fetch = fetch): Promise<void> {
  const strings = (k: string) => {
    const v = metadata[k];
    if (v === undefined) return undefined;
    expect([k, Array.isArray(v) && v.every((x) => typeof x === 'string')]).toEqual([k, true]);
    return v as string[];
  };
  // OIDCCCheckDiscEndpointResponseTypesSupported
  expect(strings('response_types_supported')!.some((t) => OIDC_RESPONSE_TYPES.includes(t))).toBe(true);
  // CheckDiscEndpointIssuerIsValidUrl (RFC 8414 §2: https, no query, no fragment)
  const issuer = new URL(String(metadata.issuer));
  expect([issuer.protocol, issuer.search, issuer.hash]).toEqual(['https:', '', '']);
  // ValidateServerMetadataAgainstSchema (the types of the members present)
  for (const [k, v] of Object.entries(metadata)) {
    if (k.endsWith('_supported') && typeof v !== 'boolean') strings(k);
    else if (k.endsWith('_supported')) expect(typeof v).toBe('boolean');
    if (k.endsWith('_endpoint') || k === 'jwks_uri' || k === 'issuer') expect([k, typeof v]).toEqual([k, 'string']);
  }
  // CheckDiscEndpointSubjectTypesSupported
  expect(strings('subject_types_supported')!.some((t) => t === 'public' || t === 'pairwise')).toBe(true);
  // OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported: RS256 is mandatory
  expect(strings('id_token_signing_alg_values_supported')).toContain('RS256');
  // CheckDiscEndpointAuthorizationEndpoint, CheckDiscEndpointTokenEndpoint, CheckJwksUri
  for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) expect(new URL(String(metadata[k])).protocol).toBe('https:');
  // CheckDiscEndpointRequestParameterSupported, …RequestUriParameterSupported, …ClaimsParameterSupported (INFO)
  for (const k of ['request_parameter_supported', 'request_uri_parameter_supported', 'claims_parameter_supported']) {
    if (metadata[k] !== undefined) expect(typeof metadata[k]).toBe('boolean');
  }
  // OIDCCCheckDiscEndpointClaimsSupported (WARNING when absent)
  expect(strings('claims_supported')!.length).toBeGreaterThan(0);
  // OIDCCCheckDiscEndpointGrantTypesSupported: if present, a non-empty array
  const grants = strings('grant_types_supported');
  if (grants) expect(grants.length).toBeGreaterThan(0);
  // CheckDiscEndpointScopesSupportedSyntax (and openid is offered)
  const scopes = strings('scopes_supported')!;
  for (const s of scopes) expect([s, SCOPE_TOKEN.test(s)]).toEqual([s, true]);
  expect(scopes).toContain('openid');
  // CheckDiscEndpointLocalesSyntax (BCP 47)
  for (const k of ['ui_locales_supported', 'claims_locales_supported']) {
    for (const l of strings(k) ?? []) expect(l).toMatch(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/);
  }
  // CheckDiscEndpointAllEndpointsAreHttps
  for (const [k, v] of Object.entries(metadata)) {
    if ((k.endsWith('_endpoint') || k.endsWith('_uri')) && typeof v === 'string') expect([k, new URL(v).protocol]).toEqual([k, 'https:']);
  }
  // EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray
  expect(Array.isArray(metadata.code_challenge_methods_supported)).toBe(true);
  // FetchServerKeys + ValidateServerJWKs
  const res = await fetchLocal(String(metadata.jwks_uri));
  expect(res.status).toBe(200);
  const { keys } = await res.json() as { keys: Record<string, unknown>[] };
  expect(keys.length).toBeGreaterThan(0);
  const kids = keys.map((k) => k.kid);
  expect(new Set(kids).size).toBe(kids.length);
  for (const k of keys) {
    expect(typeof k.kty).toBe('string');
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect([k.kid, priv, k[priv]]).toEqual([k.kid, priv, undefined]);
    if (k.kty === 'RSA') expect(Buffer.from(String(k.n), 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
  }
}
