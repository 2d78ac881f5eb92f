/** One server-sent event. */
export interface ServerEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads a text/event-stream body (WHATWG "server-sent events" framing: `field: value` lines, a
 * blank line ends an event, `:` lines are comments) and yields its events.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: Partial<ServerEvent> & { data?: string } = {};
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (current.data !== undefined) yield { event: current.event ?? 'message', id: current.id, data: current.data };
        current = {};
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') current.data = current.data === undefined ? value : `${current.data}\n${value}`;
        else if (field === 'event') current.event = value;
        else if (field === 'id') current.id = value;
      }
    }
  }
}
