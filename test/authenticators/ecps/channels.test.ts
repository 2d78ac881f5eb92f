import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { SmtpEmailChannel } from '../../../src/authenticators/ecps/channels/email.js';
import { codeInMessage, OutboxChannel, readOutbox } from '../../../src/authenticators/ecps/channels/outbox.js';
import { WebhookSmsChannel } from '../../../src/authenticators/ecps/channels/sms.js';
import { maskAddress } from '../../../src/authenticators/ecps/channels/channel.js';
import { selectChannels } from '../../../src/authenticators/ecps/channels/select.js';
import { assertEcpsDeliverable, parseEcpsSettings } from '../../../src/authenticators/ecps/settings.js';
import { loadSettings } from '../../../src/config/settings.js';
import { startRecorder } from './http-recorder.js';

/** A minimal SMTP server (RFC 5321 happy path) that keeps what it receives. */
async function smtpServer() {
  const messages: string[] = [];
  const server = net.createServer((socket) => {
    let inData = false;
    let data = '';
    let buffer = '';
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === '.') { inData = false; messages.push(data); data = ''; socket.write('250 OK\r\n'); } else data += `${line}\n`;
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 test\r\n');
        else if (/^DATA/i.test(line)) { inData = true; socket.write('354 go\r\n'); }
        else if (/^QUIT/i.test(line)) { socket.write('221 bye\r\n'); socket.end(); }
        else socket.write('250 OK\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { messages, url: `smtp://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'ecps-channels-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('activation message channels', () => {
  test('SMTP email (nodemailer) delivers the message to the relay', async () => {
    const smtp = await smtpServer();
    try {
      await new SmtpEmailChannel(smtp.url, 'e-CPS <no-reply@openpsc.test>').send({ to: 'kit@example.fr', subject: 'Activation de votre e-CPS', text: "Votre code d'activation : 123456" });
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]).toMatch(/To: kit@example.fr/);
      expect(smtp.messages[0]).toContain('123456');
    } finally {
      await smtp.close();
    }
  });

  test('SMS webhook posts {to, text} with the bearer token; a non-2xx answer is an error', async () => {
    const gateway = await startRecorder();
    try {
      await new WebhookSmsChannel(gateway.url, 'gw-token').send({ to: '+33612345678', subject: 'e-CPS', text: 'code : 654321' });
      expect(gateway.bodies[0]).toMatchObject({ headers: { authorization: 'Bearer gw-token' }, body: { to: '+33612345678', text: 'code : 654321' } });
    } finally {
      await gateway.close();
    }
    const failing = await startRecorder(503);
    try {
      await expect(new WebhookSmsChannel(failing.url).send({ to: '1', subject: '', text: '' })).rejects.toThrow(/HTTP 503/);
    } finally {
      await failing.close();
    }
  });

  test('the outbox writes one private file per message, readable back by address', async () => {
    const outbox = new OutboxChannel('sms', dir);
    await outbox.send({ to: '+33600000001', subject: 'e-CPS', text: "Votre code d'activation e-CPS (SMS) : 246810." });
    const [file] = readdirSync(dir);
    expect(statSync(path.join(dir, file!)).mode & 0o777).toBe(0o600);
    const [m] = await readOutbox(dir, '+33600000001');
    expect(m).toMatchObject({ channel: 'sms', to: '+33600000001' });
    expect(codeInMessage(m!.text)).toBe('246810');
    expect(await readOutbox(path.join(dir, 'missing'))).toEqual([]);
  });

  test('addresses are masked in logs', () => {
    expect(maskAddress('kit@example.fr')).toBe('k***@example.fr');
    expect(maskAddress('+33612345678')).toBe('********5678');
  });
});

describe('e-CPS settings', () => {
  const base = { ECPS_EMAIL_CHANNEL: '', ECPS_SMS_CHANNEL: '', ECPS_SMTP_URL: '', ECPS_EMAIL_FROM: 'x', ECPS_SMS_WEBHOOK_URL: '', ECPS_SMS_WEBHOOK_TOKEN: '', ECPS_OUTBOX_DIR: '', ECPS_PUSH_WEBHOOK_URL: '', ECPS_APPROVAL_TTL: 120, ECPS_ACTIVATION_TTL: 600, ECPS_ACTIVATION_MAX_TRIES: 5, ECPS_ACTIVATION_MAX_STARTS: 5, ECPS_ACTIVATION_ANSWER_MS: 1000, ECPS_OTP_MAX_FAILURES: 5, ECPS_PUSH_MAX_REQUESTS: 10, ECPS_LOCKOUT_SECONDS: 900 };

  test('outside production the outbox is the default, under DATA_DIR', () => {
    const s = parseEcpsSettings(base, { production: false, dataDir: '/data' });
    expect(s).toMatchObject({ emailChannel: 'outbox', smsChannel: 'outbox', outboxDir: '/data/ecps-outbox' });
    expect(loadSettings({}, { LOG_LEVEL: 'silent' }).ecps).toMatchObject({ approvalTtl: 120, activationAnswerMs: 1000 });
  });

  test('production needs the real channels and refuses the outbox; errors name the setting', () => {
    // Settings load without them (a server without e-CPS needs none); the plug-in checks at start.
    const bare = parseEcpsSettings(base, { production: true, dataDir: '/d' });
    expect(() => assertEcpsDeliverable(bare)).toThrow(/^ECPS_SMTP_URL: is required/);
    expect(() => selectChannels(bare)).toThrow(/^ECPS_SMTP_URL: is required/);
    expect(() => assertEcpsDeliverable(parseEcpsSettings({ ...base, ECPS_SMTP_URL: 'smtp://relay' }, { production: true, dataDir: '/d' }))).toThrow(/^ECPS_SMS_WEBHOOK_URL/);
    expect(() => parseEcpsSettings({ ...base, ECPS_SMTP_URL: 'http://relay' }, { production: false, dataDir: '/d' })).toThrow(/^ECPS_SMTP_URL: must be an smtp/);
    expect(() => parseEcpsSettings({ ...base, ECPS_EMAIL_CHANNEL: 'outbox' }, { production: true, dataDir: '/d' })).toThrow(/^ECPS_EMAIL_CHANNEL: the development outbox is refused/);
    const s = parseEcpsSettings({ ...base, ECPS_SMTP_URL: 'smtp://relay:25', ECPS_SMS_WEBHOOK_URL: 'https://sms.example/send' }, { production: true, dataDir: '/d' });
    expect(s).toMatchObject({ emailChannel: 'smtp', smsChannel: 'webhook' });
    expect(() => assertEcpsDeliverable(s)).not.toThrow();
    expect(() => parseEcpsSettings({ ...base, ECPS_APPROVAL_TTL: 5 }, { production: false, dataDir: '/d' })).toThrow(/^ECPS_APPROVAL_TTL/);
    expect(() => parseEcpsSettings({ ...base, ECPS_ACTIVATION_ANSWER_MS: 60_000 }, { production: false, dataDir: '/d' })).toThrow(/^ECPS_ACTIVATION_ANSWER_MS: must be between 0 and 10000/);
    expect(() => parseEcpsSettings({ ...base, ECPS_EMAIL_CHANNEL: 'pigeon' }, { production: false, dataDir: '/d' })).toThrow(/^ECPS_EMAIL_CHANNEL: must be one of/);
  });
});
