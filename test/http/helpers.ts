/**
 * Helpers of the remote map tests: a real HTTP server on 127.0.0.1 (port 0) around a handler,
 * a harness of the shared ServiceStates suite over HTTP, and waiting with a bound.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { ServiceMap, type CreateFunc } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer, type ServiceMapServerOptions } from 'rx-lifecycle/http';
import { RemoteServiceMap, type RemoteServiceMapOptions } from 'rx-lifecycle/client';
import type { StatesHarness } from '../shared/serviceStatesSuite';

/** A listening server and how to stop it (open streams included). */
export interface Listening {
  readonly base: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1, on a free port. */
export async function listen(handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `check()` holds, testing it after each value of `trigger` (and at once); rejects after `ms`. */
export async function until<T>(trigger: Observable<T>, check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  if (check()) return;
  await firstValueFrom(trigger.pipe(filter(() => check()), timeout({ first: ms, with: () => { throw new Error(`timed out after ${ms} ms waiting for ${what}`); } })));
}

/** Resolves once `check()` holds, polling every 10 ms; rejects after `ms`. */
export async function poll(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A server of one map `m` and a RemoteServiceMap on it, both on 127.0.0.1. */
export interface RemoteSetup {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly map: ServiceMap<any>;
  readonly server: ServiceMapServer;
  readonly http: Listening;
  readonly remote: RemoteServiceMap;
  close(): Promise<void>;
}

/** Starts a server of `map` and connects a RemoteServiceMap to it; resolves once the mirror is live. */
export async function remoteSetup(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  map: ServiceMap<any>,
  serverOptions: ServiceMapServerOptions = {},
  clientOptions: Partial<RemoteServiceMapOptions> = {},
): Promise<RemoteSetup> {
  const server = createServiceMapServer({ m: map }, { authorize: () => true, ...serverOptions });
  const http = await listen(server.node);
  const remote = new RemoteServiceMap(http.base, { map: 'm', retry: { initialDelay: 20, minDelay: 20, maxDelay: 200 }, ...clientOptions });
  await firstValueFrom(remote.connection$.pipe(filter((c) => c.status === 'live'), timeout(5000)));
  return {
    map,
    server,
    http,
    remote,
    close: async () => {
      remote.close();
      server.close();
      await http.close();
    },
  };
}

/** The shared suite's harness over real HTTP. */
export async function httpHarness(create: CreateFunc): Promise<StatesHarness> {
  const setup = await remoteSetup(new ServiceMap(create));
  let made = 0;
  let seen = 0;
  const truth = setup.map.getAndListenState()[1].subscribe(() => made++);
  const mirror = setup.remote.getAndListenState()[1].subscribe(() => seen++);
  return {
    states: setup.remote,
    map: setup.map,
    settle: () => until(setup.remote.states$, () => seen >= made, 5000, 'the mirror to catch up'),
    close: async () => {
      truth.unsubscribe();
      mirror.unsubscribe();
      await setup.close();
    },
  };
}
