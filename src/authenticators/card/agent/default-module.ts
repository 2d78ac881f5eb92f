import { existsSync } from 'node:fs';

/**
 * Where each platform's Cryptolib CPS installer puts the PKCS#11 module (cps-card.md §1), newest
 * location first.
 */
export const CRYPTOLIB_MODULES: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'],
  // Before OS X 10.11 / Cryptolib 5.0.15 the library went to /usr/lib.
  darwin: ['/usr/local/lib/libcps3_pkcs11_osx.dylib', '/usr/lib/libcps3_pkcs11_osx.dylib'],
  // A bare name: Windows finds it through the DLL search path (%WINDIR%\System32).
  win32: ['cps3_pkcs11_w64.dll'],
};

/**
 * The PKCS#11 module to load: the configured one, else the platform's Cryptolib CPS (the first
 * location that exists, else the usual one, so that the "not found" message names it).
 *
 * @example
 *   pkcs11ModulePath('', 'linux'); // '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'
 */
export function pkcs11ModulePath(
  configured: string,
  platform: NodeJS.Platform = process.platform,
  exists: (file: string) => boolean = existsSync,
): string {
  if (configured) return configured;
  const candidates = CRYPTOLIB_MODULES[platform] ?? CRYPTOLIB_MODULES.linux!;
  return candidates.find((file) => exists(file)) ?? candidates[0]!;
}
