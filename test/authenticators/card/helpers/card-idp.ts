import { createServer } from 'node:net';

import { CardReader } from '../../../../src/authenticators/card/agent/card-reader.js';
import { loadPkcs11Module } from '../../../../src/authenticators/card/agent/pkcs11-module.js';
import { startCardAgent, type RunningAgent } from '../../../../src/authenticators/card/agent/server.js';
import { createLogger } from '../../../../src/log/logger.js';
import { startTestIdp, type TestIdp } from '../../../helpers/idp.js';
import { SOFTHSM_MODULE, type TestCards } from './test-cards.js';

/** A free loopback port (the IdP origin and the agent URL must each know the other's port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface CardIdp {
  idp: TestIdp;
  agent: RunningAgent;
  close(): Promise<void>;
}

/**
 * The real IdP (provider + interaction host) with the card plug-in, and a card agent on SoftHSM2
 * that answers only that IdP's origin and uses only the token `tokenLabel`.
 */
export async function startCardIdp(cards: TestCards, tokenLabel: string, overrides: Record<string, unknown> = {}): Promise<CardIdp> {
  const idpPort = await freePort();
  const agent = await startCardAgent({
    reader: () => new CardReader(loadPkcs11Module(SOFTHSM_MODULE), { tokenLabel }),
    allowedOrigin: `http://127.0.0.1:${idpPort}`,
    port: 0,
    logger: createLogger('silent'),
  });
  const idp = await startTestIdp({
    port: idpPort,
    overrides: {
      AUTHENTICATORS: 'card', CARD_TRUST_ANCHORS: cards.trustDir, CARD_CRLS: cards.crlPem, CARD_AGENT_URL: agent.url, ...overrides,
    },
  });
  return {
    idp,
    agent,
    async close() {
      await agent.close();
      await idp.close();
    },
  };
}
