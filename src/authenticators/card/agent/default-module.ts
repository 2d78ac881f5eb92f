/** Where each platform's Cryptolib CPS installer puts the PKCS#11 module (cps-card.md §1). */
export const CRYPTOLIB_MODULES: Partial<Record<NodeJS.Platform, string>> = {
  linux: '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so',
  darwin: '/usr/local/lib/libcps3_pkcs11_osx.dylib',
  // Found through the DLL search path (%WINDIR%\System32).
  win32: 'cps3_pkcs11_w64.dll',
};

/**
 * The PKCS#11 module to load: the configured one, else the platform's Cryptolib CPS.
 *
 * @example
 *   pkcs11ModulePath('', 'linux'); // '/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so'
 */
export function pkcs11ModulePath(configured: string, platform: NodeJS.Platform = process.platform): string {
  if (configured) return configured;
  return CRYPTOLIB_MODULES[platform] ?? CRYPTOLIB_MODULES.linux!;
}
