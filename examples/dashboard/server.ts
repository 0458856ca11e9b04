/**
 * Serves the dashboard next to the supervisor: the page and its script at `/`, and the map
 * as a remote map (rx-lifecycle/http) under `/api`. Reads are open; start, stop and configure
 * are allowed from 127.0.0.1 only, create and delete not at all.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ServiceMap } from 'rx-lifecycle';
import type { RemoteCommands } from 'rx-lifecycle/client';
import { createServiceMapServer } from 'rx-lifecycle/http';
import { bundleDashboard } from './bundle';

/** A served dashboard. */
export interface Dashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** Ends the event streams, closes every connection and stops listening. */
  close(): Promise<void>;
}

export interface DashboardOptions {
  /** The port to listen on, on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** When `port` is taken, listen on a free one instead of failing (for a default port). */
  readonly fallbackToFreePort?: boolean;
}

const COMMANDS_ALLOWED = new Set(['read', 'start', 'stop', 'configure']);

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Bundles the page, then serves it and `map` (as the remote map `services`). */
export async function serveDashboard(map: ServiceMap | RemoteCommands, options: DashboardOptions): Promise<Dashboard> {
  const script = await bundleDashboard();
  const html = readFileSync(join(__dirname, 'index.html'), 'utf8');
  const api = createServiceMapServer(
    { services: map },
    { exposeConfig: true, authorize: ({ action }) => COMMANDS_ALLOWED.has(action) },
  );

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/api' || url.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD' && !isLoopback(req.socket.remoteAddress)) {
        send(res, 403, 'application/json', JSON.stringify({ error: { code: 'ERR_FORBIDDEN', name: 'Forbidden', message: 'commands are allowed from 127.0.0.1 only' } }));
        return;
      }
      req.url = url.slice('/api'.length) || '/';
      api.node(req, res);
    } else if (req.method !== 'GET') send(res, 405, 'text/plain', 'method not allowed');
    else if (url === '/' || url === '/index.html') send(res, 200, 'text/html; charset=utf-8', html);
    else if (url === '/app.js') send(res, 200, 'text/javascript; charset=utf-8', script);
    else if (url === '/favicon.ico') send(res, 204, 'image/x-icon', '');
    else send(res, 404, 'text/plain', 'not found');
  });

  try {
    await listen(server, options.port);
  } catch (err) {
    if (!options.fallbackToFreePort || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    await listen(server, 0);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        api.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
