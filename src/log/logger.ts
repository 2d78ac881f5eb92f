import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON-lines logger. Secrets never reach it: these paths are censored wherever they appear, and
 * code never logs tokens, PINs, codes, client secrets or keys in the first place.
 */
export const REDACTED_PATHS = [
  'password', 'pin', 'otp', 'code', 'secret', 'client_secret', 'clientSecret', 'token', 'access_token',
  'refresh_token', 'id_token', 'authorization', 'cookie', 'privateKey', 'private_jwk',
  '*.password', '*.pin', '*.otp', '*.code', '*.secret', '*.client_secret', '*.clientSecret', '*.token',
  '*.access_token', '*.refresh_token', '*.id_token', '*.authorization', '*.cookie', '*.privateKey',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({
    level,
    base: { service: 'openpsc' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination as never);
}
