import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Anti-CSRF token for the forms of one interaction: an HMAC of its uid under the first cookie key.
 * (The interaction cookie is SameSite=Lax already; this is the second lock.)
 */
export function csrfToken(key: string, uid: string): string {
  return createHmac('sha256', key).update(`csrf:${uid}`).digest('base64url');
}

export function csrfValid(key: string, uid: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfToken(key, uid));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
