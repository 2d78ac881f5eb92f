import pkcs11js from 'pkcs11js';

import {
  AuthCertificateMissingError, AuthKeyMissingError, CardAbsentError, CardFailureError, NoReaderError, PinIncorrectError, PinLengthError,
  PinLockedError, PinRequiredError, type PinTries,
} from './errors.js';
import { mapPkcs11Error } from './pkcs11-errors.js';
import type { Pkcs11Api } from './pkcs11-module.js';
import { KeyedQueue } from './queue.js';

/** Label of the login certificate on CPS3/CPS4 cards (ANS external PKCS#11 spec, table 3). */
export const AUTH_CERTIFICATE_LABEL = "Certificat d'Authentification CPS";

export interface CardInfo {
  /** Slot id, hex: pass it back to sign() to choose among several cards. */
  slot: string;
  label: string;
  serial: string;
  model: string;
  /** A PIN-pad reader: the PIN is typed on the reader, never sent by the page. */
  pinPad: boolean;
  pin: { tries: PinTries; locked: boolean; minLength: number; maxLength: number };
}

export interface SignRequest {
  challenge: Buffer;
  pin?: string;
  slot?: string;
}

export interface CardSignature {
  certificate: Buffer;
  signature: Buffer;
  card: CardInfo;
}

const trim = (s: string): string => s.replace(/[\s\0]+$/, '');

/** Remaining PIN tries as CK_TOKEN_INFO flags tell them (FINAL_TRY wins over COUNT_LOW). */
export function pinTries(flags: number): PinTries {
  if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'final';
  if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'low';
  return 'unknown';
}

/**
 * The cards in the readers of a PKCS#11 module, and signing with their authentication key.
 * Every token operation of a slot runs through that slot's queue: a PKCS#11 session is not
 * thread-safe and C_SignAsync runs on the libuv pool (cps-card.md §5.3). Sessions live for one
 * operation only, so a removed card never leaves a stale handle behind.
 *
 * @example
 *   const reader = new CardReader(loadPkcs11Module('/usr/lib/softhsm/libsofthsm2.so'));
 *   const { certificate, signature } = await reader.sign({ challenge, pin: '1234' });
 */
export class CardReader {
  private readonly queue = new KeyedQueue();

  constructor(private readonly p11: Pkcs11Api, private readonly options: { tokenLabel?: string } = {}) {}

  /** Cards present (initialised tokens, of the configured label if any). */
  async listCards(): Promise<CardInfo[]> {
    let slots: Buffer[];
    let present: Buffer[];
    try {
      slots = this.p11.C_GetSlotList(false);
      present = this.p11.C_GetSlotList(true);
    } catch (err) {
      throw mapPkcs11Error(err, { sessionOpen: false });
    }
    if (slots.length === 0) throw new NoReaderError();
    const cards = await Promise.all(present.map((slot) => this.queue.run(slot.toString('hex'), async () => {
      try {
        return this.describe(slot);
      } catch {
        return undefined; // the card left between the two calls
      }
    })));
    return cards.filter((c): c is CardInfo => c !== undefined && (!this.options.tokenLabel || c.label === this.options.tokenLabel));
  }

  /** Signs `challenge` (CKM_SHA256_RSA_PKCS) with the key paired, by CKA_ID, to the authentication certificate. */
  async sign(request: SignRequest): Promise<CardSignature> {
    const cards = await this.listCards();
    const card = request.slot ? cards.find((c) => c.slot === request.slot) : cards[0];
    if (!card) throw new CardAbsentError(request.slot ? `slot ${request.slot} has no card` : 'no initialised token');
    return this.queue.run(card.slot, () => this.signOn(Buffer.from(card.slot, 'hex'), request));
  }

  private describe(slot: Buffer): CardInfo | undefined {
    const info = this.p11.C_GetTokenInfo(slot);
    if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) return undefined;
    return {
      slot: slot.toString('hex'),
      label: trim(info.label),
      serial: trim(info.serialNumber),
      model: trim(info.model),
      pinPad: Boolean(info.flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH),
      pin: {
        tries: pinTries(info.flags),
        locked: Boolean(info.flags & pkcs11js.CKF_USER_PIN_LOCKED),
        minLength: info.minPinLen,
        maxLength: info.maxPinLen,
      },
    };
  }

  private async signOn(slot: Buffer, request: SignRequest): Promise<CardSignature> {
    let session: Buffer | undefined;
    let loggedIn = false;
    let card: CardInfo | undefined;
    try {
      card = this.describe(slot);
      if (!card) throw new CardAbsentError('token not initialised');
      if (card.pin.locked) throw new PinLockedError();
      if (!card.pinPad) checkPin(request.pin, card);
      session = this.p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      const certificate = this.findOne(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_LABEL, value: AUTH_CERTIFICATE_LABEL },
      ]);
      if (!certificate) throw new AuthCertificateMissingError(`no "${AUTH_CERTIFICATE_LABEL}" on token "${card.label}"`);
      const [value, id] = this.p11.C_GetAttributeValue(session, certificate, [{ type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_ID }]);
      this.login(slot, session, card, request.pin);
      loggedIn = true;
      // Private keys are visible only after C_Login (cps-card.md §5.2).
      const key = this.findOne(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_ID, value: id!.value as Buffer },
      ]);
      if (!key) throw new AuthKeyMissingError();
      this.p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
      const signature = await this.p11.C_SignAsync(session, request.challenge, Buffer.alloc(1024));
      return { certificate: Buffer.from(value!.value as Buffer), signature: Buffer.from(signature), card };
    } catch (err) {
      throw mapPkcs11Error(err, {
        sessionOpen: session !== undefined,
        pinLength: card ? { min: card.pin.minLength, max: card.pin.maxLength } : undefined,
      });
    } finally {
      if (session) {
        if (loggedIn) try { this.p11.C_Logout(session); } catch { /* card gone */ }
        try { this.p11.C_CloseSession(session); } catch { /* card gone */ }
      }
    }
  }

  /** One C_Login attempt; on a wrong PIN, re-reads the flags to tell how many tries are left. */
  private login(slot: Buffer, session: Buffer, card: CardInfo, pin: string | undefined): void {
    try {
      this.callLogin(session, card, pin);
    } catch (err) {
      if (!(err instanceof pkcs11js.Pkcs11Error) || err.code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw this.pinError(err, slot);
      // Already logged in (a previous operation of this process could not log out, or Cryptolib's
      // cache_pins): PKCS#11 then does not check the PIN at all. Log out and log in again, so that
      // every signature is authorised by the PIN the professional just typed.
      try { this.p11.C_Logout(session); } catch { /* logged in elsewhere: the next C_Login says */ }
      try {
        this.callLogin(session, card, pin);
      } catch (again) {
        if (again instanceof pkcs11js.Pkcs11Error && again.code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
          throw new CardFailureError('C_Login: CKR_USER_ALREADY_LOGGED_IN after C_Logout (PIN not verifiable)');
        }
        throw this.pinError(again, slot);
      }
    }
  }

  private callLogin(session: Buffer, card: CardInfo, pin: string | undefined): void {
    if (card.pinPad) this.p11.C_Login(session, pkcs11js.CKU_USER);
    else this.p11.C_Login(session, pkcs11js.CKU_USER, pin);
  }

  /** CKR_PIN_INCORRECT → PinIncorrectError with the tries left (or PinLockedError); others unchanged. */
  private pinError(err: unknown, slot: Buffer): unknown {
    if (!(err instanceof pkcs11js.Pkcs11Error) || err.code !== pkcs11js.CKR_PIN_INCORRECT) return err;
    let flags = 0;
    try { flags = this.p11.C_GetTokenInfo(slot).flags; } catch { /* keep unknown */ }
    if (flags & pkcs11js.CKF_USER_PIN_LOCKED) return new PinLockedError();
    return new PinIncorrectError(pinTries(flags));
  }

  private findOne(session: Buffer, template: pkcs11js.Template): Buffer | undefined {
    this.p11.C_FindObjectsInit(session, template);
    try {
      return this.p11.C_FindObjects(session, 1)[0];
    } finally {
      this.p11.C_FindObjectsFinal(session);
    }
  }
}

function checkPin(pin: string | undefined, card: CardInfo): void {
  if (!pin) throw new PinRequiredError();
  // A PIN of the wrong length would cost a try on some cards: refuse it before the card sees it.
  const max = card.pin.maxLength > 0 && card.pin.maxLength < 256 ? card.pin.maxLength : 16;
  if (pin.length < card.pin.minLength || pin.length > max) throw new PinLengthError(card.pin.minLength, max);
}
