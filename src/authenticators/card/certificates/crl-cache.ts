import { readFile } from 'node:fs/promises';

import type { Logger } from '../../../log/logger.js';
import { parseCrl, type Crl } from './crl.js';
import { derObjects } from './pem.js';

/**
 * The CRLs of CARD_CRLS (files or http(s) URLs, DER or PEM), loaded at start and refreshed every
 * CARD_CRL_REFRESH seconds. A source that fails to load keeps its last good CRL (logged), so a
 * distribution point being down does not stop logins until that CRL's nextUpdate has passed.
 *
 * @example
 *   const crls = new CrlCache({ sources: ['/etc/openpsc/ACI-FO-PP.crl'], refreshSeconds: 3600, logger });
 *   await crls.start();
 *   crls.forIssuer(cert.issuer.hash); // [Crl]
 */
export class CrlCache {
  private readonly bySource = new Map<string, Crl[]>();
  private timer?: NodeJS.Timeout;
  /** When each source last loaded successfully. */
  readonly loadedAt = new Map<string, Date>();

  constructor(private readonly options: {
    sources: string[];
    refreshSeconds: number;
    logger: Logger;
    fetchTimeoutMs?: number;
  }) {}

  get configured(): boolean {
    return this.options.sources.length > 0;
  }

  async start(): Promise<void> {
    await this.refresh();
    if (!this.configured || this.timer) return;
    this.timer = setInterval(() => { void this.refresh(); }, this.options.refreshSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads every source; returns how many failed (each failure is logged). */
  async refresh(): Promise<number> {
    const results = await Promise.all(this.options.sources.map(async (source) => {
      try {
        const crls = derObjects(await this.read(source), 'X509 CRL').map(parseCrl);
        if (crls.length === 0) throw new Error('no CRL in the data');
        this.bySource.set(source, crls);
        this.loadedAt.set(source, new Date());
        this.options.logger.debug({ event: 'card.crl.loaded', source, entries: crls.reduce((n, c) => n + c.revoked.size, 0) }, 'CRL loaded');
        return 0;
      } catch (err) {
        this.options.logger.warn({ event: 'card.crl.load_failed', source, err: (err as Error).message, keptPrevious: this.bySource.has(source) }, 'cannot load CRL');
        return 1;
      }
    }));
    return results.reduce<number>((a, b) => a + b, 0);
  }

  /** The loaded CRLs whose issuer name hash is `issuerHash` (signature not yet checked). */
  forIssuer(issuerHash: string): Crl[] {
    return [...this.bySource.values()].flat().filter((c) => c.issuerHash === issuerHash);
  }

  private async read(source: string): Promise<Buffer> {
    if (!/^https?:\/\//.test(source)) return readFile(source);
    const res = await fetch(source, { signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}
