import pkcs11js from 'pkcs11js';

import { CardFailureError, ModuleNotFoundError } from './errors.js';

/** The PKCS#11 calls the agent makes (a real pkcs11js.PKCS11, or a fake in unit tests). */
export type Pkcs11Api = Pick<pkcs11js.PKCS11,
  | 'C_GetSlotList' | 'C_GetTokenInfo' | 'C_OpenSession' | 'C_CloseSession' | 'C_Login' | 'C_Logout'
  | 'C_FindObjectsInit' | 'C_FindObjects' | 'C_FindObjectsFinal' | 'C_GetAttributeValue' | 'C_SignInit' | 'C_SignAsync'>;

const loaded = new Map<string, pkcs11js.PKCS11>();

const isCode = (err: unknown, code: number): boolean => err instanceof pkcs11js.Pkcs11Error && err.code === code;

/**
 * The process-wide instance of a PKCS#11 module: loaded and C_Initialize'd once (a second
 * C_Initialize in the same process is CKR_CRYPTOKI_ALREADY_INITIALIZED, cps-card.md §5), finalised
 * only at exit by finalizePkcs11Modules().
 *
 * @example
 *   const p11 = loadPkcs11Module('/usr/lib/softhsm/libsofthsm2.so');
 *   p11.C_GetSlotList(true); // [<Buffer …>]
 */
export function loadPkcs11Module(modulePath: string): pkcs11js.PKCS11 {
  const existing = loaded.get(modulePath);
  if (existing) return existing;
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(modulePath);
  } catch (err) {
    throw new ModuleNotFoundError(modulePath, (err as Error).message);
  }
  try {
    initialize(p11);
  } catch (err) {
    throw new CardFailureError(`C_Initialize: ${(err as Error).message}`);
  }
  loaded.set(modulePath, p11);
  return p11;
}

function initialize(p11: pkcs11js.PKCS11): void {
  try {
    // The agent calls the module from the main thread and from libuv workers (C_SignAsync): let it lock.
    p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (isCode(err, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) return;
    if (!isCode(err, pkcs11js.CKR_CANT_LOCK)) throw err;
    p11.C_Initialize();
  }
}

/** C_Finalize and unload every module (process exit). */
export function finalizePkcs11Modules(): void {
  for (const p11 of loaded.values()) {
    try { p11.C_Finalize(); } catch { /* already finalised */ }
    try { p11.close(); } catch { /* already closed */ }
  }
  loaded.clear();
}
