import { EcpsBadRequestError } from './errors.js';
import type { Contact, EcpsStore } from './store.js';

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const MOBILE = /^\+?[0-9]{6,15}$/;

/** A contact with its email and mobile checked and normalised (spaces, dots and dashes removed). */
export function normaliseContact(c: { nationalId: string; email?: string; mobile?: string }): Contact {
  const nationalId = c.nationalId.trim();
  if (!nationalId || nationalId.length > 64) throw new EcpsBadRequestError('national id: required, at most 64 characters');
  const email = c.email?.trim() || undefined;
  if (email !== undefined && !EMAIL.test(email)) throw new EcpsBadRequestError(`email: not an email address: "${email}"`);
  const mobile = c.mobile?.replace(/[\s.-]/g, '') || undefined;
  if (mobile !== undefined && !MOBILE.test(mobile)) throw new EcpsBadRequestError(`mobile: not a phone number: "${c.mobile}"`);
  return { nationalId, email, mobile };
}

export interface ContactImportReport {
  imported: number;
  /** One entry per refused line: "line 3: email: not an email address". */
  errors: string[];
}

/**
 * Imports contacts from CSV text: a header naming `national_id`, `email`, `mobile` (any order,
 * `,` or `;` separated), then one professional per line. Bad lines are reported by number and
 * field and skipped; good ones are upserted.
 *
 * @example
 * await importContactsCsv(store, 'national_id;email;mobile\n899700427885;kit@example.fr;0612345678\n');
 */
export async function importContactsCsv(store: EcpsStore, text: string): Promise<ContactImportReport> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const sep = (lines[0] ?? '').includes(';') ? ';' : ',';
  const header = (lines[0] ?? '').split(sep).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (col('national_id') < 0 || (col('email') < 0 && col('mobile') < 0)) {
    throw new EcpsBadRequestError('line 1: the header must name national_id and email and/or mobile');
  }
  const report: ContactImportReport = { imported: 0, errors: [] };
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const cells = line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const cell = (name: string) => (col(name) >= 0 ? cells[col(name)] : undefined);
    try {
      await store.setContact(normaliseContact({ nationalId: cell('national_id') ?? '', email: cell('email'), mobile: cell('mobile') }));
      report.imported += 1;
    } catch (err) {
      report.errors.push(`line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return report;
}
