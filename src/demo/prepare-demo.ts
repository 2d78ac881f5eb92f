import { existsSync } from 'node:fs';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { seedDemoDirectory } from '../directory/seed-demo.js';
import type { OpenPsc } from '../http/app.js';
import type { EcpsService } from '../authenticators/ecps/service.js';

/** Contacts given to the demo professionals (a reserved domain and a fictitious number range). */
export function demoContact(nationalId: string): { email: string; mobile: string } {
  return { email: `${nationalId}@demo.openpsc.invalid`, mobile: `+33639${nationalId.slice(-6).padStart(6, '0')}` };
}

/**
 * The one-minute demo: a small synthetic Annuaire Santé (re-importing the same generated extract
 * is a no-op) and the lines that tell a newcomer what to try. Returns those lines.
 */
export async function prepareDemo(openpsc: OpenPsc, database: Database, settings: Settings): Promise<string[]> {
  const professionals = await seedDemoDirectory(database, { professionals: 200 });
  const [first] = professionals;
  const lines = [
    `Relying party: ${settings.publicUrl}/demo/`,
    ...professionals.map((p) => `Professional ${p.nationalId}: ${p.description}`),
  ];
  const ecps = openpsc.authenticators.find((a) => a.id === 'ecps') as unknown as { service?: EcpsService } | undefined;
  if (ecps?.service && first) {
    // Demo contacts, so that a simulated phone can be activated at once (codes go to the outbox).
    for (const p of professionals) {
      await ecps.service.store.setContact({ nationalId: p.nationalId, ...demoContact(p.nationalId) });
    }
    const outbox = settings.ecps.outboxDir;
    lines.push(
      `e-CPS: activate a simulated phone once (its codes are read from the development outbox), then approve logins:`,
      `  npm run -s openpsc -- ecps-device activate --server ${settings.publicUrl} --national-id ${first.nationalId} --state ./data/device.json --pin 1234 --outbox ${outbox}`,
      `  npm run -s openpsc -- ecps-device watch --state ./data/device.json --pin 1234 --auto-approve`,
    );
  }
  if (openpsc.authenticators.some((a) => a.id === 'card') && existsSync('/usr/lib/softhsm/libsofthsm2.so')) {
    lines.push('CPS card: SoftHSM2 is installed — build test cards with scripts/test-cards.sh and run `openpsc card-agent` (docs/card.md).');
  }
  openpsc.setDemoHints(lines);
  return lines;
}
