import { Writable } from 'node:stream';

import { createLogger, type Logger } from '../../src/log/logger.js';

/** A real pino logger (with the production redaction) whose JSON lines land in `lines`. */
export function captureLogger(level = 'info'): { logger: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger(level, stream);
  return {
    logger,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    text: () => raw.join('\n'),
  };
}
