/** The device API refused a call: its JSON error, with the HTTP status. */
export class DeviceApiError extends Error {
  override name = 'DeviceApiError';
  constructor(readonly status: number, readonly error: string, readonly code: string | undefined, description: string) {
    super(`${status} ${error}${code ? ` (${code})` : ''}: ${description}`);
  }
}

/** One JSON call to the device API; a non-2xx answer becomes a DeviceApiError. */
export async function call<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    throw new DeviceApiError(res.status, String(body.error ?? 'error'), body.code as string | undefined, String(body.error_description ?? text));
  }
  return body as T;
}
