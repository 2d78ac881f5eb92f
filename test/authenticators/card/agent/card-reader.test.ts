import { describe, expect, test } from '@jest/globals';

import pkcs11js from 'pkcs11js';

import { CardReader } from '../../../../src/authenticators/card/agent/card-reader.js';
import type { Pkcs11Api } from '../../../../src/authenticators/card/agent/pkcs11-module.js';

// What SoftHSM2 cannot do (cps-card.md §8.1): lock a PIN, have a PIN pad, lose its card. A fake
// PKCS#11 module that behaves like a Cryptolib slot, with failures injected per call.

const SLOT = Buffer.from([0, 0, 0, 1]);
const SESSION = Buffer.from([9]);
const CERT = Buffer.from([1]);
const KEY = Buffer.from([2]);
const err = (code: number, method: string) => new pkcs11js.Pkcs11Error(`${method} failed`, code, method);

interface FakeOptions {
  /** Return values of successive C_Login calls (0 = OK); after the list, `fail` applies. */
  logins?: number[];
  flags?: number;
  flagsAfterLogin?: number;
  fail?: Partial<Record<string, number>>;
  slots?: Buffer[];
  present?: Buffer[];
}

function fakeModule(o: FakeOptions = {}) {
  const calls: { name: string; args: unknown[] }[] = [];
  let flags = pkcs11js.CKF_TOKEN_INITIALIZED | pkcs11js.CKF_LOGIN_REQUIRED | (o.flags ?? 0);
  let findClass = 0;
  let active = 0;
  let maxActive = 0;
  const hit = (name: string, ...args: unknown[]) => {
    calls.push({ name, args });
    const code = o.fail?.[name];
    if (code !== undefined) throw err(code, name);
  };
  const api: Pkcs11Api = {
    C_GetSlotList: (present?: boolean) => { hit('C_GetSlotList', present); return present ? (o.present ?? [SLOT]) : (o.slots ?? [SLOT]); },
    C_GetTokenInfo: () => {
      hit('C_GetTokenInfo');
      return { label: 'CPS3 CARTE TEST', manufacturerID: 'ASIP CPS', model: 'IAS ECC', serialNumber: '0123456789', flags,
        maxSessionCount: 0, sessionCount: 0, maxRwSessionCount: 0, rwSessionCount: 0, maxPinLen: 8, minPinLen: 4,
        totalPublicMemory: 0, freePublicMemory: 0, totalPrivateMemory: 0, freePrivateMemory: 0,
        hardwareVersion: { major: 1, minor: 0 }, firmwareVersion: { major: 1, minor: 0 }, utcTime: '' } as never;
    },
    C_OpenSession: () => { hit('C_OpenSession'); return SESSION; },
    C_CloseSession: () => { hit('C_CloseSession'); },
    C_Login: (...args: unknown[]) => {
      // The card updates its try counter whatever the outcome.
      if (o.flagsAfterLogin !== undefined) flags = o.flagsAfterLogin | pkcs11js.CKF_TOKEN_INITIALIZED;
      const scripted = o.logins?.shift();
      if (scripted !== undefined) {
        calls.push({ name: 'C_Login', args: [...args.slice(0, 2), args.length > 2 ? '<pin>' : '<no pin argument>'] });
        if (scripted !== 0) throw err(scripted, 'C_Login');
        return;
      }
      hit('C_Login', ...args.slice(0, 2), args.length > 2 ? '<pin>' : '<no pin argument>');
    },
    C_Logout: () => { hit('C_Logout'); },
    C_FindObjectsInit: (_s: Buffer, template: pkcs11js.Template) => {
      hit('C_FindObjectsInit');
      findClass = template.find((a) => a.type === pkcs11js.CKA_CLASS)!.value as number;
    },
    C_FindObjects: () => { hit('C_FindObjects'); return [findClass === pkcs11js.CKO_CERTIFICATE ? CERT : KEY]; },
    C_FindObjectsFinal: () => { hit('C_FindObjectsFinal'); },
    C_GetAttributeValue: () => { hit('C_GetAttributeValue'); return [{ type: pkcs11js.CKA_VALUE, value: Buffer.from('DER') }, { type: pkcs11js.CKA_ID, value: Buffer.from([2, 0x20]) }]; },
    C_SignInit: (...args: unknown[]) => { hit('C_SignInit', ...args); },
    C_SignAsync: async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      hit('C_SignAsync');
      return Buffer.from('SIG');
    },
  } as unknown as Pkcs11Api;
  return { api, calls, maxActive: () => maxActive, names: () => calls.map((c) => c.name) };
}

const challenge = Buffer.alloc(32, 7);

describe('card reader on a Cryptolib-like module (fake: what SoftHSM2 cannot simulate)', () => {
  test('signs with the key paired by CKA_ID, CKM_SHA256_RSA_PKCS, then logs out and closes', async () => {
    const m = fakeModule();
    const res = await new CardReader(m.api).sign({ challenge, pin: '1234' });
    expect(res.signature.toString()).toBe('SIG');
    expect(res.certificate.toString()).toBe('DER');
    expect(m.calls.find((c) => c.name === 'C_SignInit')!.args[1]).toEqual({ mechanism: pkcs11js.CKM_SHA256_RSA_PKCS });
    expect(m.names().slice(-2)).toEqual(['C_Logout', 'C_CloseSession']);
  });

  test('CKR_PIN_LOCKED at C_Login → CARD_PIN_LOCKED, with the unblocking advice', async () => {
    const m = fakeModule({ fail: { C_Login: pkcs11js.CKR_PIN_LOCKED } });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({
      code: 'CARD_PIN_LOCKED', status: 423, message: expect.stringMatching(/bloquée.*code de déblocage/),
    });
    expect(m.names()).toContain('C_CloseSession');
  });

  test('token already flagged CKF_USER_PIN_LOCKED → refused without a C_Login', async () => {
    const m = fakeModule({ flags: pkcs11js.CKF_USER_PIN_LOCKED });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({ code: 'CARD_PIN_LOCKED' });
    expect(m.names()).not.toContain('C_Login');
  });

  test.each([
    [0, 'unknown', /^Code porteur incorrect\. Vérifiez/],
    [pkcs11js.CKF_USER_PIN_COUNT_LOW, 'low', /nombre d’essais restants diminue/],
    [pkcs11js.CKF_USER_PIN_FINAL_TRY, 'final', /il ne vous reste qu'un seul essai/],
  ])('wrong PIN with token flags %i → CARD_PIN_INCORRECT, tries %s', async (after, tries, message) => {
    const m = fakeModule({ fail: { C_Login: pkcs11js.CKR_PIN_INCORRECT }, flagsAfterLogin: after });
    await expect(new CardReader(m.api).sign({ challenge, pin: '0000' })).rejects.toMatchObject({
      code: 'CARD_PIN_INCORRECT', tries, message: expect.stringMatching(message),
    });
  });

  test('the third wrong PIN locks the card: flags say LOCKED after the failed C_Login → CARD_PIN_LOCKED', async () => {
    const m = fakeModule({ fail: { C_Login: pkcs11js.CKR_PIN_INCORRECT }, flagsAfterLogin: pkcs11js.CKF_USER_PIN_LOCKED });
    await expect(new CardReader(m.api).sign({ challenge, pin: '0000' })).rejects.toMatchObject({ code: 'CARD_PIN_LOCKED' });
  });

  test('PIN-pad reader (CKF_PROTECTED_AUTHENTICATION_PATH): C_Login without a PIN argument', async () => {
    const m = fakeModule({ flags: pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH });
    const reader = new CardReader(m.api);
    expect((await reader.listCards())[0]!.pinPad).toBe(true);
    await reader.sign({ challenge });
    expect(m.calls.find((c) => c.name === 'C_Login')!.args).toEqual([SESSION, pkcs11js.CKU_USER, '<no pin argument>']);
  });

  test('PIN-pad entry cancelled on the reader → CARD_PIN_CANCELLED', async () => {
    const m = fakeModule({ flags: pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH, fail: { C_Login: pkcs11js.CKR_FUNCTION_CANCELED } });
    await expect(new CardReader(m.api).sign({ challenge })).rejects.toMatchObject({ code: 'CARD_PIN_CANCELLED' });
  });

  test('no PIN from a non-PIN-pad reader → CARD_PIN_REQUIRED, the card is not touched', async () => {
    const m = fakeModule();
    await expect(new CardReader(m.api).sign({ challenge })).rejects.toMatchObject({ code: 'CARD_PIN_REQUIRED' });
    expect(m.names()).not.toContain('C_OpenSession');
  });

  test('CKR_USER_ALREADY_LOGGED_IN: log out and log in again, so the typed PIN is really checked', async () => {
    const m = fakeModule({ logins: [pkcs11js.CKR_USER_ALREADY_LOGGED_IN, 0] });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).resolves.toMatchObject({ signature: Buffer.from('SIG') });
    const names = m.names().filter((n) => n === 'C_Login' || n === 'C_Logout' || n === 'C_SignAsync');
    expect(names).toEqual(['C_Login', 'C_Logout', 'C_Login', 'C_SignAsync', 'C_Logout']);
  });

  test('already logged in but the typed PIN is wrong → CARD_PIN_INCORRECT, nothing signed', async () => {
    const m = fakeModule({ logins: [pkcs11js.CKR_USER_ALREADY_LOGGED_IN, pkcs11js.CKR_PIN_INCORRECT] });
    await expect(new CardReader(m.api).sign({ challenge, pin: '0000' })).rejects.toMatchObject({ code: 'CARD_PIN_INCORRECT' });
    expect(m.names()).not.toContain('C_SignAsync');
  });

  test('still "already logged in" after C_Logout → refused (the PIN could not be verified)', async () => {
    const m = fakeModule({ logins: [pkcs11js.CKR_USER_ALREADY_LOGGED_IN, pkcs11js.CKR_USER_ALREADY_LOGGED_IN] });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({
      code: 'CARD_FAILURE', detail: expect.stringMatching(/PIN not verifiable/),
    });
    expect(m.names()).not.toContain('C_SignAsync');
  });

  test.each([
    ['C_SignAsync', pkcs11js.CKR_TOKEN_NOT_PRESENT],
    ['C_SignAsync', pkcs11js.CKR_DEVICE_REMOVED],
    ['C_FindObjects', pkcs11js.CKR_SESSION_HANDLE_INVALID],
  ])('card removed during the operation (%s → %i) → CARD_REMOVED', async (method, code) => {
    const m = fakeModule({ fail: { [method]: code } });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({
      code: 'CARD_REMOVED', message: expect.stringMatching(/retirée ou réinitialisée/),
    });
  });

  test('card gone before a session was opened → CARD_ABSENT', async () => {
    const m = fakeModule({ fail: { C_OpenSession: pkcs11js.CKR_TOKEN_NOT_PRESENT } });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({ code: 'CARD_ABSENT' });
  });

  test('no card in the reader → CARD_ABSENT; no reader at all → CARD_NO_READER', async () => {
    await expect(new CardReader(fakeModule({ present: [] }).api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({ code: 'CARD_ABSENT' });
    await expect(new CardReader(fakeModule({ slots: [], present: [] }).api).listCards()).rejects.toMatchObject({
      code: 'CARD_NO_READER', message: expect.stringMatching(/Aucun lecteur/),
    });
  });

  test('CKR_PIN_LEN_RANGE from the card → CARD_PIN_LENGTH with the card\'s limits', async () => {
    const m = fakeModule({ fail: { C_Login: pkcs11js.CKR_PIN_LEN_RANGE } });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({
      code: 'CARD_PIN_LENGTH', message: expect.stringMatching(/entre 4 et 8 chiffres/),
    });
  });

  test('an unexpected return value → CARD_FAILURE naming it (logs only)', async () => {
    const m = fakeModule({ fail: { C_SignInit: pkcs11js.CKR_MECHANISM_INVALID } });
    await expect(new CardReader(m.api).sign({ challenge, pin: '1234' })).rejects.toMatchObject({
      code: 'CARD_FAILURE', detail: 'C_SignInit: CKR_MECHANISM_INVALID',
    });
  });

  test('calls on one slot are serialised: two concurrent signatures never overlap', async () => {
    const m = fakeModule();
    const reader = new CardReader(m.api);
    await Promise.all([1, 2, 3].map(() => reader.sign({ challenge, pin: '1234' })));
    expect(m.maxActive()).toBe(1);
    const names = m.names();
    // Each operation runs open → … → close before the next opens.
    const opens = names.flatMap((n, i) => (n === 'C_OpenSession' ? [i] : []));
    const closes = names.flatMap((n, i) => (n === 'C_CloseSession' ? [i] : []));
    expect(opens).toHaveLength(3);
    for (let k = 1; k < 3; k += 1) expect(opens[k]!).toBeGreaterThan(closes[k - 1]!);
  });
});
