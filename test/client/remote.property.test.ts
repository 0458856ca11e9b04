/**
 * Random commands on the server's map, with the client's connections destroyed at random
 * moments (and, in one mode, the server restarted with a new epoch):
 * - when the journal covers every gap, each client listener's log equals the server
 *   listener's, change for change;
 * - with a journal of one change, or a restarted server, the client's final mirror equals the
 *   server's map, and replaying the client's log over its first records gives that same map:
 *   every removal was reported, no id was added twice, nothing was updated while absent.
 *
 * Commands also go through the client now and then: each must settle with its effect already
 * in the client's mirror.
 *
 * Runs: FC_NUM_RUNS (default 40 per mode); see test/properties/fcEnv.ts.
 */
import fc from 'fast-check';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { Service, ServiceMap, type StateChange, type StateRecordBase } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer } from 'rx-lifecycle/http';
import { RemoteServiceMap } from 'rx-lifecycle/client';
import { assertProperty, commandsOptions, timeoutFor } from '../properties/fcEnv';
import { changeKey, recordsKey, stateKey } from '../shared/serviceStatesSuite';
import { listen, poll, type Listening } from '../http/helpers';

type Mode = 'journal' | 'tiny' | 'restart';
const IDS = ['a', 'b', 'c', 'd'] as const;

/** The system under test: a map, its server (replaceable), and one client that follows it. */
class World {
  readonly map = new ServiceMap(() => new Service(() => {}));
  server!: ServiceMapServer;
  http!: Listening;
  remote!: RemoteServiceMap;
  readonly serverLog: string[] = [];
  readonly clientLog: StateChange<StateRecordBase>[] = [];
  firstRecords: StateRecordBase[] = [];

  constructor(readonly mode: Mode) {}

  async start(): Promise<void> {
    await this.#serve();
    const route: typeof fetch = (input, init) => fetch(String(input).replace(/^http:\/\/[^/]+/, this.http.base), init);
    this.remote = new RemoteServiceMap('http://server', { map: 'm', fetch: route, retry: { initialDelay: 5, minDelay: 5, maxDelay: 20 } });
    await firstValueFrom(this.remote.connection$.pipe(filter((c) => c.status === 'live'), timeout(5000)));
    const [records, changes] = this.remote.getAndListenState();
    this.firstRecords = records;
    changes.subscribe((c) => this.clientLog.push(c));
    this.map.getAndListenState()[1].subscribe((c) => this.serverLog.push(changeKey(c)));
  }

  async #serve(): Promise<void> {
    this.server = createServiceMapServer({ m: this.map }, { journalSize: this.mode === 'journal' ? 100_000 : 1, authorize: () => true });
    this.http = await listen(this.server.node);
  }

  /** Destroys every socket: the watch stream breaks and the client reconnects. */
  async drop(): Promise<void> {
    const reconnecting = firstValueFrom(this.remote.connection$.pipe(filter((c) => c.status === 'reconnecting'), timeout(5000)));
    this.http.server.closeAllConnections();
    await reconnecting;
  }

  async restart(): Promise<void> {
    this.server.close();
    await this.http.close();
    await this.#serve();
  }

  /** Resolves once the client shows the server's map (and, with a full journal, every change). */
  async settle(): Promise<void> {
    await poll(
      () =>
        JSON.stringify(recordsKey(this.remote.states())) === JSON.stringify(recordsKey(this.map.states())) &&
        (this.mode !== 'journal' || this.clientLog.length >= this.serverLog.length),
      5000,
      'the client to catch up',
    );
  }

  async close(): Promise<void> {
    this.remote.close();
    this.server.close();
    await this.http.close();
  }
}

/** Runs `action` on the map, ignoring the errors the spec says it throws in that state. */
function tolerate(action: () => unknown): void {
  try {
    action();
  } catch (err) {
    if (!(err instanceof Error) || !/^ERR_/.test((err as { code?: string }).code ?? '')) throw err;
  }
}

type Command = fc.AsyncCommand<object, World>;
const id = fc.constantFrom(...IDS);
const command = (name: string, run: (w: World) => void | Promise<void>): Command => ({
  check: () => true,
  run: async (_m, w) => {
    await run(w);
  },
  toString: () => name,
});

function commands(mode: Mode): fc.Arbitrary<Command>[] {
  const list = [
    fc.tuple(id, fc.boolean()).map(([i, active]) => command(`create(${i},${active})`, (w) => tolerate(() => w.map.create(i, 'k', { active })))),
    id.map((i) => command(`start(${i})`, (w) => tolerate(() => w.map.get(i)?.service.start()))),
    id.map((i) => command(`stop(${i})`, (w) => tolerate(() => w.map.get(i)?.service.stop()))),
    fc.tuple(id, fc.nat(9)).map(([i, n]) => command(`configure(${i},${n})`, (w) => tolerate(() => w.map.get(i)?.service.configure(`{"n":${n}}`)))),
    id.map((i) => command(`delete(${i})`, (w) => tolerate(() => w.map.delete(i)))),
    fc.tuple(id, fc.boolean()).map(([i, start]) =>
      command(`remote.${start ? 'start' : 'stop'}(${i})`, async (w) => {
        // a command through the client settles once its mirror shows the effect
        const answer = await (start ? w.remote.start(i) : w.remote.stop(i)).catch((err: unknown) => {
          if (/^ERR_(ALREADY_STARTED|ALREADY_STOPPED|NOT_FOUND)$/.test((err as { code?: string }).code ?? '')) return undefined;
          // A command sent on a keep-alive socket that a drop or a restart has just destroyed
          // fails with a network error, as over any real network: the caller sees it, and the
          // mirror is checked against the server's map all the same.
          if ((err as { code?: string }).code === 'ERR_NETWORK') return undefined;
          throw err;
        });
        if (answer !== undefined) expect(stateKey(w.remote.states().find((r) => r.id === i)?.state)).toBe(stateKey(answer.state));
      }),
    ),
    fc.constant(command('drop', (w) => w.drop())),
    fc.constant(command('yield', () => new Promise<void>((r) => setTimeout(r, 1)))),
  ];
  if (mode === 'restart') list.push(fc.constant(command('restart', (w) => w.restart())));
  return list;
}

/** Replays `log` over `first`; throws on an add of a present id or an update/remove of an absent one. */
function replay(first: readonly StateRecordBase[], log: readonly StateChange<StateRecordBase>[]): string[] {
  const now = new Map(first.map((r) => [r.id, r]));
  for (const c of log) {
    const r = (c.newValue ?? c.oldValue)!;
    if (c.changeType === 'add' && now.has(r.id)) throw new Error(`add of ${r.id}, which the listener already had`);
    if (c.changeType !== 'add' && !now.has(r.id)) throw new Error(`${c.changeType} of ${r.id}, which the listener did not have`);
    if (c.changeType === 'update' && stateKey(c.oldValue!.state) !== stateKey(now.get(r.id)!.state)) throw new Error(`update of ${r.id} from a State the listener did not have`);
    if (c.changeType === 'remove') now.delete(r.id);
    else now.set(r.id, c.newValue!);
  }
  return recordsKey(now.values());
}

const RUNS = 40;

describe.each(['journal', 'tiny', 'restart'] as const)('RemoteServiceMap under random commands and dropped connections (%s)', (mode) => {
  it(
    mode === 'journal' ? "should give every listener exactly the server's changes" : "should end equal to the server's map, every removal reported",
    async () => {
      await assertProperty(
        __filename,
        fc.asyncProperty(fc.commands(commands(mode), commandsOptions(25)), async (cmds) => {
          const world = new World(mode);
          await world.start();
          try {
            await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
            await world.settle();
            expect(recordsKey(world.remote.states())).toEqual(recordsKey(world.map.states()));
            if (mode === 'journal') expect(world.clientLog.map(changeKey)).toEqual(world.serverLog);
            expect(replay(world.firstRecords, world.clientLog)).toEqual(recordsKey(world.map.states()));
          } finally {
            await world.close();
          }
        }),
        RUNS,
      );
    },
    timeoutFor(RUNS, 2000),
  );
});
