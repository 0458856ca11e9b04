/**
 * ServiceMap figures: create time, heap per service, and the cost of one change.
 *
 * A change is one start() or stop() of a service in the map. To measure the library's work
 * per change rather than the CPU's cache misses, the changes cycle through a fixed working set
 * (the same 256 services, the first ones created) in the small and the large map alike.
 * Spread over a large map, the same work costs more only because of cache and TLB misses
 * (more objects on more pages); touching random services of the large map shows that, as
 * information.
 */
import type { Subscription } from 'rxjs';
import type { Lifecycle } from '../src/index.js';
import { lib } from './lib.js';
import type { MicroTask } from './measure.js';
import { median } from './measure.js';

const { Service, ServiceMap, idIsRequired } = lib;
type ServiceMap = InstanceType<typeof ServiceMap>;

export const WORKING_SET = 256;

const sink = { value: undefined as unknown };

function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

const create = () => new Service(apply);

export function makeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `svc-${i}`);
}

export function buildMap(ids: readonly string[]): ServiceMap {
  const map = new ServiceMap(create, idIsRequired);
  for (const id of ids) map.create(id, 'worker');
  return map;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

export interface HeapFigures {
  /** Bytes per service of a map nobody listens to. */
  readonly idle: number;
  /** Bytes per service once a getAndListenState listener is subscribed (idle included). */
  readonly listened: number;
}

/**
 * Builds a map of `ids.length` services from a collected heap and reports the growth per
 * service, idle and then with a getAndListenState listener. The ids are made beforehand:
 * they are the caller's strings, which the map holds but does not copy.
 */
export function heapPerService(ids: readonly string[]): HeapFigures {
  gc();
  const before = heapUsed();
  const map = buildMap(ids);
  gc();
  const idle = (heapUsed() - before) / ids.length;
  const subscription = map.getAndListenState()[1].subscribe((change) => {
    sink.value = change;
  });
  gc();
  const listened = (heapUsed() - before) / ids.length;
  subscription.unsubscribe();
  sink.value = map.get(ids[0]!); // keeps the map alive until here
  return { idle, listened };
}

/** Milliseconds to create `ids.length` services into a fresh map: the median of `repeats`. */
export function createTime(ids: readonly string[], repeats: number): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    gc();
    const t0 = performance.now();
    const map = buildMap(ids);
    times.push(performance.now() - t0);
    sink.value = map;
  }
  sink.value = undefined;
  return median(times);
}

/**
 * The first 256 services of the map: the same ids in every map, created one after the other,
 * so they sit close together in memory whatever the size of the map.
 */
function workingSet(map: ServiceMap, ids: readonly string[]): Lifecycle[] {
  return ids.slice(0, WORKING_SET).map((id) => map.get(id)!.service);
}

/** Starts then stops every service of `set`: 2 * set.length changes. */
function cycleTask(key: string, set: readonly Lifecycle[]): MicroTask {
  return {
    key,
    opsPerSample: 2 * set.length,
    sample: () => {
      for (let i = 0; i < set.length; i++) set[i]!.start();
      for (let i = 0; i < set.length; i++) set[i]!.stop();
    },
  };
}

export interface MapBench {
  readonly tasks: MicroTask[];
  /** Checks that each listener saw every change of its map. */
  readonly check: () => void;
  readonly dispose: () => void;
}

/**
 * The change tasks for a map of `ids.length` services, keyed `map.change.*.<label>`,
 * `map.states$.<label>` and `map.summary$.<label>`, plus, when `random`, the random-access
 * task on the listened map.
 */
export function changeTasks(ids: readonly string[], label: 'small' | 'large', random: boolean): MapBench {
  const subscriptions: Subscription[] = [];
  const counts = { listened: 0, states: 0, summary: 0 };

  const bare = buildMap(ids);

  const listened = buildMap(ids);
  subscriptions.push(
    listened.getAndListenState()[1].subscribe((change) => {
      sink.value = change;
      counts.listened++;
    }),
  );

  const states = buildMap(ids);
  subscriptions.push(
    states.states$.subscribe((all) => {
      sink.value = all;
      counts.states++;
    }),
  );

  const summary = buildMap(ids);
  subscriptions.push(
    summary.summary$.subscribe((s) => {
      sink.value = s;
      counts.summary++;
    }),
  );

  const tasks: MicroTask[] = [
    cycleTask(`map.change.bare.${label}`, workingSet(bare, ids)),
    cycleTask(`map.change.listened.${label}`, workingSet(listened, ids)),
    cycleTask(`map.states$.${label}`, workingSet(states, ids)),
    cycleTask(`map.summary$.${label}`, workingSet(summary, ids)),
  ];

  if (random) {
    // A fixed pseudo-random sequence of services all over the map.
    const services = listened.values().map((r) => r.service);
    const sequence: Lifecycle[] = [];
    let seed = 12345;
    for (let i = 0; i < 1 << 16; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      sequence.push(services[seed % services.length]!);
    }
    let next = 0;
    const pairs = 256;
    tasks.push({
      key: `map.change.random.${label}`,
      opsPerSample: 2 * pairs,
      sample: () => {
        for (let i = 0; i < pairs; i++) {
          const service = sequence[next]!;
          next = (next + 1) & 0xffff;
          service.start();
          service.stop();
        }
      },
    });
  }

  return {
    tasks,
    check: () => {
      const probe = workingSet(listened, ids)[0]!;
      const before = { ...counts };
      probe.start();
      probe.stop();
      if (counts.listened - before.listened !== 2) throw new Error('the getAndListenState listener missed a change');
      for (const [map, key] of [
        [states, 'states'],
        [summary, 'summary'],
      ] as const) {
        const service = workingSet(map, ids)[0]!;
        const n = counts[key];
        service.start();
        service.stop();
        if (counts[key] - n !== 2) throw new Error(`${key}$ did not emit once per change`);
      }
    },
    dispose: () => {
      for (const s of subscriptions) s.unsubscribe();
      sink.value = undefined;
    },
  };
}
