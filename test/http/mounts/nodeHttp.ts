import { createServer } from 'node:http';
import { createServiceMapServer, type ServedMaps } from 'rx-lifecycle/http';

export function serveWithNode(maps: ServedMaps, port: number) {
  const remote = createServiceMapServer(maps, { authorize: ({ action }) => action !== 'delete' });
  // At the root: the routes are /maps, /maps/:m/services, ...
  const server = createServer(remote.node).listen(port, '127.0.0.1');
  return { remote, server };
}
