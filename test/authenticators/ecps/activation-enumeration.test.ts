import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { codeInMessage, readOutbox } from '../../../src/authenticators/ecps/channels/outbox.js';
import { startEcpsIdp, type EcpsIdp } from './e2e/setup.js';
import { newProfessional } from './device-helpers.js';
import { startEcpsTestApp, type EcpsTestApp } from './host.js';
import { startRecorder } from './http-recorder.js';

/**
 * `POST /ecps/activation/start` must not tell whether a national id has an enrolled contact: same
 * status, same body, same time (ECPS_ACTIVATION_ANSWER_MS), and a delivery that fails or is slow
 * stays invisible to the caller.
 */

const ANSWER_MS = 400;
const GATEWAY_DELAY_MS = 1500;
const SMS_TOKEN = 'sms-gateway-bearer-0123456789';

async function start(origin: string, body: unknown, headers: Record<string, string> = {}) {
  const began = performance.now();
  const res = await fetch(`${origin}/ecps/activation/start`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
  const json = await res.json() as Record<string, unknown>;
  return { status: res.status, body: json, ms: performance.now() - began };
}

/** The body with its one random part (the activation id) replaced by its shape. */
const shape = (body: Record<string, unknown>) => ({ ...body, activation_id: typeof body.activation_id === 'string' && /^act_[A-Za-z0-9_-]+$/.test(body.activation_id) ? 'act_…' : body.activation_id });

describe('e-CPS activation start does not reveal who has contacts', () => {
  let app: EcpsTestApp;
  let gateway: Awaited<ReturnType<typeof startRecorder>>;
  const logLines: string[] = [];

  beforeAll(async () => {
    // The SMS gateway fails, and slowly: before, that was a 502 after its delay, for known ids only.
    gateway = await startRecorder(503, GATEWAY_DELAY_MS);
    app = await startEcpsTestApp({
      ECPS_ACTIVATION_ANSWER_MS: ANSWER_MS, ECPS_SMS_CHANNEL: 'webhook', ECPS_SMS_WEBHOOK_URL: gateway.url, ECPS_SMS_WEBHOOK_TOKEN: SMS_TOKEN,
    }, logLines);
  });
  afterAll(async () => {
    await app?.close();
    await gateway?.close();
  });

  test('known id (contacts, failing SMS gateway), id without contacts, unknown id: same status, same body, no sooner than the answer time', async () => {
    const known = newProfessional();
    await app.addProfessional(known.nationalId, { email: known.email, mobile: known.mobile });
    const noContacts = newProfessional();
    await app.addProfessional(noContacts.nationalId);
    const unknown = newProfessional();

    const answers = [];
    for (const p of [known, noContacts, unknown]) answers.push(await start(app.origin, { national_id: p.nationalId }));
    const [k, n, u] = answers;
    expect(k!.status).toBe(202);
    expect(shape(k!.body)).toEqual({ activation_id: 'act_…', expires_in: 600, channels: ['email', 'sms'] });
    for (const other of [n!, u!]) {
      expect(other.status).toBe(k!.status);
      expect(shape(other.body)).toEqual(shape(k!.body));
    }
    for (const a of answers) expect(a.ms).toBeGreaterThanOrEqual(ANSWER_MS);
    // The codes went out in the background: the slow gateway did not hold the answer.
    expect(k!.ms).toBeLessThan(GATEWAY_DELAY_MS);

    // Then the failure is logged — channel and masked address, never the codes, the full
    // address or the gateway's token.
    await app.service.activation.settled();
    expect(gateway.bodies).toHaveLength(1);
    const smsCode = codeInMessage(String(gateway.bodies[0]!.body.text))!;
    const [mail] = await readOutbox(app.outboxDir, known.email);
    const emailCode = codeInMessage(mail!.text)!;
    const failures = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'ecps.activation_delivery_failed');
    expect(failures).toEqual([expect.objectContaining({
      errorCode: 'ECPS_DELIVERY_FAILED', activationId: k!.body.activation_id, channel: 'sms', via: 'webhook',
      to: `${'*'.repeat(known.mobile.length - 4)}${known.mobile.slice(-4)}`, reason: 'SMS gateway answered HTTP 503',
    })]);
    const log = logLines.join('');
    for (const secret of [smsCode, emailCode, known.mobile, known.email, SMS_TOKEN]) expect(log).not.toContain(secret);
  }, 20_000);

  test('refusals wait as long: a malformed request', async () => {
    const bad = await start(app.origin, {});
    expect(bad).toMatchObject({ status: 400, body: { code: 'ECPS_BAD_REQUEST' } });
    expect(bad.ms).toBeGreaterThanOrEqual(ANSWER_MS);
  });
});

describe('e-CPS activation start: the per-address limit counts the client IP resolved behind TRUST_PROXY', () => {
  let env: EcpsIdp;
  beforeAll(async () => {
    // One start per national id, so four per address (×4): each request below uses a new id.
    env = await startEcpsIdp({ TRUST_PROXY: true, ECPS_ACTIVATION_MAX_STARTS: 1 });
  });
  afterAll(async () => { await env?.close(); });

  test('a client rotating the leftmost X-Forwarded-For entry is still one address', async () => {
    // Behind one proxy hop, the client address is the rightmost entry (the proxy appended it);
    // the leftmost is whatever the client wrote, which Koa's ctx.ip would have used.
    const from = (forged: number, real: string) => ({ 'x-forwarded-for': `203.0.113.${forged}, ${real}` });
    for (let i = 0; i < 4; i += 1) {
      expect((await start(env.idp.url, { national_id: newProfessional().nationalId }, from(i, '198.51.100.7'))).status).toBe(202);
    }
    const fifth = await start(env.idp.url, { national_id: newProfessional().nationalId }, from(99, '198.51.100.7'));
    expect(fifth).toMatchObject({ status: 429, body: { code: 'ECPS_LOCKED' } });
    expect((await start(env.idp.url, { national_id: newProfessional().nationalId }, from(99, '198.51.100.8'))).status).toBe(202);
  });
});
