/**
 * Identifier arithmetic of the Annuaire Santé (annuaire-extract.md §5): Luhn check digits for
 * RPPS, ADELI, FINESS, SIREN and SIRET.
 */

/** True when the digit string passes the Luhn check. */
export function luhnValid(s: string): boolean {
  if (!/^\d+$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < s.length; i += 1) {
    let d = s.charCodeAt(s.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The digit to append to `body` so that the whole passes Luhn. */
export function luhnCheckDigit(body: string): string {
  for (let d = 0; d < 10; d += 1) if (luhnValid(body + d)) return String(d);
  throw new Error(`no Luhn digit for ${body}`);
}

/**
 * A test-range RPPS number: `997` + 7-digit sequence + Luhn digit (11 digits). The 997 prefix keeps
 * generated people apart from real ones (the ANS test card holders use 899700…).
 */
export function testRpps(sequence: number): string {
  const body = `997${String(sequence % 1e7).padStart(7, '0')}`;
  return body + luhnCheckDigit(body);
}

/** An ADELI number: département (2) + profession (2) + sequence (4) + Luhn digit. */
export function testAdeli(departement: string, profession: string, sequence: number): string {
  const body = `${departement.replace(/\D/g, '0').slice(0, 2).padStart(2, '0')}${profession.padStart(2, '0').slice(-2)}${String(sequence % 1e4).padStart(4, '0')}`;
  return body + luhnCheckDigit(body);
}

/** A FINESS number (9 digits, Luhn) in a département. */
export function testFiness(departement: string, sequence: number): string {
  const body = `${departement.replace(/\D/g, '0').slice(0, 2).padStart(2, '0')}${String(sequence % 1e6).padStart(6, '0')}`;
  return body + luhnCheckDigit(body);
}

export function testSiren(sequence: number): string {
  const body = `8${String(sequence % 1e7).padStart(7, '0')}`;
  return body + luhnCheckDigit(body);
}

export function testSiret(siren: string, establishment: number): string {
  const body = `${siren}${String(establishment % 1e4).padStart(4, '0')}`;
  return body + luhnCheckDigit(body);
}
