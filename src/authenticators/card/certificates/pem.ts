import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * DER blobs from DER or PEM input: a PEM file may hold several blocks of the given label; anything
 * not PEM is taken as one DER object.
 */
export function derObjects(data: Buffer, pemLabel: 'CERTIFICATE' | 'X509 CRL'): Buffer[] {
  const text = data.toString('latin1');
  if (!text.includes('-----BEGIN ')) return [data];
  const re = new RegExp(`-----BEGIN ${pemLabel}-----([A-Za-z0-9+/=\\s]+)-----END ${pemLabel}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** Every file under the given files or folders (one level: folders are not walked recursively). */
export function filesOf(paths: string[]): string[] {
  return paths.flatMap((p) => {
    const st = statSync(p);
    if (!st.isDirectory()) return [p];
    return readdirSync(p).sort().map((f) => path.join(p, f)).filter((f) => statSync(f).isFile());
  });
}

/** The DER certificates found in files and folders (`.cer`, `.crt`, `.der`, `.pem`, any name). */
export function readCertificateFiles(paths: string[]): { file: string; der: Buffer }[] {
  return filesOf(paths).flatMap((file) => derObjects(readFileSync(file), 'CERTIFICATE').map((der) => ({ file, der })));
}
