import { existsSync } from 'node:fs';

import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { seedDemoDirectory } from '../directory/seed-demo.js';
import type { OpenPsc } from '../http/app.js';

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
  if (openpsc.authenticators.some((a) => a.id === 'ecps') && first) {
    lines.push(
      `e-CPS: activate a simulated phone once (codes arrive in the development outbox), then approve logins:`,
      `  npm run -s openpsc -- ecps-device activate --server ${settings.publicUrl} --national-id ${first.nationalId} --state ./data/device.json --pin 1234`,
      `  npm run -s openpsc -- ecps-device watch --server ${settings.publicUrl} --state ./data/device.json --pin 1234 --auto-approve`,
    );
  }
  if (openpsc.authenticators.some((a) => a.id === 'card') && existsSync('/usr/lib/softhsm/libsofthsm2.so')) {
    lines.push('CPS card: SoftHSM2 is installed — build test cards with scripts/test-cards.sh and run `openpsc card-agent` (docs/card.md).');
  }
  openpsc.setDemoHints(lines);
  return lines;
}
