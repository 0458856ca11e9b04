/** RemoteServiceMap: connection, commands, errors, reconnects and filters, over real HTTP. */
import { build } from 'esbuild';
import * as path from 'node:path';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  AlreadyExistsError,
  AlreadyStartedError,
  AlreadyStoppedError,
  LifecycleError,
  NotFoundError,
  Service,
  ServiceMap,
  statusOf,
  type StateChange,
} from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer } from 'rx-lifecycle/http';
import { RemoteError, RemoteServiceMap, type RemoteConnection, type RemoteStateRecord } from 'rx-lifecycle/client';
import { changeKey } from '../shared/serviceStatesSuite';
import { listen, remoteSetup, until, type Listening, type RemoteSetup } from '../http/helpers';

const plainMap = () => new ServiceMap(() => new Service(() => {}));
const live = (remote: RemoteServiceMap) => firstValueFrom(remote.connection$.pipe(filter((c) => c.status === 'live')));

describe('RemoteServiceMap', () => {
  let setup: RemoteSetup;
  afterEach(() => setup?.close());

  describe('connection$', () => {
    it('should go from connecting to live with a clock offset, and end with closed', async () => {
      const map = plainMap();
      const server = createServiceMapServer({ m: map });
      const http = await listen(server.node);
      const remote = new RemoteServiceMap(http.base, { map: 'm' });
      const all = lastValueFrom(remote.connection$.pipe(toArray()));
      await live(remote);
      remote.close();
      const seen: RemoteConnection[] = await all;
      expect(seen.map((c) => c.status)).toEqual(['connecting', 'live', 'closed']);
      expect(Math.abs(seen[1]!.clockOffset)).toBeLessThan(60_000);
      server.close();
      await http.close();
    });

    it('should complete its streams on close()', async () => {
      setup = await remoteSetup(plainMap());
      const done = lastValueFrom(setup.remote.states$.pipe(toArray()));
      const stateOf = lastValueFrom(setup.remote.stateOf$('nobody').pipe(toArray()));
      setup.remote.close();
      expect((await done).length).toBeGreaterThan(0);
      expect(await stateOf).toEqual([undefined]);
    });
  });

  describe('commands', () => {
    beforeEach(async () => {
      const map = plainMap();
      map.create('a', 'web', { active: true });
      map.create('b', 'web');
      setup = await remoteSetup(map, { exposeConfig: true });
    });

    it('should settle only once the mirror shows the effect', async () => {
      const stopped = await setup.remote.stop('a');
      expect(stopped.state.active).toBe(false);
      expect(setup.remote.states().find((r) => r.id === 'a')!.state).toBe(stopped.state);
      const created = await setup.remote.create({ id: 'c', kind: 'db', active: true, config: '{"x":1}' });
      expect(setup.remote.states().find((r) => r.id === 'c')).toBe(created);
      expect(created.state.config).toBe('{"x":1}');
      const configured = await setup.remote.configure('b', '{"y":2}');
      expect(setup.remote.states().find((r) => r.id === 'b')!.state.config).toBe('{"y":2}');
      expect(configured.state.lastConfigTime).toBe(setup.map.get('b')!.service.state.lastConfigTime);
      await setup.remote.delete('c');
      expect(setup.remote.states().map((r) => r.id).sort()).toEqual(['a', 'b']);
      const minted = await setup.remote.create({ kind: 'db' });
      expect(minted.id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should configure with ifConfigTime, refusing a stale one with a 412', async () => {
      const { lastConfigTime } = (await setup.remote.configure('b', '{"v":1}')).state;
      await expect(setup.remote.configure('b', '{"v":2}', { ifConfigTime: lastConfigTime! - 1 })).rejects.toMatchObject({ status: 412, code: 'ERR_PRECONDITION_FAILED' });
      const ok = await setup.remote.configure('b', '{"v":3}', { ifConfigTime: lastConfigTime! });
      expect(ok.state.config).toBe('{"v":3}');
    });

    it('should reject with the library classes by code, and RemoteError otherwise', async () => {
      await expect(setup.remote.start('a')).rejects.toBeInstanceOf(AlreadyStartedError);
      await expect(setup.remote.stop('b')).rejects.toBeInstanceOf(AlreadyStoppedError);
      await expect(setup.remote.create({ id: 'a', kind: 'web' })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(setup.remote.delete('zz')).rejects.toBeInstanceOf(NotFoundError);
      const bad = await setup.remote.configure('b', '{nope').catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(RemoteError);
      expect(bad).toBeInstanceOf(LifecycleError);
      expect(bad).toMatchObject({ status: 400, name: 'RemoteError' });
      expect((bad as Error).message).toContain('JSON');
    });

    it('should reject with a RemoteError of status 0 when the server cannot be reached', async () => {
      const remote = new RemoteServiceMap('http://127.0.0.1:9', { map: 'm', retry: { maxAttempts: 1 } });
      await expect(remote.start('a')).rejects.toMatchObject({ status: 0, code: 'ERR_NETWORK' });
      remote.close();
    });
  });

  describe('across a reconnect', () => {
    /** The server's own listener and the client's, both from now on. */
    function logs(s: RemoteSetup): { server: string[]; client: StateChange<RemoteStateRecord>[] } {
      const server: string[] = [];
      const client: StateChange<RemoteStateRecord>[] = [];
      s.map.getAndListenState()[1].subscribe((c) => server.push(changeKey(c)));
      s.remote.getAndListenState()[1].subscribe((c) => client.push(c));
      return { server, client };
    }

    async function dropAndChange(s: RemoteSetup, change: () => void): Promise<void> {
      const reconnecting = firstValueFrom(s.remote.connection$.pipe(filter((c) => c.status === 'reconnecting')));
      s.http.server.closeAllConnections(); // destroys the watch stream's socket
      await reconnecting;
      change();
      await live(s.remote);
    }

    it('should deliver exactly the server changes when the journal covers the gap', async () => {
      const map = plainMap();
      map.create('a', 'web');
      setup = await remoteSetup(map);
      const log = logs(setup);
      await dropAndChange(setup, () => {
        map.create('b', 'web', { active: true });
        map.get('a')!.service.start();
        map.delete('b');
      });
      await until(setup.remote.states$, () => log.client.length >= log.server.length);
      expect(log.client.map(changeKey)).toEqual(log.server);
    });

    it('should deliver the true differences, removals included, after a fresh snapshot', async () => {
      const map = plainMap();
      for (const id of ['a', 'b', 'c']) map.create(id, 'web');
      setup = await remoteSetup(map, { journalSize: 1 });
      const log = logs(setup);
      await dropAndChange(setup, () => {
        map.delete('a'); // removed
        map.get('b')!.service.start(); // updated
        map.create('d', 'web'); // added
        map.create('e', 'web');
        map.delete('e'); // came and went: never seen
      });
      await until(setup.remote.states$, () => setup.remote.states().length === 3 && log.client.length >= 3);
      const seen = log.client.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`).sort();
      expect(seen).toEqual(['add d', 'remove a', 'update b']);
      expect(log.client.find((c) => c.changeType === 'update')!.oldValue!.state.active).toBe(false);
    });

    it('should reconnect to a restarted server (a new epoch) and show its records', async () => {
      let current: Listening;
      let server: ServiceMapServer;
      const first = plainMap();
      first.create('a', 'web');
      first.create('b', 'web');
      server = createServiceMapServer({ m: first });
      current = await listen(server.node);
      // the client always reaches the current server, wherever it listens
      const route: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/[^/]+/, current.base), init);
      const remote = new RemoteServiceMap('http://server', { map: 'm', fetch: route, retry: { initialDelay: 20, minDelay: 20 } });
      await live(remote);
      const changes: string[] = [];
      remote.getAndListenState()[1].subscribe((c) => changes.push(`${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`));
      server.close();
      await current.close();
      const second = plainMap();
      second.create('b', 'web');
      second.create('c', 'web');
      server = createServiceMapServer({ m: second });
      current = await listen(server.node);
      await until(remote.states$, () => remote.states().map((r) => r.id).sort().join() === 'b,c');
      expect(changes.sort()).toEqual(['add c', 'remove a', 'update b']); // b was re-created: a new lastInactiveTime
      remote.close();
      server.close();
      await current.close();
    });
  });

  describe('with a filter', () => {
    it('should mirror only the kind and status asked for, removing what leaves the set', async () => {
      const map = plainMap();
      map.create('a', 'web', { active: true });
      map.create('b', 'db', { active: true });
      map.create('c', 'web');
      setup = await remoteSetup(map, {}, { kind: 'web', status: 'running' });
      expect(setup.remote.states().map((r) => r.id)).toEqual(['a']);
      map.get('c')!.service.start();
      map.get('a')!.service.stop();
      await until(setup.remote.states$, () => setup.remote.states().map((r) => r.id).join() === 'c');
      expect(statusOf(setup.remote.states()[0]!.state)).toBe('running');
    });

    it('should settle a command on a record the filter keeps out', async () => {
      const map = plainMap();
      map.create('a', 'web', { active: true });
      map.create('d', 'db');
      setup = await remoteSetup(map, {}, { kind: 'web' });
      const started = await setup.remote.start('d'); // never shown: not a web service
      expect(started.state.active).toBe(true);
      expect(setup.remote.states().map((r) => r.id)).toEqual(['a']);
      const stopped = await setup.remote.stop('a'); // shown: a web service
      expect(setup.remote.states()[0]!.state).toBe(stopped.state);
    });
  });

  describe('options', () => {
    it('should refuse a bad url or map name, naming it', () => {
      expect(() => new RemoteServiceMap('', { map: 'm' })).toThrow('url');
      expect(() => new RemoteServiceMap('http://x', { map: '' })).toThrow('options.map');
      expect(() => new RemoteServiceMap('http://x', { map: 'm', fetch: 5 as never })).toThrow('options.fetch');
    });

    it('should send its headers, from a function too, on every request', async () => {
      const seen: (string | null)[] = [];
      const map = plainMap();
      map.create('a', 'web');
      const server = createServiceMapServer({ m: map }, { authenticate: (req) => void seen.push(req.headers.get('x-token')), authorize: () => true });
      const http = await listen(server.node);
      let n = 0;
      const remote = new RemoteServiceMap(http.base, { map: 'm', headers: () => ({ 'x-token': `t${++n}` }) });
      await live(remote);
      await remote.start('a');
      expect(seen).toEqual(['t1', 't2']);
      remote.close();
      server.close();
      await http.close();
    });
  });
});

describe('rx-lifecycle/client in a browser bundle', () => {
  it('should bundle for the browser without any Node module', async () => {
    const result = await build({
      entryPoints: [path.join(__dirname, '../../src/client/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      external: ['rxjs'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from ['"](node:)?(http|net|stream|buffer)['"]|require\(['"]node:/);
    expect(code).toContain('RemoteServiceMap');
  });
});
