import { describe, expect, test } from '@jest/globals';

import { captureLogger } from '../helpers/log-capture.js';

const SECRET = 'S3CR3T-never-in-logs';

describe('logger redaction', () => {
  test('secret fields are censored at the top level and one level down', () => {
    const cap = captureLogger();
    const fields = ['password', 'pin', 'otp', 'code', 'secret', 'client_secret', 'clientSecret', 'token',
      'access_token', 'refresh_token', 'id_token', 'authorization', 'cookie', 'privateKey'];
    const top = Object.fromEntries(fields.map((f) => [f, SECRET]));
    cap.logger.info({ ...top, nested: { ...top }, clientId: 'rp-demo' }, 'login attempt');
    const [line] = cap.lines;
    for (const f of fields) {
      expect(line![f]).toBe('[redacted]');
      expect((line!.nested as Record<string, unknown>)[f]).toBe('[redacted]');
    }
    expect(line!.clientId).toBe('rp-demo');
    expect(cap.text()).not.toContain(SECRET);
  });

  test('request headers carrying credentials are censored', () => {
    const cap = captureLogger();
    cap.logger.info({ req: { headers: { authorization: `Bearer ${SECRET}`, cookie: `_session=${SECRET}`, accept: 'text/html' } } }, 'req');
    expect(cap.text()).not.toContain(SECRET);
    expect((cap.lines[0]!.req as { headers: Record<string, string> }).headers.accept).toBe('text/html');
  });

  test('child loggers (ctx.state.log) keep the redaction', () => {
    const cap = captureLogger();
    cap.logger.child({ requestId: 'abcdefgh' }).warn({ pin: '1234', code: SECRET }, 'pin refused');
    expect(cap.lines[0]).toMatchObject({ requestId: 'abcdefgh', pin: '[redacted]', code: '[redacted]' });
  });
});
