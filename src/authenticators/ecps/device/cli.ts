import { createInterface } from 'node:readline/promises';

import type { Command } from 'commander';

import { codeInMessage, readOutbox } from '../channels/outbox.js';
import { completeActivation, EcpsDevice, startActivation } from './client.js';
import { readState, writeState } from './keystore.js';

interface Common {
  state: string;
  pin: string;
}

async function unlocked(opts: Common): Promise<EcpsDevice> {
  return EcpsDevice.unlock(await readState(opts.state), opts.pin);
}

/** What the development outbox holds now: messages are told apart from those written later. */
async function outboxSnapshot(dir: string): Promise<Set<string>> {
  return new Set((await readOutbox(dir)).map((m) => JSON.stringify(m)));
}

/**
 * Waits for the newest email and SMS written to the development outbox since `before` was taken
 * (the server sends them in the background, after it answered). Compared by content rather than
 * by time: no clock is shared, and messages of an activation started just before do not count.
 */
async function codesFromOutbox(dir: string, before: Set<string>, timeoutMs = 10_000): Promise<{ emailCode: string; smsCode: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = (await readOutbox(dir)).filter((m) => !before.has(JSON.stringify(m)));
    const email = fresh.find((m) => m.channel === 'email');
    const sms = fresh.find((m) => m.channel === 'sms');
    const emailCode = email && codeInMessage(email.text);
    const smsCode = sms && codeInMessage(sms.text);
    if (emailCode && smsCode) return { emailCode, smsCode };
    if (Date.now() > deadline) throw new Error(`no activation codes in the outbox ${dir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function codesFromPrompt(): Promise<{ emailCode: string; smsCode: string }> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const emailCode = (await rl.question('Code reçu par courriel : ')).trim();
    const smsCode = (await rl.question('Code reçu par SMS : ')).trim();
    return { emailCode, smsCode };
  } finally {
    rl.close();
  }
}

/**
 * `openpsc ecps-device …`: the reference e-CPS device simulator (what CI and the demo use
 * instead of a phone). State file by --state, PIN by --pin.
 *
 * @example
 * openpsc ecps-device activate --server http://127.0.0.1:8080 --national-id 899700427885 \
 *   --state kit.json --pin 1234 --outbox data/ecps-outbox
 * openpsc ecps-device watch --state kit.json --pin 1234 --auto-approve [--count 1] [--timeout 60] [--no-reconnect]
 * openpsc ecps-device approve --state kit.json --pin 1234 [--request req_…]
 * openpsc ecps-device otp --state kit.json --pin 1234
 */
export function registerEcpsDeviceCommands(program: Command): void {
  const device = program.command('ecps-device').description('reference e-CPS device simulator');
  const withState = (c: Command) => c.requiredOption('--state <file>', 'device state file').requiredOption('--pin <pin>', '4-digit PIN');

  withState(device.command('activate').description('activate a new device with the codes sent by email and SMS'))
    .requiredOption('--server <origin>', 'OpenPSC origin, e.g. http://127.0.0.1:8080')
    .requiredOption('--national-id <id>', 'the professional’s national id')
    .option('--name <name>', 'device name', 'Simulateur e-CPS')
    .option('--api-base <path>', 'device API path', '/ecps')
    .option('--email-code <code>', 'code received by email (with --sms-code and --activation-id)')
    .option('--sms-code <code>', 'code received by SMS')
    .option('--activation-id <id>', 'activation started earlier')
    .option('--outbox <dir>', 'read the codes from the development outbox (non-production servers)')
    .action(async (o: Common & { server: string; nationalId: string; name: string; apiBase: string; emailCode?: string; smsCode?: string; activationId?: string; outbox?: string }) => {
      const ref = { server: o.server.replace(/\/+$/, ''), apiBase: o.apiBase };
      const before = o.outbox && !o.activationId ? await outboxSnapshot(o.outbox) : new Set<string>();
      const activationId = o.activationId ?? (await startActivation(ref, o.nationalId)).activation_id;
      const codes = o.emailCode && o.smsCode ? { emailCode: o.emailCode, smsCode: o.smsCode }
        : o.outbox ? await codesFromOutbox(o.outbox, before) : await codesFromPrompt();
      const state = await completeActivation(ref, { activationId, ...codes, pin: o.pin, deviceName: o.name, nationalId: o.nationalId });
      await writeState(o.state, state);
      console.log(JSON.stringify({ device_id: state.deviceId, national_id: state.nationalId }));
    });

  for (const decision of ['approve', 'deny'] as const) {
    withState(device.command(decision).description(`${decision} a pending request (the latest, or --request)`))
      .option('--request <id>', 'request id')
      .action(async (o: Common & { request?: string }) => {
        const answered = await (await unlocked(o)).answer(decision, o.request);
        console.log(JSON.stringify({ request_id: answered.request_id, decision }));
      });
  }

  withState(device.command('otp').description('print the current one-time code'))
    .action(async (o: Common) => console.log((await unlocked(o)).otp()));

  withState(device.command('watch').description('keep the device channel open and print its events (JSON lines)'))
    .option('--auto-approve', 'approve every request as it arrives (CI)')
    .option('--count <n>', 'with --auto-approve: exit after approving n requests', (v) => Number.parseInt(v, 10))
    .option('--timeout <seconds>', 'exit after this many seconds', (v) => Number.parseInt(v, 10))
    .option('--no-reconnect', 'exit when the server closes the channel instead of reopening it')
    .action(async (o: Common & { autoApprove?: boolean; count?: number; timeout?: number; reconnect: boolean }) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const timer = o.timeout ? setTimeout(stop, o.timeout * 1000) : undefined;
      try {
        await (await unlocked(o)).watch({
          autoApprove: o.autoApprove, maxApprovals: o.count, signal: controller.signal, reconnect: o.reconnect,
          onEvent: (event, data) => console.log(JSON.stringify({ event, data })),
        });
      } finally {
        if (timer) clearTimeout(timer);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  withState(device.command('devices').description('list the professional’s devices'))
    .action(async (o: Common) => console.log(JSON.stringify(await (await unlocked(o)).devices(), null, 2)));

  withState(device.command('revoke').description('revoke this device (or --device, another of the professional’s)'))
    .option('--device <id>', 'device id')
    .action(async (o: Common & { device?: string }) => {
      const d = await unlocked(o);
      await d.revoke(o.device);
      console.log(JSON.stringify({ device_id: o.device ?? d.deviceId, status: 'revoked' }));
    });
}
