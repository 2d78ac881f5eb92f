import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { BrowserSession } from '../../helpers/browser-session.js';

/** The relying party's logout landing page (registered as post_logout_redirect_uri by registerRp). */
export const POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:9/logged-out';

/**
 * What static/logout.js (or a user's click) does in a browser: submit the provider's logout form
 * with `logout=yes`. Follows redirects until the relying party or a final page.
 *
 * @example
 *   const page = await browser.fetch(endSessionUrl);
 *   const end = await submitLogoutForm(browser, issuerOrigin, await page.text());
 */
export async function submitLogoutForm(browser: BrowserSession, origin: string, html: string) {
  const action = /<form[^>]*id="op\.logoutForm"[^>]*action="([^"]+)"/.exec(html)?.[1] ?? /action="([^"]+)"[^>]*id="op\.logoutForm"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error('no logout form on the page');
  const end = await browser.follow(new URL(action, origin).toString(), {
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ xsrf, logout: 'yes' }) },
    stopAt: (u) => u.toString().startsWith('http://127.0.0.1:9/'),
  });
  return { url: end.url, status: end.response?.status, html: end.response ? await end.response.text() : undefined };
}

/** A relying party's back-channel logout endpoint on 127.0.0.1: records every logout_token posted. */
export interface LogoutReceiver {
  url: string;
  tokens: string[];
  /** Resolves with the next logout_token (or one already received after `since`). */
  next(since?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const ok = req.method === 'POST' && /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
      const token = new URLSearchParams(body).get('logout_token');
      if (ok && token) tokens.push(token);
      res.writeHead(ok && token ? 200 : 400, { 'cache-control': 'no-store' }).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel_logout`;
  return {
    url,
    tokens,
    async next(since = tokens.length) {
      while (tokens.length <= since) await new Promise<void>((r) => waiters.push(r));
      return tokens[since]!;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
