/**
 * Server-Sent Events framing, kept small: an event is `id:` (optional), `event:` and one
 * `data:` line of JSON (JSON text never holds a raw newline), then a blank line.
 */

/** One event frame. */
export function sseEvent(event: string, data: string, id?: string): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** A comment line: keeps proxies and the client's idle check from closing a quiet stream. */
export const SSE_HEARTBEAT = ':\n\n';

/** The response headers of an event stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};
