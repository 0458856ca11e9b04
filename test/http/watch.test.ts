/**
 * The watch stream of SPEC section 9: hello, snapshot chunks, numbered changes, filters,
 * resume from the journal, heartbeats, and one serialization per change.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer, type ServiceMapServerOptions } from 'rx-lifecycle/http';
import * as wire from '../../src/internal/wire';
import { WatchSession } from '../../src/http/WatchSession';
import { listen, poll, type Listening } from './helpers';
import { readWatch, watchOver, type WatchReader } from './sse';

interface Hello {
  epoch: string;
  seq: number;
  serverTime: number;
  resumed: boolean;
}
interface ChangeData {
  type: string;
  time: number;
  id: string;
  kind: string;
  state: { active: boolean };
}

const plain = () => new Service(() => {});

let map: ServiceMap<Service>;
let server: ServiceMapServer;
let http: Listening;
const readers: WatchReader[] = [];

async function serve(options: ServiceMapServerOptions = {}): Promise<void> {
  server = createServiceMapServer({ m: map }, options);
  http = await listen(server.node);
}

async function watch(query = '', headers: Record<string, string> = {}): Promise<WatchReader> {
  const reader = await watchOver(`${http.base}/maps/m/watch${query}`, headers);
  readers.push(reader);
  return reader;
}

/** Resolves once the reader has a complete snapshot (or was resumed). */
const live = (r: WatchReader) => r.until((x) => x.events.some((e) => (e.event === 'snapshot' && JSON.parse(e.data).last) || (e.event === 'hello' && JSON.parse(e.data).resumed)), 'live');
const changes = (r: WatchReader) => r.data<ChangeData>('change');

beforeEach(() => {
  map = new ServiceMap(plain);
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  server.close();
  await http.close();
});

describe('GET /maps/:m/watch', () => {
  it('should send a hello, then the snapshot in chunks of 1000 with an id on the last only', async () => {
    for (let i = 0; i < 2500; i++) map.create(`s${String(i).padStart(4, '0')}`, i % 2 ? 'odd' : 'even');
    await serve();
    const r = await watch();
    await live(r);
    expect(r.events[0]!.event).toBe('hello');
    expect(r.events[0]!.id).toBeUndefined();
    const hello = r.data<Hello>('hello')[0]!;
    expect(hello).toEqual({ epoch: expect.any(String), seq: 0, serverTime: expect.any(Number), resumed: false, heartbeatMs: 15000 });
    const chunks = r.events.filter((e) => e.event === 'snapshot');
    expect(chunks.map((c) => JSON.parse(c.data).records.length)).toEqual([1000, 1000, 500]);
    expect(chunks.map((c) => JSON.parse(c.data).last)).toEqual([false, false, true]);
    expect(chunks.map((c) => c.id)).toEqual([undefined, undefined, `${hello.epoch}:0`]);
    const ids = chunks.flatMap((c) => JSON.parse(c.data).records.map((x: { id: string }) => x.id));
    expect(new Set(ids).size).toBe(2500);
  });

  it('should send one empty last chunk for an empty map', async () => {
    await serve();
    const r = await watch();
    await live(r);
    expect(r.data('snapshot')).toEqual([{ records: [], last: true }]);
  });

  it('should number the changes after the snapshot, with type, time, id, kind and state', async () => {
    await serve();
    const r = await watch();
    await live(r);
    map.create('a', 'web', { active: true });
    map.get('a')!.service.stop();
    map.delete('a');
    await r.until((x) => changes(x).length === 3);
    const epoch = r.data<Hello>('hello')[0]!.epoch;
    expect(r.events.filter((e) => e.event === 'change').map((e) => e.id)).toEqual([`${epoch}:1`, `${epoch}:2`, `${epoch}:3`]);
    expect(changes(r).map((c) => [c.type, c.id, c.kind, c.state.active])).toEqual([
      ['add', 'a', 'web', true],
      ['update', 'a', 'web', false],
      ['remove', 'a', 'web', false],
    ]);
    expect(changes(r).every((c) => typeof c.time === 'number')).toBe(true);
  });

  describe('with a filter', () => {
    it('should show only the kind asked for', async () => {
      map.create('a', 'web');
      map.create('b', 'db');
      await serve();
      const r = await watch('?kind=web');
      await live(r);
      map.create('c', 'db', { active: true });
      map.create('d', 'web', { active: true });
      await r.until((x) => changes(x).length === 1);
      expect(r.data<{ records: { id: string }[] }>('snapshot')[0]!.records.map((x) => x.id)).toEqual(['a']);
      expect(changes(r).map((c) => [c.type, c.id])).toEqual([['add', 'd']]);
    });

    it('should send a record entering the set as add and one leaving it as remove', async () => {
      map.create('a', 'web', { active: true });
      map.create('b', 'web');
      await serve();
      const r = await watch('?status=running');
      await live(r);
      map.get('a')!.service.stop(); // leaves
      map.get('b')!.service.start(); // enters
      map.get('b')!.service.stop(); // leaves
      await r.until((x) => changes(x).length === 3);
      expect(changes(r).map((c) => [c.type, c.id, c.state.active])).toEqual([
        ['remove', 'a', false],
        ['add', 'b', true],
        ['remove', 'b', false],
      ]);
    });
  });

  describe('resume', () => {
    it('should send exactly the missed changes and no snapshot for a Last-Event-ID the journal covers', async () => {
      await serve();
      const first = await watch();
      await live(first);
      map.create('a', 'web');
      await first.until((x) => changes(x).length === 1);
      const lastId = first.events[first.events.length - 1]!.id!;
      first.close();
      map.create('b', 'web');
      map.get('a')!.service.start();
      map.delete('b');
      const again = await watch('', { 'last-event-id': lastId });
      await again.until((x) => changes(x).length === 3);
      expect(again.data<Hello>('hello')[0]).toMatchObject({ resumed: true, seq: 4 });
      expect(again.data('snapshot')).toEqual([]);
      expect(changes(again).map((c) => [c.type, c.id])).toEqual([
        ['add', 'b'],
        ['update', 'a'],
        ['remove', 'b'],
      ]);
      // the same through the query parameter
      const viaQuery = await watch(`?lastEventId=${encodeURIComponent(lastId)}`);
      await viaQuery.until((x) => changes(x).length === 3);
      expect(viaQuery.data('snapshot')).toEqual([]);
    });

    it('should send a fresh snapshot when the journal no longer covers the gap', async () => {
      await serve({ journalSize: 2 });
      const first = await watch();
      await live(first);
      const lastId = first.events.find((e) => e.event === 'snapshot')!.id!;
      for (const id of ['a', 'b', 'c']) map.create(id, 'web');
      const again = await watch('', { 'last-event-id': lastId });
      await live(again);
      expect(again.data<Hello>('hello')[0]!.resumed).toBe(false);
      expect(again.data<{ records: unknown[] }>('snapshot')[0]!.records).toHaveLength(3);
    });

    it('should send a fresh snapshot for an id of another epoch or one that is not an id', async () => {
      await serve();
      for (const lastId of ['other:0', 'nonsense', `${'x'}:99`]) {
        const r = await watch('', { 'last-event-id': lastId });
        await live(r);
        expect(r.data<Hello>('hello')[0]!.resumed).toBe(false);
      }
    });
  });

  it('should write a heartbeat comment every heartbeatMs on its scheduler', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 50);
    await serve({ heartbeatMs: 40, scheduler });
    const r = await watch();
    await live(r);
    scheduler.flush(); // the beat at 40
    await r.until((x) => x.comments.length === 1, 'a heartbeat');
    scheduler.maxFrames = 90;
    scheduler.flush(); // the beat at 80
    await r.until((x) => x.comments.length === 2, 'two heartbeats');
    expect(r.comments).toEqual(['', '']);
  });

  it('should serialize each change once, whatever the number of clients', async () => {
    await serve();
    const spy = jest.spyOn(wire, 'toWireRecord');
    try {
      const one = await watch();
      await live(one);
      spy.mockClear();
      map.create('a', 'web');
      await one.until((x) => changes(x).length === 1);
      const withOne = spy.mock.calls.length;
      const more = [await watch(), await watch(), await watch()];
      for (const r of more) await live(r);
      spy.mockClear();
      map.create('b', 'web');
      for (const r of [one, ...more]) await r.until((x) => changes(x).length >= 1 && changes(x).some((c) => c.id === 'b'));
      expect(withOne).toBe(1);
      expect(spy.mock.calls.length).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it.each(['node', 'fetch'] as const)('should stop following the map once a client of the %s handler leaves', async (handler) => {
    await serve();
    const offer = jest.spyOn(WatchSession.prototype, 'offer');
    try {
      const r =
        handler === 'node'
          ? await watch()
          : await (async () => {
              const abort = new AbortController();
              const reader = readWatch(await server.fetch(new Request('http://localhost/maps/m/watch', { signal: abort.signal })), abort);
              readers.push(reader);
              return reader;
            })();
      await live(r);
      map.create('a', 'web');
      await r.until((x) => changes(x).length === 1);
      expect(offer).toHaveBeenCalledTimes(1);
      r.close();
      await poll(() => {
        offer.mockClear();
        map.get('a')!.service[map.get('a')!.service.state.active ? 'stop' : 'start']();
        return offer.mock.calls.length === 0;
      }, 5000, 'the session to be dropped');
    } finally {
      offer.mockRestore();
    }
  });

  it('should end every stream on close()', async () => {
    await serve();
    const r = await watch();
    await live(r);
    server.close();
    await r.until((x) => x.ended() !== undefined, 'the end of the stream');
    expect(r.ended()).toBe('end');
  });
});
