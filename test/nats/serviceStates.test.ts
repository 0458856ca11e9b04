/**
 * The shared ServiceStates suite, run against a fleet: the suite drives a map published into
 * a fresh bucket, and reads it through `natsFleet`. Fleet ids are `<node>/<name>/<id>`; the
 * view below shows them without the `n1/m/` prefix so that they compare with the map's.
 */
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ServiceMap, type ServiceStates, type StateChange, type StateRecordBase } from 'rx-lifecycle';
import { natsFleet, publishServiceMap, type NatsFleet } from 'rx-lifecycle/nats';
import { map as mapOp, type Observable } from 'rxjs';
import { serviceStatesSuite, type HarnessFactory } from '../shared/serviceStatesSuite';
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

const PREFIX = 'n1/m/';

function local<R extends StateRecordBase>(record: R): R;
function local<R extends StateRecordBase>(record: R | undefined): R | undefined;
function local<R extends StateRecordBase>(record: R | undefined): R | undefined {
  if (record === undefined) return undefined;
  if (!record.id.startsWith(PREFIX)) throw new Error(`a record of another map: ${record.id}`);
  return { ...record, id: record.id.slice(PREFIX.length) };
}

/** The fleet, seen with the map's own ids (a projection: every value is the fleet's). */
function withMapIds(fleet: NatsFleet): ServiceStates {
  const change = (c: StateChange<StateRecordBase>): StateChange<StateRecordBase> => ({ ...c, oldValue: local(c.oldValue), newValue: local(c.newValue) });
  return {
    states: () => fleet.states().map((r) => local(r)),
    getAndListenState: () => {
      const [records, changes] = fleet.getAndListenState();
      return [records.map((r) => local(r)), changes.pipe(mapOp(change))];
    },
    get states$(): Observable<ReadonlyMap<string, StateRecordBase>> {
      return fleet.states$.pipe(mapOp((all) => new Map([...all.values()].map((r) => [r.id.slice(PREFIX.length), local(r)]))));
    },
    summary$: fleet.summary$,
    stateOf$: (id: string) => fleet.stateOf$(PREFIX + id),
  };
}

const natsHarness: HarnessFactory = async (create) => {
  const bucket = `suite-${++buckets}`;
  const map = new ServiceMap(create);
  const publication = publishServiceMap(map, { nc, node: 'n1', name: 'm', bucket, heartbeatMs: 1000 });
  await publication.ready;
  const fleet = natsFleet({ nc, bucket, staleAfterMs: 60_000 });
  await fleet.ready;
  const kv = await new Kvm(nc).open(bucket);
  return {
    states: withMapIds(fleet),
    map,
    settle: async () => {
      // every change is sent when it happens, so the bucket's last revision covers them all
      const last = (await kv.status()).streamInfo.state.last_seq;
      await until(`fleet revision ${last}`, () => fleet.revision >= last);
    },
    close: async () => {
      await fleet.close();
      await publication.close();
    },
  };
};

serviceStatesSuite('a NATS fleet', natsHarness);
