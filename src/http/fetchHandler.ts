import type { IncomingCall, Reply, ServerCore } from './ServerCore.js';
import { SSE_HEADERS } from './sse.js';
import type { WatchSession } from './WatchSession.js';

/** Bytes a watch stream hands to the runtime before it waits for the client to read. */
const HIGH_WATER = 64 * 1024;

function callOf(request: Request, maxBodyBytes: number): IncomingCall {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    request: () => request,
    async body() {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBodyBytes) throw new RangeError(`body is larger than ${maxBodyBytes} bytes`);
      const text = await request.text();
      if (text.length > maxBodyBytes) throw new RangeError(`body is larger than ${maxBodyBytes} bytes`);
      return { text };
    },
  };
}

function stream(request: Request, session: WatchSession): Response {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let scheduled = false;
  const fill = (): void => {
    scheduled = false;
    while (open && (controller.desiredSize ?? 0) > 0) {
      const chunk = session.take();
      if (chunk === undefined) return;
      controller.enqueue(encoder.encode(chunk));
    }
  };
  // Changes made in one synchronous burst are enqueued as one chunk, at the end of the burst.
  const wake = (): void => {
    if (scheduled || !open) return;
    scheduled = true;
    queueMicrotask(fill);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull: fill,
      cancel() {
        open = false;
        session.closed();
      },
    },
    { highWaterMark: HIGH_WATER, size: (chunk) => chunk.byteLength },
  );
  request.signal?.addEventListener('abort', () => {
    open = false;
    session.closed();
  });
  session.open({
    buffered: () => HIGH_WATER - (controller.desiredSize ?? HIGH_WATER),
    wake,
    cut: () => {
      open = false;
      controller.error(new Error('client too far behind'));
    },
    end: () => {
      open = false;
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

/** The WHATWG fetch handler over `core`. */
export function fetchHandler(core: ServerCore, maxBodyBytes: number) {
  return async (request: Request): Promise<Response> => {
    const reply: Reply = await core.handle(callOf(request, maxBodyBytes));
    if ('watch' in reply) return stream(request, reply.watch);
    const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...('headers' in reply ? reply.headers : {}) };
    return new Response(reply.json, { status: reply.status, headers });
  };
}
