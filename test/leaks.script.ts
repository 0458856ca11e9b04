/**
 * The measurements behind test/leaks.test.ts. They need `global.gc`, so the test runs them in
 * a child process when jest's own process has none:
 *
 *   node --expose-gc --import tsx test/leaks.script.ts <scenario> <cycles>
 *
 * prints one JSON line (a {@link Measurement}). Scenarios:
 * - `service`: `cycles` times start() and stop() of a service whose apply returns at once and
 *   of one whose apply is a never-ending Observable task, each with subscribers attached;
 * - `map`: `cycles` times create() (started and configured) and delete() on a map with a
 *   `listen()`, a `getAndListenState()`, a `states$` and a `summary$` listener attached;
 * - `configure` and `configureMono`: `cycles` times configure() of one running service whose
 *   apply returns at once (plain, or wrapped in `monoApply`), with a subscriber attached; then
 *   stop(), and whether the signals of the first and the last apply call aborted (issue 15 #4);
 * - `outlive`: `cycles` times a map that holds a 64 KB payload follows its one service (a
 *   `getAndListenState()` listener), a subscriber subscribes to the service itself, then the
 *   record is deleted (even cycles) or the map's listener unsubscribed (odd ones); the map is
 *   dropped, the service kept with its subscriber and started once more. A service takes its
 *   record as its outbox when the map follows it first: a map that its services kept alive
 *   would cost 64 KB per cycle;
 * - `exit`: starts a service with a retry pending and one with an apply timeout pending on the
 *   real clock, stops both and returns: the process must then exit by itself.
 */
import { Observable } from 'rxjs';
import { Service, ServiceMap, monoApply } from 'rx-lifecycle';

export type Scenario = 'service' | 'map' | 'configure' | 'configureMono' | 'outlive' | 'exit';

export interface Measurement {
  readonly scenario: Scenario;
  readonly cycles: number;
  /** heapUsed after a full gc, once warmed up, before the cycles. */
  readonly before: number;
  /** heapUsed after a full gc, after the cycles. */
  readonly after: number;
  /** What the subscribers and listeners received, to show the cycles did their work. */
  readonly notifications: number;
  /** `configure*` only: whether the first and the last signal handed to apply aborted on stop. */
  readonly aborted?: { readonly first: boolean; readonly last: boolean };
}

/**
 * heapUsed after a full gc, measured in a task of its own: a `WeakRef` (and so the link an
 * `AbortSignal.any` keeps to its sources) holds its target until the job that made or read
 * it ends, so a measurement in the same synchronous job would count what is already garbage.
 * Finalizers (`FinalizationRegistry` callbacks) run between two collections, so that what
 * they release is not counted either: garbage freed by the next task is not a leak.
 */
async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let round = 0; round < 2; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 4; i++) gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * The work of one scenario: `run(n)` does n cycles; `count()` what listeners got so far;
 * `finish()`, if any, ends the scenario after the measurement and reports on it.
 */
interface Workload {
  run(n: number): void;
  count(): number;
  finish?(): Pick<Measurement, 'aborted'>;
}

function serviceWorkload(): Workload {
  let notifications = 0;
  const plain = new Service(() => {});
  const task = new Service(
    () =>
      new Observable<never>(() => {
        // The background task: runs until unsubscribed.
        return () => {};
      }),
  );
  for (const service of [plain, task]) {
    service.configure('{}');
    service.state$.subscribe(() => notifications++);
    service.stateChanges().subscribe(() => notifications++);
  }
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        plain.start();
        plain.stop();
        task.start();
        task.stop();
      }
    },
    count: () => notifications,
  };
}

function mapWorkload(): Workload {
  let notifications = 0;
  const map = new ServiceMap(() => new Service(() => {}));
  map.create('resident', 'worker', { active: true, config: '{}' });
  map.listen().subscribe(() => notifications++);
  map.getAndListenState()[1].subscribe(() => notifications++);
  map.states$.subscribe(() => notifications++);
  map.summary$.subscribe(() => notifications++);
  let next = 0;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        const id = `s${next++}`;
        map.create(id, 'worker', { active: true, config: '{}' });
        map.delete(id);
      }
    },
    count: () => notifications,
  };
}

function noop(): void {}

function outliveWorkload(): Workload {
  let notifications = 0;
  const count = () => notifications++;
  const kept: Service[] = [];
  const payloads = new WeakMap<object, number[]>();
  let cycle = 0;
  return {
    run(n) {
      for (let i = 0; i < n; i++, cycle++) {
        const map = new ServiceMap(() => new Service(noop));
        payloads.set(map, new Array<number>(8192).fill(cycle)); // lives as long as the map
        map.create('a', 'worker');
        const listener = map.getAndListenState()[1].subscribe(count);
        const service = map.get('a')!.service;
        service.state$.subscribe(count);
        if (cycle % 2 === 0) map.delete('a');
        else listener.unsubscribe();
        service.start();
        kept.push(service);
      }
    },
    count: () => notifications,
  };
}

/**
 * One running service configured again and again; its apply succeeds at once. The first and
 * the last signal are kept (only those two, so that keeping them costs nothing that grows).
 */
function configureWorkload(mono: boolean): Workload {
  let notifications = 0;
  let first: AbortSignal | undefined;
  let last: AbortSignal | undefined;
  const record = (_config: unknown, signal: AbortSignal): void => {
    first ??= signal;
    last = signal;
  };
  const service = new Service(mono ? monoApply(record) : record);
  service.state$.subscribe(() => notifications++);
  service.configure('{"n":0}');
  service.start();
  const configs = ['{"n":1}', '{"n":2}'];
  return {
    run(n) {
      for (let i = 0; i < n; i++) service.configure(configs[i % 2]!);
    },
    count: () => notifications,
    finish() {
      service.stop();
      return { aborted: { first: first?.aborted === true, last: last?.aborted === true } };
    },
  };
}

function workloadOf(scenario: Exclude<Scenario, 'exit'>): Workload {
  switch (scenario) {
    case 'service':
      return serviceWorkload();
    case 'map':
      return mapWorkload();
    case 'configure':
      return configureWorkload(false);
    case 'configureMono':
      return configureWorkload(true);
    case 'outlive':
      return outliveWorkload();
  }
}

/** Runs `cycles` cycles of `scenario` after a warm-up, and measures the heap around them. */
export async function measure(scenario: Exclude<Scenario, 'exit'>, cycles: number): Promise<Measurement> {
  const workload = workloadOf(scenario);
  workload.run(Math.min(10_000, Math.ceil(cycles / 10))); // JIT, inline caches, pools
  const before = await heapAfterGc();
  workload.run(cycles);
  const after = await heapAfterGc();
  return { scenario, cycles, before, after, notifications: workload.count(), ...workload.finish?.() };
}

/** Leaves a stopped service with a retry and an apply timeout that were pending. */
export function stopWithTimersPending(): Service<unknown>[] {
  const retrying = new Service(
    () => {
      throw new Error('down');
    },
    { retry: { initialDelay: 600_000 } },
  );
  const hanging = new Service(() => new Promise<void>(() => {}), { applyTimeout: 600_000 });
  for (const service of [retrying, hanging]) {
    service.configure('{}');
    service.start();
  }
  if (retrying.state.nextAttemptTime === undefined || !hanging.state.loading) throw new Error('nothing pending');
  for (const service of [retrying, hanging]) service.stop();
  return [retrying, hanging];
}

if (/leaks\.script\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const scenario = process.argv[2] as Scenario;
  if (scenario === 'exit') {
    stopWithTimersPending();
    console.log(JSON.stringify({ scenario, stopped: true }));
    // Nothing else: the process exits once nothing is pending.
  } else if (['service', 'map', 'configure', 'configureMono', 'outlive'].includes(scenario)) {
    void measure(scenario, Number(process.argv[3])).then((m) => console.log(JSON.stringify(m)));
  } else {
    throw new Error(`unknown scenario ${String(scenario)}`);
  }
}
