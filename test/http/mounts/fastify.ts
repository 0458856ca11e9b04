import Fastify from 'fastify';
import { createServiceMapServer, type ServedMaps } from 'rx-lifecycle/http';

export async function serveWithFastify(maps: ServedMaps, port: number) {
  const remote = createServiceMapServer(maps, { authorize: ({ action }) => action !== 'delete' });
  const app = Fastify();
  await app.register(async (scope) => {
    // Leave request bodies unread: the handler reads and validates them itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _body, done) => done(null));
    scope.all('/api/*', (req, reply) => {
      reply.hijack(); // the handler writes the response, streams included
      req.raw.url = req.raw.url!.slice('/api'.length);
      remote.node(req.raw, reply.raw);
    });
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { remote, app };
}
