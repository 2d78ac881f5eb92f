import pkcs11js from 'pkcs11js';

import {
  AgentError, CardAbsentError, CardFailureError, CardRemovedError, PinCancelledError, PinLengthError, PinLockedError,
} from './errors.js';

const CKR_NAMES = new Map<number, string>(
  Object.entries(pkcs11js).filter(([k, v]) => k.startsWith('CKR_') && typeof v === 'number').map(([k, v]) => [v as number, k]),
);

/** `CKR_PIN_INCORRECT`, or the hex value for codes pkcs11js does not name. */
export const ckrName = (code: number): string => CKR_NAMES.get(code) ?? `0x${code.toString(16)}`;

/** Return values meaning the card is gone (removed, reset, reader unplugged): cps-card.md §4. */
const CARD_GONE = new Set([
  pkcs11js.CKR_TOKEN_NOT_PRESENT, pkcs11js.CKR_DEVICE_REMOVED, pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED, pkcs11js.CKR_SLOT_ID_INVALID, pkcs11js.CKR_TOKEN_NOT_RECOGNIZED,
]);

export interface ErrorContext {
  /** A session was open on the card: a vanished card was removed *during* the operation. */
  sessionOpen: boolean;
  pinLength?: { min: number; max: number };
}

/**
 * The AgentError for anything a PKCS#11 call threw. Maps by return value (never by message text).
 * CKR_PIN_INCORRECT is mapped by the caller, which re-reads the token flags for the tries left.
 */
export function mapPkcs11Error(err: unknown, context: ErrorContext): AgentError {
  if (err instanceof AgentError) return err;
  if (!(err instanceof pkcs11js.Pkcs11Error)) return new CardFailureError((err as Error)?.message ?? String(err));
  const where = `${err.method || 'PKCS#11'}: ${ckrName(err.code)}`;
  if (CARD_GONE.has(err.code)) return context.sessionOpen ? new CardRemovedError(where) : new CardAbsentError(where);
  switch (err.code) {
    case pkcs11js.CKR_PIN_LOCKED: return new PinLockedError();
    case pkcs11js.CKR_PIN_LEN_RANGE: return new PinLengthError(context.pinLength?.min ?? 4, context.pinLength?.max ?? 8);
    case pkcs11js.CKR_FUNCTION_CANCELED: return new PinCancelledError();
    default: return new CardFailureError(where);
  }
}
