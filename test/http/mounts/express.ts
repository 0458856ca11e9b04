import express from 'express';
import { createServiceMapServer, type ServedMaps } from 'rx-lifecycle/http';

export function serveWithExpress(maps: ServedMaps, port: number) {
  const remote = createServiceMapServer(maps, { authorize: ({ action }) => action !== 'delete' });
  const app = express();
  // Express strips the mount path; unknown paths under /api go on to `next`.
  app.use('/api', remote.node);
  const server = app.listen(port, '127.0.0.1');
  return { remote, server };
}
