/**
 * A minimal cookie-keeping HTTP user agent for flow tests (the real browser tests use Chromium).
 * Follows redirects by hand so that tests can stop at the relying party's redirect URI.
 */
export class BrowserSession {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until one leaves `origin` or lands on `stopAt`; returns the last URL and response. */
  async follow(url: string, { stopAt, init }: { stopAt?: (u: URL) => boolean; init?: RequestInit } = {}): Promise<{ url: URL; response?: Response }> {
    let current = new URL(url);
    let requestInit = init;
    for (let i = 0; i < 20; i += 1) {
      if (stopAt?.(current)) return { url: current };
      const response = await this.fetch(current.toString(), requestInit);
      requestInit = undefined;
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current);
    }
    throw new Error('too many redirects');
  }
}
