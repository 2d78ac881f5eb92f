import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { EcpsService } from '../../../../src/authenticators/ecps/service.js';
import type { EcpsDevice } from '../../../../src/authenticators/ecps/device/client.js';
import { saveProfessional } from '../../../../src/directory/repository.js';
import { medecin } from '../../../helpers/fixtures.js';
import { startTestIdp, type TestIdp } from '../../../helpers/idp.js';
import { registerRp, type TestRp } from '../../../helpers/rp.js';
import { activateDevice, newProfessional } from '../device-helpers.js';

/** OpenPSC with only the e-CPS authenticator, its outbox in a temporary folder. */
export interface EcpsIdp {
  idp: TestIdp;
  service: EcpsService;
  outboxDir: string;
  /** A professional in the mirror with contacts and an activated simulated device. */
  professionalWithDevice(): Promise<{ nationalId: string; device: EcpsDevice }>;
  close(): Promise<void>;
}

export async function startEcpsIdp(overrides: Record<string, unknown> = {}): Promise<EcpsIdp> {
  const outboxDir = mkdtempSync(path.join(tmpdir(), 'ecps-e2e-'));
  // Tests activate many devices: no equalized answer time unless a test asks for it.
  const idp = await startTestIdp({ overrides: { AUTHENTICATORS: 'ecps', ECPS_OUTBOX_DIR: outboxDir, DATA_DIR: outboxDir, ECPS_ACTIVATION_ANSWER_MS: 0, ...overrides } });
  const plugin = idp.openpsc.authenticators.find((a) => a.id === 'ecps') as unknown as { service: EcpsService };
  return {
    idp,
    service: plugin.service,
    outboxDir,
    async professionalWithDevice() {
      const p = newProfessional();
      await saveProfessional(idp.database.db, medecin(p.nationalId));
      await plugin.service.store.setContact({ nationalId: p.nationalId, email: p.email, mobile: p.mobile });
      const { device } = await activateDevice(idp.url, outboxDir, p);
      return { nationalId: p.nationalId, device };
    },
    async close() {
      await idp.close();
      rmSync(outboxDir, { recursive: true, force: true });
    },
  };
}

/** An e-CPS IdP and a relying party registered for CIBA (poll mode, no redirect in use). */
export async function startCibaIdp(overrides: Record<string, unknown> = {}): Promise<{ env: EcpsIdp; rp: TestRp }> {
  const env = await startEcpsIdp(overrides);
  return { env, rp: await registerRp(env.idp, { ciba: true, redirectUris: ['http://127.0.0.1:9/unused'] }) };
}
