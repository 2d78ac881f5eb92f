/**
 * An unsigned request object (`alg: none`), as the official request-object modules send one.
 * openid-client (and oauth4webapi) refuse to build unsigned request objects, so it is made here.
 *
 * @example
 *   url.searchParams.set('request', unsignedRequestObject({ client_id, redirect_uri, scope: 'openid' }));
 */
export function unsignedRequestObject(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}
