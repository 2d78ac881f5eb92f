import { Secret, TOTP } from 'otpauth';

/** RFC 6238 parameters of e-CPS codes, shared by the server and the device. */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** A fresh 160-bit TOTP secret, base32 (RFC 4648), as handed once to the device. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The code a device shows at `timestamp` (ms). */
export function totpCode(secretBase32: string, timestamp = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), timestamp, ...TOTP_PARAMS });
}

/**
 * The time-step `code` belongs to, within one step of clock drift either side, or undefined.
 * The caller accepts it only if it is newer than the device's last used step (each code works once).
 */
export function totpStep(secretBase32: string, code: string, timestamp = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secretBase32), timestamp, window: 1, ...TOTP_PARAMS });
  if (delta === null) return undefined;
  return Math.floor(timestamp / 1000 / TOTP_PARAMS.period) + delta;
}

/** otpauth:// URI (for an authenticator app in a demo); contains the secret. */
export function totpUri(secretBase32: string, label: string): string {
  return new TOTP({ issuer: 'OpenPSC e-CPS', label, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMS }).toString();
}
