/**
 * The fleet against a real nats-server: two node processes publish their maps, a fleet in
 * this process watches and commands them (SPEC section 11).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AlreadyStoppedError, NotFoundError, type StateChange } from 'rx-lifecycle';
import { natsFleet, type NatsFleet } from 'rx-lifecycle/nats';
import { firstValueFrom } from 'rxjs';
import { NodeProcess, type PlainRecord, type SeedService } from './nodes';
import { startNats, until, type RunningNats } from './natsServer';

type RemoteStateRecord = ReturnType<NatsFleet['states']>[number];

const HEARTBEAT_MS = 200;
const STALE_AFTER_MS = 3000;
const TIMEOUT_MS = 3000;
/** Room for a loaded machine on top of a bound the spec sets. */
const SLACK_MS = 5000;

const IDS = ['a.b', 'sp ace', 'sl/ash', 'ünï', '日本', '_=x', '-', 'x'];
const SEED_1: SeedService[] = [{ id: 'x', kind: 'worker', active: true }, { id: 'p.q', kind: 'picky', config: 'ok' }];
const SEED_2: SeedService[] = [{ id: 'x', kind: 'worker', active: true }, { id: 'sl/ash', kind: 'worker' }];

let server: RunningNats;
let nc: NatsConnection;
let fleet: NatsFleet;
const nodes = new Map<string, NodeProcess>();
const seeds = new Map([['n1', SEED_1], ['n2', SEED_2]]);

/** A record as the nodes' dump shows it. */
function plain(record: RemoteStateRecord): PlainRecord {
  const { state } = record;
  const out: Record<string, unknown> = { active: state.active, loading: state.loading, failedAttempts: state.failedAttempts };
  for (const [key, value] of Object.entries(state)) if (key.endsWith('Time') && value !== undefined) out[key] = value;
  if (state.error !== undefined) out.error = state.error.message;
  return { id: record.id, kind: record.kind, state: out };
}

/** The union of the nodes' maps, with fleet ids, sorted. */
async function union(): Promise<PlainRecord[]> {
  const all: PlainRecord[] = [];
  for (const [node, proc] of nodes) for (const r of await proc.dump()) all.push({ ...r, id: `${node}/m/${r.id}` });
  return all.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function mirror(): PlainRecord[] {
  return fleet.states().map(plain).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Waits until the fleet's mirror equals the union of the nodes' maps. */
async function converged(what: string, ms = 15_000): Promise<void> {
  const expected = await union();
  const same = () => JSON.stringify(mirror()) === JSON.stringify(expected);
  try {
    await until(what, same, ms);
  } catch (err) {
    expect(mirror()).toEqual(expected); // shows the difference
    throw err;
  }
}

async function spawnNode(node: string): Promise<NodeProcess> {
  const proc = await NodeProcess.spawn(server.url, node, 'm', HEARTBEAT_MS, seeds.get(node));
  nodes.set(node, proc);
  return proc;
}

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  await Promise.all([spawnNode('n1'), spawnNode('n2')]);
  fleet = natsFleet({ nc, staleAfterMs: STALE_AFTER_MS, timeout: TIMEOUT_MS });
  await fleet.ready;
}, 300_000);

afterAll(async () => {
  await fleet?.close();
  await Promise.all([...nodes.values()].map((p) => p.end()));
  await nc?.close();
  await server?.stop({ removeStore: true });
}, 60_000);

describe('natsFleet over two node processes', () => {
  it('should mirror the union of the nodes maps after a scripted run of commands on both', async () => {
    await converged('the seeded maps');
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ops = ['create', 'create', 'delete', 'start', 'stop', 'configure'] as const;
    for (let step = 0; step < 80; step++) {
      const proc = nodes.get(random(2) === 0 ? 'n1' : 'n2')!;
      const id = IDS[random(IDS.length)]!;
      const op = ops[random(ops.length)]!;
      const sent =
        op === 'create'
          ? proc.send({ op, id, kind: random(2) === 0 ? 'worker' : 'picky', active: random(2) === 0 })
          : op === 'configure'
            ? proc.send({ op, id, config: random(3) === 0 ? 'bad' : `v${step}` })
            : proc.send({ op, id });
      await sent.catch(() => undefined); // refusals (already started, not found, ...) are part of the script
    }
    await converged('the scripted run');
    expect(fleet.states().length).toBeGreaterThan(2);
  });

  it('should stop a service on the node its id names, and show it', async () => {
    for (const proc of nodes.values()) {
      await proc.send({ op: 'create', id: 'both', kind: 'worker', active: true }).catch(() => proc.send({ op: 'start', id: 'both' }).catch(() => undefined));
    }
    await until('both records', () => fleet.states().filter((r) => r.id.endsWith('/m/both') && r.state.active).length === 2);
    const record = await fleet.stop('n2/m/both');
    expect(record).toMatchObject({ id: 'n2/m/both', kind: 'worker', state: { active: false } });
    expect(fleet.states().find((r) => r.id === 'n2/m/both')!.state.active).toBe(false);
    const n2 = (await nodes.get('n2')!.dump()).find((r) => r.id === 'both')!;
    const n1 = (await nodes.get('n1')!.dump()).find((r) => r.id === 'both')!;
    expect([n1.state.active, n2.state.active]).toEqual([true, false]);
    await expect(fleet.stop('n2/m/both')).rejects.toBeInstanceOf(AlreadyStoppedError);
    await expect(fleet.start('n2/m/nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('should create on the node its id names and delete there', async () => {
    const created = await fleet.create({ id: 'n1/m/new one', kind: 'picky', active: true, config: 'v1' });
    expect(created).toMatchObject({ id: 'n1/m/new one', kind: 'picky', state: { active: true, lastConfigTime: expect.any(Number) } });
    expect((await nodes.get('n1')!.dump()).some((r) => r.id === 'new one')).toBe(true);
    const minted = await fleet.create({ id: 'n2/m/', kind: 'worker' });
    expect(minted.id).toMatch(/^n2\/m\/.+/);
    await fleet.delete(minted.id);
    expect(fleet.states().some((r) => r.id === minted.id)).toBe(false);
    await expect(fleet.create({ kind: 'worker' })).rejects.toThrow(/id must be <node>\/<name>\/<id>/);
  });

  it('should reject a command for a node nobody serves with status 503 within its timeout', async () => {
    const started = Date.now();
    await expect(fleet.start('ghost/m/x')).rejects.toMatchObject({ name: 'RemoteError', status: 503 });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('should mark the records of a killed node stale within staleAfterMs, and clear them when it is back', async () => {
    await converged('before the kill');
    const n2 = nodes.get('n2')!;
    const before = (await n2.dump()).length;
    const changes: StateChange<RemoteStateRecord>[] = [];
    const subscription = fleet.getAndListenState()[1].subscribe((c) => changes.push(c));
    const killed = Date.now();
    await n2.kill();
    await until('stale n2 records', () => fleet.states().filter((r) => r.id.startsWith('n2/') && r.stale).length === before, STALE_AFTER_MS + SLACK_MS);
    expect(Date.now() - killed).toBeLessThan(STALE_AFTER_MS + SLACK_MS);
    expect(fleet.states().filter((r) => r.id.startsWith('n1/')).every((r) => !r.stale)).toBe(true);
    const summary = await firstValueFrom(fleet.summary$);
    expect(summary.stale).toBe(before);
    expect(summary.total).toBe(fleet.states().length);
    expect(changes.filter((c) => c.newValue?.stale).every((c) => c.changeType === 'update')).toBe(true);

    const started = Date.now();
    await expect(fleet.start('n2/m/x')).rejects.toMatchObject({ status: 503 });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);

    await spawnNode('n2');
    await until('fresh n2 records', () => fleet.states().every((r) => !r.stale));
    await converged('after the restart');
    expect((await firstValueFrom(fleet.summary$)).stale).toBe(0);
    subscription.unsubscribe();
  });

  it('should lose no state when the NATS server restarts, once it is back', async () => {
    await converged('before the restart');
    const { port, storeDir } = server;
    await server.stop();
    // the nodes keep changing while the server is away
    const n1 = nodes.get('n1')!;
    const n2 = nodes.get('n2')!;
    await n1.send({ op: 'create', id: 'while down', kind: 'worker', active: true });
    await n2.send({ op: 'stop', id: 'x' }).catch(() => n2.send({ op: 'start', id: 'x' }));
    await n1.send({ op: 'delete', id: 'new one' }).catch(() => undefined);
    server = await startNats({ port, storeDir });
    await converged('after the restart', 30_000);
    await until('fresh records after the restart', () => fleet.states().every((r) => !r.stale), 30_000);
    expect(fleet.states().some((r) => r.id === 'n1/m/while down')).toBe(true);
    const record = await fleet.stop('n1/m/while down');
    expect(record.state.active).toBe(false);
  });
});
