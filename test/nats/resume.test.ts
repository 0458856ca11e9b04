/**
 * A fleet whose watcher has to start again (its consumer lost on the server) resumes from the
 * last bucket revision it applied: no change missed, none repeated.
 */
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Service, ServiceMap, type StateChange, type StateRecordBase } from 'rx-lifecycle';
import { natsFleet, publishServiceMap, type NatsFleet, type ServiceMapPublication } from 'rx-lifecycle/nats';
import { startNats, until, type RunningNats } from './natsServer';

let server: RunningNats;
let nc: NatsConnection;
let map: ServiceMap<Service<unknown>>;
let publication: ServiceMapPublication;
let fleet: NatsFleet;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  map = new ServiceMap(() => new Service(() => {}));
  for (const id of ['a', 'b', 'c', 'd', 'e']) map.create(id, 'worker', { active: id < 'd' });
  publication = publishServiceMap(map, { nc, node: 'n1', name: 'm', heartbeatMs: 500 });
  await publication.ready;
  fleet = natsFleet({ nc, staleAfterMs: 60_000 });
  await fleet.ready;
}, 300_000);

afterAll(async () => {
  await fleet?.close();
  await publication?.close();
  await nc?.close();
  await server?.stop({ removeStore: true });
}, 60_000);

const summary = (c: StateChange<StateRecordBase>) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id} ${(c.newValue ?? c.oldValue)!.state.active}`;

describe('natsFleet watcher', () => {
  it('should resume from its last revision when its consumer is lost, missing and repeating nothing', async () => {
    expect(fleet.states().map((r) => r.id).sort()).toEqual(['n1/m/a', 'n1/m/b', 'n1/m/c', 'n1/m/d', 'n1/m/e']);
    const log: string[] = [];
    const subscription = fleet.getAndListenState()[1].subscribe((c) => log.push(summary(c)));

    // the JetStream API by its subjects: list the stream's consumers, delete every one
    const api = async (subject: string) => (await nc.request(`$JS.API.${subject}`, '{}')).json<{ consumers?: string[]; success?: boolean }>();
    const consumers = (await api('CONSUMER.NAMES.KV_rx-lifecycle')).consumers ?? [];
    expect(consumers.length).toBeGreaterThan(0);
    for (const name of consumers) expect((await api(`CONSUMER.DELETE.KV_rx-lifecycle.${name}`)).success).toBe(true);

    // changes while the fleet's consumer is gone, several on some keys
    const truth: string[] = [];
    const mapSubscription = map.getAndListenState()[1].subscribe((c) => truth.push(summary(c).replace(' ', ' n1/m/')));
    map.get('a')!.service.stop();
    map.delete('d'); // inactive: its delete is one change
    map.get('e')!.service.start();
    map.create('f', 'worker', { active: true });
    map.create('g', 'worker');
    map.get('b')!.service.stop();
    map.get('b')!.service.start();
    map.delete('c'); // active: a stop, then the removal
    mapSubscription.unsubscribe();
    await until('the changes made while the watcher was gone', () => log.length >= truth.length, 20_000);
    const last = (await (await new Kvm(nc).open('rx-lifecycle')).status()).streamInfo.state.last_seq;
    await until('the bucket revision', () => fleet.revision >= last, 20_000);
    expect(log).toEqual(truth);
    expect(truth).toEqual([
      'update n1/m/a false',
      'remove n1/m/d false',
      'update n1/m/e true',
      'add n1/m/f true',
      'add n1/m/g false',
      'update n1/m/b false',
      'update n1/m/b true',
      'update n1/m/c false',
      'remove n1/m/c false',
    ]);
    expect(fleet.states().map((r) => r.id).sort()).toEqual(['n1/m/a', 'n1/m/b', 'n1/m/e', 'n1/m/f', 'n1/m/g']);
    subscription.unsubscribe();
  });
});
