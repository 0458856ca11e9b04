/**
 * publishServiceMap and natsFleet in one process against a real nats-server: options,
 * refusals with the HTTP server's codes, close, stale counting, and a fleet served over HTTP.
 */
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AlreadyExistsError, NotFoundError, Service, ServiceMap } from 'rx-lifecycle';
import { RemoteError, RemoteServiceMap } from 'rx-lifecycle/client';
import { createServiceMapServer } from 'rx-lifecycle/http';
import { natsFleet, publishServiceMap, type NatsFleet, type ServiceMapPublication } from 'rx-lifecycle/nats';
import { asyncScheduler, firstValueFrom, type SchedulerLike } from 'rxjs';
import { listen } from '../http/helpers';
import { startNats, until, type RunningNats } from './natsServer';

let server: RunningNats;
let nc: NatsConnection;
let buckets = 0;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
}, 300_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop({ removeStore: true });
});

/** A map of `picky` services (a config `"bad"` fails its load, `"{"` does not parse), published as n1/m into a fresh bucket, and a fleet on it. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(staleAfterMs = 60_000, heartbeatMs = 100): Promise<{ map: ServiceMap<Service<string>>; publication: ServiceMapPublication; fleet: NatsFleet; bucket: string; close(): Promise<void> }> {
  const bucket = `in-process-${++buckets}`;
  const map = new ServiceMap(
    () =>
      new Service<string>(
        (config) => {
          if (config === 'bad') throw new Error('bad config');
        },
        {
          parse: (raw) => {
            if (raw === '{') throw new SyntaxError('unparsable config');
            return String(raw);
          },
        },
      ),
  );
  const publication = publishServiceMap(map, { nc, node: 'n1', name: 'm', bucket, heartbeatMs });
  await publication.ready;
  const fleet = natsFleet({ nc, bucket, staleAfterMs, timeout: 2000 });
  await fleet.ready;
  cleanups.push(async () => {
    await fleet.close();
    await publication.close();
  });
  return {
    map,
    publication,
    fleet,
    bucket,
    close: async () => {
      await fleet.close();
      await publication.close();
    },
  };
}

describe('publishServiceMap', () => {
  it('should name the option at fault', () => {
    const map = new ServiceMap(() => new Service(() => {}));
    expect(() => publishServiceMap(map, { nc: {} as NatsConnection, node: 'n', name: 'm' })).toThrow(/^nc must be a NATS connection/);
    expect(() => publishServiceMap(map, { nc, node: 'a.b', name: 'm' })).toThrow(/^node must match \[A-Za-z0-9_-\]\+/);
    expect(() => publishServiceMap(map, { nc, node: 'n', name: '' })).toThrow(/^name must match/);
    expect(() => publishServiceMap(map, { nc, node: 'n', name: 'm', bucket: 'a.b' })).toThrow(/^bucket must match/);
    expect(() => publishServiceMap(map, { nc, node: 'n', name: 'm', heartbeatMs: -1 })).toThrow(/heartbeatMs/);
    expect(() => natsFleet({ nc, staleAfterMs: 0 })).toThrow(/staleAfterMs/);
    expect(() => natsFleet({ nc, timeout: Number.NaN })).toThrow(/timeout/);
  });

  it('should start by deleting the keys of services its map no longer has', async () => {
    const s = await setup();
    s.map.create('gone', 'picky');
    s.map.create('kept', 'picky');
    await until('both records', () => s.fleet.states().length === 2);
    await s.publication.close(); // the keys stay while the node is away
    s.map.delete('gone');
    const again = publishServiceMap(s.map, { nc, node: 'n1', name: 'm', bucket: s.bucket, heartbeatMs: 100 });
    await again.ready;
    await until('the reconciled bucket', () => s.fleet.states().length === 1 && !s.fleet.states()[0]!.stale);
    expect(s.fleet.states().map((r) => r.id)).toEqual(['n1/m/kept']);
    await again.close();
    await s.close();
  });

  it('should leave the connection open when it and the fleet close', async () => {
    const s = await setup();
    await s.close();
    expect(nc.isClosed()).toBe(false);
    await nc.flush();
  });
});

describe('natsFleet commands', () => {
  it('should answer with the codes of the HTTP server', async () => {
    const s = await setup();
    const created = await s.fleet.create({ id: 'n1/m/a', kind: 'picky', config: 'v1' });
    const at = created.state.lastConfigTime!;
    await expect(s.fleet.create({ id: 'n1/m/a', kind: 'picky' })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(s.fleet.delete('n1/m/none')).rejects.toBeInstanceOf(NotFoundError);
    const stale = s.fleet.configure('n1/m/a', 'v2', { ifConfigTime: at - 1 });
    await expect(stale).rejects.toBeInstanceOf(RemoteError);
    await expect(stale).rejects.toMatchObject({ status: 412, code: 'ERR_PRECONDITION_FAILED' });
    const configured = await s.fleet.configure('n1/m/a', 'v2', { ifConfigTime: at });
    expect(configured.state.lastConfigTime).toBeGreaterThanOrEqual(at);
    await expect(s.fleet.create({ id: 'n1/m/b', kind: '' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^kind/) });
    await expect(s.fleet.start('n1/other/a')).rejects.toMatchObject({ status: 503, code: 'ERR_UNREACHABLE' });
    await expect(s.fleet.configure('n1/m/a', '{')).rejects.toMatchObject({ status: 400, message: 'unparsable config' });
    await expect(s.fleet.create({ id: 'n1/m/c', kind: 'picky', active: true, config: '{' })).rejects.toMatchObject({ status: 400 });
    expect(s.map.get('c')).toBeUndefined();
    const failed = await s.fleet.create({ id: 'n1/m/d', kind: 'picky', active: true, config: 'bad' });
    expect(failed).toMatchObject({ id: 'n1/m/d', state: { active: false, error: expect.objectContaining({ message: 'bad config' }) } });
    await s.close();
  });

  it('should mark records stale at once when their publisher closes, and count them apart', async () => {
    const s = await setup();
    s.map.create('a', 'picky', { active: true });
    s.map.create('b', 'picky');
    await until('two records', () => s.fleet.states().length === 2);
    expect(await firstValueFrom(s.fleet.summary$)).toMatchObject({ total: 2, active: 1, stale: 0 });
    await s.publication.close();
    await until('stale records', () => s.fleet.states().every((r) => r.stale));
    expect(await firstValueFrom(s.fleet.summary$)).toEqual({ total: 2, active: 0, loading: 0, retrying: 0, failed: 0, stale: 2, byKind: { picky: 2 } });
    await s.fleet.close();
  });

  it('should mark records stale when the heartbeat stops for staleAfterMs', async () => {
    const s = await setup(1500);
    s.map.create('a', 'picky', { active: true });
    await until('a record', () => s.fleet.states().length === 1);
    await s.publication.close();
    await until('stale at the goodbye', () => s.fleet.states()[0]?.stale === true);
    // one more heartbeat, as from a node that then dies without a goodbye
    const kv = await new Kvm(nc).open(s.bucket);
    const beat = Date.now();
    await kv.put('=hb.n1.m', JSON.stringify({ time: Date.now(), heartbeatMs: 100 }));
    await until('fresh after the heartbeat', () => s.fleet.states()[0]?.stale === undefined);
    await until('stale after staleAfterMs', () => s.fleet.states()[0]?.stale === true, 10_000);
    expect(Date.now() - beat).toBeGreaterThanOrEqual(1490); // not before staleAfterMs from the heartbeat
    await s.fleet.close();
  });
});

describe('natsFleet staleness at its start', () => {
  it('should count a heartbeat read while catching up from when the server stored it', async () => {
    const s = await setup(60_000, 3_600_000); // one heartbeat, written before the record
    s.map.create('a', 'picky', { active: true });
    await until('a record', () => s.fleet.states().length === 1);
    // a fleet whose clock is an hour ahead reads the stored heartbeat as an hour old ...
    const hour = 3_600_000;
    const ahead: SchedulerLike = { now: () => Date.now() + hour, schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'] };
    const late = natsFleet({ nc, bucket: s.bucket, staleAfterMs: 60_000, scheduler: ahead });
    cleanups.push(() => late.close());
    const log: string[] = [];
    const subscription = late.getAndListenState()[1].subscribe((c) => log.push(`${c.changeType} ${c.newValue?.id} ${c.newValue?.stale === true}`));
    await late.ready;
    expect(log).toEqual(['add n1/m/a true']);
    expect((await firstValueFrom(late.summary$)).stale).toBe(1);
    // ... and a live heartbeat by when it hears it
    const kv = await new Kvm(nc).open(s.bucket);
    await kv.put('=hb.n1.m', JSON.stringify({ time: Date.now(), heartbeatMs: 100 }));
    await until('the live heartbeat', () => log.length === 2);
    expect(log).toEqual(['add n1/m/a true', 'update n1/m/a false']);
    subscription.unsubscribe();
  });
});

describe('createServiceMapServer over a fleet', () => {
  it('should serve the fleet as it serves a map, commands included', async () => {
    const s = await setup();
    s.map.create('a.b', 'picky', { active: true });
    await until('a record', () => s.fleet.states().length === 1);
    const served = createServiceMapServer({ fleet: s.fleet }, { authorize: () => true });
    const http = await listen(served.node);
    const remote = new RemoteServiceMap(http.base, { map: 'fleet' });
    await until('the remote mirror', () => remote.states().length === 1);
    expect(remote.states()[0]).toMatchObject({ id: 'n1/m/a.b', kind: 'picky', state: { active: true } });
    const stopped = await remote.stop('n1/m/a.b');
    expect(stopped.state.active).toBe(false);
    expect(s.map.get('a.b')!.service.state.active).toBe(false);
    await s.publication.close();
    await until('stale over HTTP', () => remote.states()[0]?.stale === true);
    remote.close();
    served.close();
    await http.close();
    await s.fleet.close();
  });
});
