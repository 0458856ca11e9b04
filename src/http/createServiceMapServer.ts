/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import type { RemoteCommands } from '../client/RemoteCommands.js';
import type { ServiceMap } from '../ServiceMap.js';
import { fetchHandler } from './fetchHandler.js';
import { nodeHandler, type NextFunc } from './nodeHandler.js';
import { resolveOptions, type ServiceMapServerOptions } from './options.js';
import { ServerCore } from './ServerCore.js';

/**
 * The maps a server serves, by name: `ServiceMap`s of any service type, or anything with the
 * commands of a `RemoteServiceMap` (a NATS fleet). Names are path segments of the URLs.
 * @example
 * ```ts
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import type { ServedMaps } from 'rx-lifecycle/http';
 *
 * const maps: ServedMaps = { drivers: new ServiceMap(() => new Service(() => {})) };
 * console.log(Object.keys(maps)); // [ 'drivers' ]
 * ```
 * @category Remote
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServedMaps = Readonly<Record<string, ServiceMap<any> | RemoteCommands>>;

/**
 * A server of remote maps, as {@link createServiceMapServer} returns it: one state, two ways
 * to mount it.
 * @example
 * ```ts no-run
 * import { createServer } from 'node:http';
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { createServiceMapServer, type ServiceMapServer } from 'rx-lifecycle/http';
 *
 * const server: ServiceMapServer = createServiceMapServer({ drivers: new ServiceMap(() => new Service(() => {})) });
 * createServer(server.node).listen(8090);
 * ```
 * @category Remote
 */
export interface ServiceMapServer {
  /**
   * The Node `http` handler: routes on `req.url` below its mount point (Express and Connect
   * strip the mount path). With `next`, a path that is not one of its routes goes to `next`.
   */
  node(req: IncomingMessage, res: ServerResponse, next?: NextFunc): void;
  /** The WHATWG fetch handler (Hono, Bun, Deno): routes on the request URL's path. */
  fetch(request: Request): Promise<Response>;
  /** Ends every watch stream, stops following the maps and answers `503` from then on. */
  close(): void;
}

/**
 * Serves maps over HTTP and Server-Sent Events (SPEC section 9): paged and filtered lists, a
 * watch stream that starts with a snapshot and goes on with numbered changes (resumable with
 * `Last-Event-ID`), and commands behind `authenticate`/`authorize`.
 *
 * @remarks
 * Endpoints, below the mount point: `GET /maps`, `GET /maps/:m/services` (`kind`, `status`,
 * `pageSize`, `pageToken`), `GET /maps/:m/services/:id`, `GET /maps/:m/summary`,
 * `GET /maps/:m/watch` (`kind`, `status`), `POST /maps/:m/services/:id/start|stop|configure`,
 * `POST /maps/:m/services`, `DELETE /maps/:m/services/:id`. See the "Remote maps" guide for
 * the events, resume rules and error bodies.
 *
 * Each map is followed through one subscription from the start; each change is numbered
 * and serialized once, kept in a journal of `journalSize` changes, and the same text is
 * written to every watching client whose filter it passes.
 *
 * @param maps - the maps to serve by name: `ServiceMap`s, or anything with the commands of a
 * `RemoteServiceMap` (a NATS fleet).
 * @param options - see {@link ServiceMapServerOptions}.
 * @returns the handlers and `close`.
 * @throws TypeError or RangeError for a bad option, naming it.
 * @example
 * ```ts
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { createServiceMapServer } from 'rx-lifecycle/http';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'worker', { active: true });
 * const server = createServiceMapServer({ workers: map });
 * const res = await server.fetch(new Request('http://localhost/maps/workers/services'));
 * const body = await res.json();
 * console.log(res.status, body.totalSize, body.services[0].id, body.services[0].state.active); // 200 1 a true
 * server.close();
 * ```
 * @category Remote
 */
export function createServiceMapServer(
  maps: ServedMaps,
  options?: ServiceMapServerOptions,
): ServiceMapServer {
  if (maps === null || typeof maps !== 'object') throw new TypeError(`maps must be an object of maps by name, got ${String(maps)}`);
  for (const [name, map] of Object.entries(maps)) {
    if (map === null || typeof map !== 'object' || typeof (map as ServiceMap).getAndListenState !== 'function') {
      throw new TypeError(`maps.${name} must be a ServiceMap or RemoteCommands`);
    }
  }
  const resolved = resolveOptions(options);
  const core = new ServerCore(maps, resolved);
  let heartbeat: Subscription | undefined = resolved.scheduler.schedule(function beat(this: { schedule(s?: unknown, d?: number): void }) {
    for (const session of core.sessions()) session.heartbeat();
    this.schedule(undefined, resolved.heartbeatMs);
  }, resolved.heartbeatMs);
  unrefTimer(heartbeat);
  return {
    node: nodeHandler(core, resolved.maxBodyBytes),
    fetch: fetchHandler(core, resolved.maxBodyBytes),
    close() {
      heartbeat?.unsubscribe();
      heartbeat = undefined;
      core.close();
    },
  };
}

/** Lets Node exit while only the heartbeat timer is left (it keeps the process alive otherwise). */
function unrefTimer(subscription: Subscription): void {
  const id = (subscription as unknown as { id?: { unref?: () => void } }).id;
  if (id !== null && typeof id === 'object' && typeof id.unref === 'function') id.unref();
}
