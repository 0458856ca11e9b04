/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingCall, Reply, ServerCore } from './ServerCore.js';
import { SSE_HEADERS } from './sse.js';

/**
 * The `next` of Express, Connect and the like: called by the Node handler for a path that is
 * not one of its routes (or with an error it could not answer).
 * @example
 * ```ts
 * import type { NextFunc } from 'rx-lifecycle/http';
 *
 * const next: NextFunc = (err) => console.log(err === undefined ? 'not mine' : 'failed');
 * next();
 * // not mine
 * ```
 * @category Remote
 */
export type NextFunc = (err?: unknown) => void;

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RangeError(`body is larger than ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function callOf(req: IncomingMessage, maxBodyBytes: number): IncomingCall {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = headersOf(req);
  const parsedBody = (req as { body?: unknown }).body;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    request() {
      const host = headers.get('host') ?? 'localhost';
      const original = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      return new Request(new URL(original, `http://${host}`), { method: req.method ?? 'GET', headers });
    },
    async body() {
      // A framework's body parser may have read the stream already.
      if (parsedBody !== undefined && req.readableEnded) return { parsed: parsedBody };
      return { text: await readText(req, maxBodyBytes) };
    },
  };
}

function sendJson(res: ServerResponse, reply: Reply & { json: string }): void {
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...('headers' in reply ? reply.headers : {}),
  });
  res.end(reply.json);
}

function stream(req: IncomingMessage, res: ServerResponse, reply: Extract<Reply, { watch: unknown }>): void {
  const session = reply.watch;
  req.socket.setNoDelay(true);
  res.writeHead(200, SSE_HEADERS);
  let waiting = false;
  let scheduled = false;
  const pump = (): void => {
    waiting = false;
    scheduled = false;
    if (res.destroyed) return;
    for (let chunk = session.take(); chunk !== undefined; chunk = session.take()) {
      if (!res.write(chunk)) {
        waiting = true;
        res.once('drain', pump);
        return;
      }
    }
  };
  res.on('close', () => session.closed());
  session.open({
    buffered: () => res.writableLength,
    // Changes made in one synchronous burst go out in one write, at the end of the burst.
    wake: () => {
      if (waiting || scheduled || res.destroyed) return;
      scheduled = true;
      queueMicrotask(pump);
    },
    cut: () => res.destroy(),
    end: () => res.end(),
  });
}

/** The Node `http` handler over `core`. */
export function nodeHandler(core: ServerCore, maxBodyBytes: number) {
  return (req: IncomingMessage, res: ServerResponse, next?: NextFunc): void => {
    core.handle(callOf(req, maxBodyBytes)).then(
      (reply) => {
        if ('watch' in reply) stream(req, res, reply);
        else if ('unrouted' in reply && next !== undefined) next();
        else sendJson(res, reply);
      },
      (err: unknown) => {
        if (next !== undefined) next(err);
        else if (!res.headersSent) sendJson(res, { status: 500, json: JSON.stringify({ error: { code: 'ERR_INTERNAL', name: 'Error', message: String((err as Error)?.message ?? err) } }) });
        else res.destroy();
      },
    );
  };
}
