import type http from 'node:http';
import type { Socket } from 'node:net';

import type { Logger } from '../log/logger.js';

/**
 * Graceful shutdown of an HTTP server on SIGTERM/SIGINT (what `docker stop` and Kubernetes send):
 *
 * 0. optionally, during `drainDelayMs`, keep serving but report not ready (`stopping` is true:
 *    give it to healthRouter) so that a Kubernetes endpoint or load balancer stops sending
 *    traffic before the socket closes — they notice with some delay;
 * 1. stop accepting connections (the listening socket closes: new clients are refused);
 * 2. close idle keep-alive connections now, and each busy one as soon as its in-flight request
 *    is answered (responses sent meanwhile say `Connection: close`);
 * 3. after `timeoutMs`, destroy whatever is still open;
 * 4. run the registered closers, last registered first (authenticators, then the database pool);
 * 5. exit: 0, or 1 if a closer failed.
 *
 * @example
 *   const shutdown = gracefulShutdown(server, {
 *     timeoutMs: settings.ops.shutdownTimeout * 1000, drainDelayMs: settings.ops.shutdownDrainDelay * 1000, logger,
 *   });
 *   shutdown.onClose(() => database.close());
 *   shutdown.onClose(() => openpsc.stop());
 *   shutdown.installSignalHandlers();           // SIGTERM, SIGINT
 */

export type Closer = () => Promise<void> | void;

export interface ShutdownOptions {
  /** How long in-flight requests may take to finish, in milliseconds. */
  timeoutMs: number;
  /** How long to keep accepting (while reporting not ready) before closing, in milliseconds; default 0. */
  drainDelayMs?: number;
  logger?: Logger;
  /** Ends the process; injected by tests. */
  exit?: (code: number) => void;
}

export interface GracefulShutdown {
  /** Registers a closer run after the server has stopped (reverse order of registration). */
  onClose(closer: Closer): void;
  /** Starts the shutdown (once; later calls return the same promise). Resolves after exit() was called. */
  shutdown(signal: string): Promise<void>;
  /** Calls shutdown() on SIGTERM and SIGINT; returns a function removing the handlers. */
  installSignalHandlers(signals?: NodeJS.Signals[]): () => void;
  /** True from the moment shutdown started. */
  readonly stopping: boolean;
}

export function gracefulShutdown(server: http.Server, options: ShutdownOptions): GracefulShutdown {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.logger;
  const closers: Closer[] = [];
  /** Open connections and how many requests each is answering. */
  const inFlight = new Map<Socket, number>();
  let stopping = false;
  let done: Promise<void> | undefined;

  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (stopping && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (stopping && left === 0) socket.destroySoon();
    });
  });

  async function run(signal: string): Promise<void> {
    stopping = true;
    if (options.drainDelayMs) {
      log?.info({ signal, drainDelayMs: options.drainDelayMs }, 'shutting down: reporting not ready');
      await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
    }
    log?.info({ signal, connections: inFlight.size }, 'shutting down: no new connections');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const [socket, n] of inFlight) if (n === 0) socket.destroySoon();

    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), options.timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      log?.warn({ connections: inFlight.size, timeoutMs: options.timeoutMs }, 'shutdown timeout: closing the remaining connections');
      for (const socket of inFlight.keys()) socket.destroy();
      await closed;
    }

    let code = 0;
    for (const closer of [...closers].reverse()) {
      try {
        await closer();
      } catch (err) {
        code = 1;
        log?.error({ err }, 'shutdown: a closer failed');
      }
    }
    log?.info({ signal, code }, 'stopped');
    exit(code);
  }

  const shutdown = (signal: string): Promise<void> => {
    done ??= run(signal);
    return done;
  };
  return {
    onClose(closer) {
      closers.push(closer);
    },
    shutdown,
    installSignalHandlers(signals = ['SIGTERM', 'SIGINT']) {
      const handler = (signal: NodeJS.Signals): void => { void shutdown(signal); };
      for (const s of signals) process.on(s, handler);
      return () => { for (const s of signals) process.off(s, handler); };
    },
    get stopping() {
      return stopping;
    },
  };
}
