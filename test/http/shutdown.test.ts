import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

import { describe, expect, test } from '@jest/globals';

import { gracefulShutdown } from '../../src/http/shutdown.js';
import { captureLogger } from '../helpers/log-capture.js';

/** A server whose /slow requests wait until the test releases them. */
async function slowServer() {
  const releases: (() => void)[] = [];
  const arrived: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      releases.push(() => res.end('slow done'));
      arrived.shift()?.();
      return;
    }
    res.end('fast');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    /** Resolves once a /slow request is being handled. */
    nextSlowArrives: () => new Promise<void>((r) => arrived.push(r)),
    releaseAll: () => releases.splice(0).forEach((f) => f()),
  };
}

function get(port: number, path: string, agent: http.Agent): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
    }).on('error', reject);
  });
}

function connect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('graceful shutdown', () => {
  test('the in-flight request completes, new connections are refused, closers run, exit 0', async () => {
    const s = await slowServer();
    const agent = new http.Agent({ keepAlive: true });
    const cap = captureLogger();
    const events: string[] = [];
    let exitCode: number | undefined;
    const shutdown = gracefulShutdown(s.server, { timeoutMs: 30_000, logger: cap.logger, exit: (c) => { exitCode = c; } });
    shutdown.onClose(async () => { events.push('database closed'); });
    shutdown.onClose(() => { events.push('authenticators stopped'); });

    // An idle keep-alive connection, and a request in flight on another one.
    await get(s.port, '/fast', agent);
    const arrived = s.nextSlowArrives();
    const slow = get(s.port, '/slow', agent);
    await arrived;

    const done = shutdown.shutdown('SIGTERM');
    expect(shutdown.stopping).toBe(true);
    expect(await connect(s.port)).toBe('ECONNREFUSED');
    expect(exitCode).toBeUndefined();

    s.releaseAll();
    expect(await slow).toMatchObject({ status: 200, body: 'slow done' });
    await done;
    expect(events).toEqual(['authenticators stopped', 'database closed']);
    expect(exitCode).toBe(0);
    expect(s.server.listening).toBe(false);
    expect(cap.lines.map((l) => l.msg)).toEqual(['shutting down: no new connections', 'stopped']);
    // Calling it again (a second signal) does not run anything twice.
    await shutdown.shutdown('SIGINT');
    expect(events).toHaveLength(2);
    agent.destroy();
  });

  test('requests still stuck after the timeout are cut, then the closers run', async () => {
    const s = await slowServer();
    const agent = new http.Agent({ keepAlive: true });
    const cap = captureLogger();
    let exitCode: number | undefined;
    let closed = false;
    const shutdown = gracefulShutdown(s.server, { timeoutMs: 100, logger: cap.logger, exit: (c) => { exitCode = c; } });
    shutdown.onClose(() => { closed = true; });
    const arrived = s.nextSlowArrives();
    const stuck = get(s.port, '/slow', agent).catch((err: NodeJS.ErrnoException) => err.code);
    await arrived;
    await shutdown.shutdown('SIGTERM');
    expect(await stuck).toBe('ECONNRESET');
    expect(closed).toBe(true);
    expect(exitCode).toBe(0);
    expect(cap.lines.some((l) => l.msg === 'shutdown timeout: closing the remaining connections')).toBe(true);
    agent.destroy();
  });

  test('a failing closer is logged, the others still run, and the exit code is 1', async () => {
    const s = await slowServer();
    const cap = captureLogger();
    let exitCode: number | undefined;
    const ran: string[] = [];
    const shutdown = gracefulShutdown(s.server, { timeoutMs: 1000, logger: cap.logger, exit: (c) => { exitCode = c; } });
    shutdown.onClose(() => { ran.push('first registered'); });
    shutdown.onClose(() => { throw new Error('pool already closed'); });
    await shutdown.shutdown('SIGTERM');
    expect(ran).toEqual(['first registered']);
    expect(exitCode).toBe(1);
    expect(cap.lines.find((l) => l.msg === 'shutdown: a closer failed')).toBeDefined();
  });

  test('with a drain delay, the node keeps accepting while reporting "stopping", then closes', async () => {
    const s = await slowServer();
    let exitCode: number | undefined;
    const shutdown = gracefulShutdown(s.server, { timeoutMs: 1000, drainDelayMs: 1500, exit: (c) => { exitCode = c; } });
    const done = shutdown.shutdown('SIGTERM');
    expect(shutdown.stopping).toBe(true);
    expect(await connect(s.port)).toBe('connected');
    await done;
    expect(await connect(s.port)).toBe('ECONNREFUSED');
    expect(exitCode).toBe(0);
  });

  test('installSignalHandlers registers SIGTERM and SIGINT handlers, and removes them', () => {
    const server = http.createServer();
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const uninstall = gracefulShutdown(server, { timeoutMs: 1000, exit: () => {} }).installSignalHandlers();
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });
});
