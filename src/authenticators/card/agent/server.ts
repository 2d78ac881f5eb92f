import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from '../../../log/logger.js';
import type { CardReader } from './card-reader.js';
import { AgentError, AgentOriginRefusedError, AgentRequestError, CardFailureError } from './errors.js';

export interface CardAgentOptions {
  /** The card reader, built on first use so that a missing module is reported to the page. */
  reader: () => CardReader;
  /** The only origin whose pages may use the agent (the IdP's public origin). */
  allowedOrigin: string;
  /** Loopback port; 0 = ephemeral (tests). */
  port: number;
  logger: Logger;
}

export interface RunningAgent {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 4096;
const PIN = /^[0-9A-Za-z]{1,32}$/;
const SLOT = /^[0-9a-f]{1,64}$/;

/**
 * The card agent's HTTP API, on 127.0.0.1 only:
 * - `GET /v1/cards` → `{ cards: CardInfo[] }`;
 * - `POST /v1/sign` `{ challenge: base64 (32 bytes), pin?, slot? }` → `{ certificate, signature, card }`.
 * Only the configured origin is answered (CORS, including the Private Network Access preflight),
 * and only under a loopback Host name (no DNS rebinding). Errors: `{ error, message }` in French.
 *
 * @example
 *   const agent = await startCardAgent({ reader: () => new CardReader(p11), allowedOrigin: 'https://psc.example', port: 23777, logger });
 *   // from https://psc.example: fetch('http://127.0.0.1:23777/v1/cards')
 */
export async function startCardAgent(options: CardAgentOptions): Promise<RunningAgent> {
  let reader: CardReader | undefined;
  const getReader = (): CardReader => (reader ??= options.reader());
  let port = options.port;
  const server = createServer((req, res) => {
    handle(req, res, port, options, getReader).catch((err: Error) => {
      options.logger.error({ event: 'card_agent.crash', err: err.message }, 'card agent request failed');
      if (!res.headersSent) send(res, 500, new CardFailureError(err.message).toJSON());
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000; // a PIN-pad entry can take a while
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  options.logger.info({ event: 'card_agent.listening', port, origin: options.allowedOrigin }, 'card agent listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(
  req: IncomingMessage, res: ServerResponse, port: number, options: CardAgentOptions, reader: () => CardReader,
): Promise<void> {
  const host = req.headers.host ?? '';
  if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host)) {
    send(res, 403, new AgentOriginRefusedError(`Host "${host}"`).toJSON());
    return;
  }
  const origin = req.headers.origin;
  if (origin !== options.allowedOrigin) {
    options.logger.warn({ event: 'card_agent.origin_refused', origin: origin ?? null }, 'request from another origin refused');
    send(res, 403, new AgentOriginRefusedError(`Origin "${origin ?? ''}"`).toJSON());
    return;
  }
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
    // Chrome's Private Network Access: a public page reaching loopback must be allowed explicitly.
    if (req.headers['access-control-request-private-network'] === 'true') {
      res.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
    res.writeHead(204).end();
    return;
  }
  const path = (req.url ?? '').split('?')[0];
  try {
    if (req.method === 'GET' && path === '/v1/cards') {
      send(res, 200, { cards: await reader().listCards() });
    } else if (req.method === 'POST' && path === '/v1/sign') {
      const body = await readJson(req);
      const signed = await reader().sign(signRequest(body));
      options.logger.info({ event: 'card_agent.signed', card: signed.card.label }, 'challenge signed');
      send(res, 200, {
        certificate: signed.certificate.toString('base64'),
        signature: signed.signature.toString('base64'),
        card: { slot: signed.card.slot, label: signed.card.label },
      });
    } else {
      send(res, 404, new AgentRequestError(`${req.method} ${path}`).toJSON());
    }
  } catch (err) {
    const e = err instanceof AgentError ? err : new CardFailureError((err as Error).message);
    options.logger.warn({ event: 'card_agent.refused', error: e.code, detail: e.detail }, 'card operation failed');
    send(res, e.status, e.toJSON());
  }
}

function signRequest(body: Record<string, unknown>): { challenge: Buffer; pin?: string; slot?: string } {
  const { challenge, pin, slot } = body;
  if (typeof challenge !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(challenge)) {
    throw new AgentRequestError('challenge must be 32 bytes, base64');
  }
  if (pin !== undefined && (typeof pin !== 'string' || !PIN.test(pin))) throw new AgentRequestError('malformed pin');
  if (slot !== undefined && (typeof slot !== 'string' || !SLOT.test(slot))) throw new AgentRequestError('malformed slot');
  return { challenge: Buffer.from(challenge, 'base64'), pin: pin || undefined, slot };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new AgentRequestError('JSON expected');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AgentRequestError('body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new AgentRequestError('malformed JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
