import { ConfigError } from '../../config/errors.js';
import { int, list, oneOf, str, type Raw } from '../../config/parse.js';

/** Settings of the card authenticator (server side) and of the card agent (workstation side). */
export interface CardSettings {
  /** Files or folders of DER/PEM CA certificates: self-signed ones are the anchors, others intermediates. */
  trustAnchors: string[];
  /** CRL sources: file paths or http(s) URLs, DER or PEM. */
  crls: string[];
  /** Seconds between two CRL refreshes. */
  crlRefresh: number;
  /** What to do when a CRL is past its nextUpdate or missing for an issuer. */
  crlStalePolicy: 'refuse' | 'warn';
  /** Lifetime of a login challenge, in seconds. */
  challengeTtl: number;
  /** Challenges one login interaction may request (the try limit of card logins). */
  challengesPerInteraction: number;
  /** Where the login page reaches the agent (from the browser). */
  agentUrl: string;
  /** Loopback port the agent listens on. */
  agentPort: number;
  /** The only web origin the agent answers (the IdP's public origin). */
  agentOrigin: string;
  /** PKCS#11 module the agent loads; empty = the Cryptolib CPS library of the platform. */
  agentPkcs11Module: string;
  /** Only tokens with this label (trimmed) are used by the agent; empty = any initialised token. */
  agentTokenLabel: string;
}

/** Reads the CARD_* settings; `publicUrl` gives the default agent origin. */
export function readCardSettings(raw: Raw, publicUrl: string): CardSettings {
  const agentPort = int(raw, 'CARD_AGENT_PORT', { min: 1, max: 65535 });
  const agentUrl = str(raw, 'CARD_AGENT_URL') || `http://127.0.0.1:${agentPort}`;
  const parsed = URL.parse(agentUrl);
  if (parsed?.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    throw new ConfigError('CARD_AGENT_URL', `must be an http://127.0.0.1:<port> (loopback) URL, got "${agentUrl}"`);
  }
  const agentOrigin = str(raw, 'CARD_AGENT_ORIGIN') || new URL(publicUrl).origin;
  if (URL.parse(agentOrigin)?.origin !== agentOrigin) {
    throw new ConfigError('CARD_AGENT_ORIGIN', `must be a bare origin (scheme://host[:port]), got "${agentOrigin}"`);
  }
  return {
    trustAnchors: list(raw, 'CARD_TRUST_ANCHORS'),
    crls: list(raw, 'CARD_CRLS'),
    crlRefresh: int(raw, 'CARD_CRL_REFRESH', { min: 10 }),
    crlStalePolicy: oneOf(raw, 'CARD_CRL_STALE_POLICY', ['refuse', 'warn'] as const),
    challengeTtl: int(raw, 'CARD_CHALLENGE_TTL', { min: 10, max: 600 }),
    challengesPerInteraction: int(raw, 'CARD_CHALLENGES_PER_INTERACTION', { min: 1, max: 100 }),
    agentUrl: agentUrl.replace(/\/+$/, ''),
    agentPort,
    agentOrigin,
    agentPkcs11Module: str(raw, 'CARD_AGENT_PKCS11_MODULE'),
    agentTokenLabel: str(raw, 'CARD_AGENT_TOKEN_LABEL'),
  };
}
