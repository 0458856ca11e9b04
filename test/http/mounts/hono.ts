import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createServiceMapServer, type ServedMaps } from 'rx-lifecycle/http';

export function serveWithHono(maps: ServedMaps, port: number) {
  const remote = createServiceMapServer(maps, { authorize: ({ action }) => action !== 'delete' });
  const app = new Hono();
  // `mount` strips /api and hands the request to the fetch handler.
  app.mount('/api', remote.fetch);
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  return { remote, server };
}
