import { codeInMessage, readOutbox } from '../../../src/authenticators/ecps/channels/outbox.js';
import { completeActivation, EcpsDevice, startActivation } from '../../../src/authenticators/ecps/device/client.js';
import type { DeviceState } from '../../../src/authenticators/ecps/device/keystore.js';

export const PIN = '1234';

/**
 * The newest email and SMS activation codes sent to these addresses (development outbox), written
 * at or after `since` when given. The server sends them in the background after answering, so
 * they are waited for (a little).
 */
export async function outboxCodes(outboxDir: string, email: string, mobile: string, since?: Date): Promise<{ emailCode: string; smsCode: string }> {
  const fresh = (m: { sentAt: string }) => !since || new Date(m.sentAt) >= since;
  for (let waited = 0; ; waited += 25) {
    const mail = (await readOutbox(outboxDir, email)).find(fresh);
    const sms = (await readOutbox(outboxDir, mobile)).find(fresh);
    const emailCode = mail && codeInMessage(mail.text);
    const smsCode = sms && codeInMessage(sms.text);
    if (emailCode && smsCode) return { emailCode, smsCode };
    if (waited >= 5000) throw new Error('no activation codes in the outbox');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Activates a simulated device for a professional whose contacts are set; returns it unlocked. */
export async function activateDevice(origin: string, outboxDir: string, p: { nationalId: string; email: string; mobile: string; name?: string }): Promise<{ device: EcpsDevice; state: DeviceState }> {
  const since = new Date();
  const { activation_id: activationId } = await startActivation({ server: origin }, p.nationalId);
  const codes = await outboxCodes(outboxDir, p.email, p.mobile, since);
  // A cheap scrypt cost would be nicer in tests, but the state is made the way a phone makes it.
  const state = await completeActivation({ server: origin }, { activationId, ...codes, pin: PIN, nationalId: p.nationalId, deviceName: p.name });
  return { device: await EcpsDevice.unlock(state, PIN), state };
}

// Unique within a test file (one database each): a counter, after a random per-file prefix.
const prefix = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
let counter = 0;
/** A fresh national id and contacts for one test. */
export function newProfessional(): { nationalId: string; email: string; mobile: string } {
  counter += 1;
  const n = `${prefix}${String(counter).padStart(5, '0')}`;
  return { nationalId: `8997${n}`, email: `pro${n}@example.fr`, mobile: `+336${n}` };
}

/** A new professional in the mirror with contacts and an activated simulated device (test host). */
export async function professionalWithDevice(app: {
  origin: string;
  outboxDir: string;
  addProfessional(nationalId: string, contacts: { email: string; mobile: string }): Promise<unknown>;
}): Promise<{ p: ReturnType<typeof newProfessional>; device: EcpsDevice; state: DeviceState }> {
  const p = newProfessional();
  await app.addProfessional(p.nationalId, { email: p.email, mobile: p.mobile });
  const { device, state } = await activateDevice(app.origin, app.outboxDir, p);
  return { p, device, state };
}
