import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP endpoint that records the JSON bodies posted to it (SMS gateway, push gateway),
 * and answers `status` after `delayMs`.
 */
export async function startRecorder(status = 200, delayMs = 0) {
  const bodies: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      bodies.push({ headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      setTimeout(() => {
        res.statusCode = status;
        res.end();
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    bodies,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
