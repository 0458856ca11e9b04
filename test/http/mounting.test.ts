/**
 * The server mounted under plain node:http, Express, Fastify and Hono, exactly as the
 * "Remote maps" guide shows it: the examples live in test/http/mounts/, the guide must hold
 * each one verbatim, and each is run here with a RemoteServiceMap reading and commanding
 * through it.
 */
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { Service, ServiceMap } from 'rx-lifecycle';
import { RemoteError, RemoteServiceMap } from 'rx-lifecycle/client';
import { serveWithExpress } from './mounts/express';
import { serveWithFastify } from './mounts/fastify';
import { serveWithHono } from './mounts/hono';
import { serveWithNode } from './mounts/nodeHttp';
import type { ServiceMapServer } from 'rx-lifecycle/http';

interface Mounted {
  readonly remote: ServiceMapServer;
  readonly url: string;
  close(): Promise<void>;
}

function portOf(server: Server): Promise<number> {
  if (server.listening) return Promise.resolve((server.address() as AddressInfo).port);
  return new Promise((resolve) => server.once('listening', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const mounts: [string, string, (maps: { drivers: ServiceMap<Service> }) => Promise<Mounted>][] = [
  [
    'node:http',
    'nodeHttp.ts',
    async (maps) => {
      const { remote, server } = serveWithNode(maps, 0);
      return { remote, url: `http://127.0.0.1:${await portOf(server)}`, close: () => closeServer(server) };
    },
  ],
  [
    'Express',
    'express.ts',
    async (maps) => {
      const { remote, server } = serveWithExpress(maps, 0);
      return { remote, url: `http://127.0.0.1:${await portOf(server)}/api`, close: () => closeServer(server) };
    },
  ],
  [
    'Fastify',
    'fastify.ts',
    async (maps) => {
      const { remote, app } = await serveWithFastify(maps, 0);
      return { remote, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api`, close: () => app.close() };
    },
  ],
  [
    'Hono',
    'hono.ts',
    async (maps) => {
      const { remote, server } = serveWithHono(maps, 0);
      return { remote, url: `http://127.0.0.1:${await portOf(server as Server)}/api`, close: () => closeServer(server as Server) };
    },
  ],
];

const guide = fs.readFileSync(path.join(__dirname, '../../docs/remote.md'), 'utf8');

describe.each(mounts)('createServiceMapServer under %s', (_name, file, mount) => {
  it('should be shown verbatim in docs/remote.md', () => {
    const example = fs.readFileSync(path.join(__dirname, 'mounts', file), 'utf8').trim();
    expect(guide).toContain(example);
  });

  it('should serve lists, a live mirror and commands, and refuse what its policy refuses', async () => {
    const drivers = new ServiceMap(() => new Service(() => {}));
    drivers.create('plc-1', 'modbus', { active: true });
    const mounted = await mount({ drivers });
    const client = new RemoteServiceMap(mounted.url, { map: 'drivers' });
    try {
      const list = await (await fetch(`${mounted.url}/maps/drivers/services`)).json();
      expect(list).toMatchObject({ totalSize: 1, services: [{ id: 'plc-1', kind: 'modbus' }] });
      await firstValueFrom(client.connection$.pipe(filter((c) => c.status === 'live'), timeout(5000)));
      expect(client.states().map((r) => r.id)).toEqual(['plc-1']);
      expect((await client.stop('plc-1')).state.active).toBe(false);
      expect(drivers.get('plc-1')!.service.state.active).toBe(false);
      const created = await client.create({ id: 'plc-2', kind: 'modbus', active: true, config: '{"unit":2}' });
      expect(created.state.active).toBe(true);
      await expect(client.delete('plc-2')).rejects.toMatchObject({ status: 403 });
      await expect(client.delete('plc-2')).rejects.toBeInstanceOf(RemoteError);
      const refused = await fetch(`${mounted.url}/maps/drivers/services/plc-1/start`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(refused.status).toBe(415);
    } finally {
      client.close();
      mounted.remote.close();
      await mounted.close();
    }
  });
});
