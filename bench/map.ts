/**
 * ServiceMap figures: create time against its floor, heap per service, and the cost of one
 * change (a start() or a stop() of a service of the map).
 *
 * Changes touch **random services**: the services of a fixed pseudo-random permutation of the
 * map (the same for every map of a size), one after the other, each started and at once
 * stopped again. So every start finds its service out of cache, as changes spread over a
 * large map do, and its stop finds it in cache; each sample has as many starts as stops.
 *
 * For information:
 * - a **fixed working set** (the first services created, which sit together in memory) is
 *   started then stopped again and again: the work per change without cache and TLB misses.
 *   Those services are left out of the permutation.
 * - a **walk** over the permutation, on maps of its own, keeps a window of W = pool / 4
 *   services active: each step starts the service W places ahead and stops the one at the
 *   window's tail, so that every change, stops included, touches a service nobody touched
 *   for at least 2W changes.
 */
import { BehaviorSubject, Subject, type Subscription } from 'rxjs';
import type { Lifecycle } from '../src/index.js';
import { floorCreate, INITIAL, sink, started, stopped, subscriber, type FloorState } from './floor.js';
import { lib } from './lib.js';
import { clock, fullGC, median, type MicroTask } from './measure.js';

const { Service, ServiceMap, idIsRequired } = lib;
type ServiceMap = ReturnType<typeof buildMap>;

function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

const createService = () => new Service(apply);

export function makeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `svc-${i}`);
}

export function buildMap(ids: readonly string[]) {
  const map = new ServiceMap(createService, idIsRequired);
  for (let i = 0; i < ids.length; i++) map.create(ids[i], 'worker');
  return map;
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------------------
// Create

export interface CreateTimes {
  /** ms per round for `Map.set(id, new BehaviorSubject(State))` of every id, a State each. */
  readonly floor: number[];
  /** The same with one State shared by all. */
  readonly floorShared: number[];
  /** ms per round for `ServiceMap.create(id, kind)` of every id. */
  readonly create: number[];
}

/**
 * Builds the two floor maps and the ServiceMap of `ids`, `rounds` times each, in an order
 * rotated from round to round, each from a collected heap; one untimed round first warms the
 * code up.
 */
export function createTimes(ids: readonly string[], rounds: number, onRound?: (round: number) => void): CreateTimes {
  const times: CreateTimes = { floor: [], floorShared: [], create: [] };
  const timed = <T>(build: () => T, size: (built: T) => number): number => {
    fullGC();
    const t0 = clock();
    const built = build();
    const elapsed = clock() - t0;
    if (size(built) !== ids.length) throw new Error(`a map of ${ids.length} ids holds ${size(built)}`);
    return elapsed;
  };
  const builds: [number[], () => number][] = [
    [times.floor, () => timed(() => floorCreate(ids, false), (map) => map.size)],
    [times.floorShared, () => timed(() => floorCreate(ids, true), (map) => map.size)],
    [times.create, () => timed(() => buildMap(ids), (map) => map.values().length)],
  ];
  for (const [, time] of builds) time();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < builds.length; k++) {
      const [into, time] = builds[(r + k) % builds.length]!;
      into.push(time());
    }
    onRound?.(r);
  }
  fullGC();
  return times;
}

// ---------------------------------------------------------------------------------------
// Heap

export interface HeapFigures {
  /** Bytes per service of a map nobody listens to. */
  readonly idle: number;
  /** Bytes per service once a getAndListenState listener is subscribed (idle included). */
  readonly listened: number;
  /** Bytes per service with the listener, after every service was started once. */
  readonly changed: number;
}

function heapOnce(ids: readonly string[]): HeapFigures {
  fullGC();
  const before = heapUsed();
  const map = buildMap(ids);
  fullGC();
  const idle = (heapUsed() - before) / ids.length;

  let delivered = 0;
  const subscription = map.getAndListenState()[1].subscribe((change) => {
    sink.value = change;
    delivered++;
  });
  fullGC();
  const listened = (heapUsed() - before) / ids.length;

  for (const record of map.values()) record.service.start();
  fullGC();
  const changed = (heapUsed() - before) / ids.length;

  if (delivered !== ids.length) throw new Error(`the listener saw ${delivered} of ${ids.length} changes`);
  subscription.unsubscribe();
  sink.value = undefined;
  return { idle, listened, changed };
}

/**
 * Heap growth per service of a map of `ids.length` services, from a collected heap: idle,
 * with a getAndListenState listener, and after every service changed once (with the
 * listener). The ids are made beforehand (the map keeps the caller's strings): they are not
 * counted. The median of `repeats` maps.
 */
export function heapPerService(ids: readonly string[], repeats: number): HeapFigures {
  const runs = Array.from({ length: repeats }, () => heapOnce(ids));
  fullGC();
  return {
    idle: median(runs.map((r) => r.idle)),
    listened: median(runs.map((r) => r.listened)),
    changed: median(runs.map((r) => r.changed)),
  };
}

// ---------------------------------------------------------------------------------------
// Changes

/** A fixed pseudo-random permutation of `items` (Fisher-Yates over an LCG). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Kind = 'bare' | 'listened' | 'states$' | 'summary$' | 'walk.bare' | 'walk.listened';

/** How many services of a map of `n` form the fixed working set. */
export function workingSetSize(n: number): number {
  return Math.min(256, Math.floor(n / 8));
}

/** The walk over `services` with a window of active ones; counts the changes it makes. */
function walkTask(key: string, services: readonly Lifecycle[], counter: { changes: number }): MicroTask {
  const length = services.length;
  const window = Math.floor(length / 4);
  for (let i = 0; i < window; i++) services[i]!.start();
  counter.changes += window;
  let tail = 0;
  return {
    key,
    granule: 2,
    run: (n) => {
      let i = tail;
      let head = (tail + window) % length;
      for (let k = 0; k < n; k += 2) {
        services[head]!.start();
        services[i]!.stop();
        i = i + 1 === length ? 0 : i + 1;
        head = head + 1 === length ? 0 : head + 1;
      }
      tail = i;
      counter.changes += n;
    },
  };
}

/** Starts each of `services` and stops it again at once, one after the other. */
function randomTask(key: string, services: readonly Lifecycle[], counter: { changes: number }): MicroTask {
  let next = 0;
  return {
    key,
    granule: 2,
    run: (n) => {
      let i = next;
      for (let k = 0; k < n; k += 2) {
        const service = services[i]!;
        service.start();
        service.stop();
        i = i + 1 === services.length ? 0 : i + 1;
      }
      next = i;
      counter.changes += n;
    },
  };
}

/** Starts then stops every service of `set`, again and again. */
function workingSetTask(key: string, set: readonly Lifecycle[], counter: { changes: number }): MicroTask {
  return {
    key,
    granule: 2 * set.length,
    run: (n) => {
      for (let done = 0; done < n; done += 2 * set.length) {
        for (let i = 0; i < set.length; i++) set[i]!.start();
        for (let i = 0; i < set.length; i++) set[i]!.stop();
      }
      counter.changes += n;
    },
  };
}

export interface MapBench {
  readonly tasks: MicroTask[];
  /** Throws unless every listener saw every change made to its map. */
  readonly check: () => void;
  readonly dispose: () => void;
}

/**
 * Six maps of `ids.length` services: one nobody listens to, one with a getAndListenState
 * listener, one with a states$ and one with a summary$ subscriber, with tasks
 * `map.random.<kind>.<label>` for each and `map.ws.<kind>.<label>` (fixed working set) for
 * the first two; and two more (bare and listened) for the walk, `map.walk.<kind>.<label>`.
 */
export function changeTasks(ids: readonly string[], label: string): MapBench {
  const ws = workingSetSize(ids.length);
  const order = shuffled(ids.slice(ws), 0x5eed + ids.length);
  const subscriptions: Subscription[] = [];
  const tasks: MicroTask[] = [];
  const counts: { kind: Kind; map: ServiceMap; changes: { changes: number }; seen: () => number }[] = [];

  for (const kind of ['bare', 'listened', 'states$', 'summary$', 'walk.bare', 'walk.listened'] as const) {
    const map = buildMap(ids);
    let seen = 0;
    const count = (value: unknown) => {
      sink.value = value;
      seen++;
    };
    if (kind === 'listened' || kind === 'walk.listened') subscriptions.push(map.getAndListenState()[1].subscribe(count));
    if (kind === 'states$') subscriptions.push(map.states$.subscribe(count));
    if (kind === 'summary$') subscriptions.push(map.summary$.subscribe(count));
    const initialEmissions = seen; // states$ and summary$ emit their current value at once
    const changes = { changes: 0 };
    const serviceOf = (id: string) => map.get(id)!.service;
    if (kind === 'walk.bare' || kind === 'walk.listened') {
      tasks.push(walkTask(`map.${kind}.${label}`, order.map(serviceOf), changes));
    } else {
      tasks.push(randomTask(`map.random.${kind}.${label}`, order.map(serviceOf), changes));
    }
    if (kind === 'bare' || kind === 'listened') {
      tasks.push(workingSetTask(`map.ws.${kind}.${label}`, ids.slice(0, ws).map(serviceOf), changes));
    }
    counts.push({ kind, map, changes, seen: () => seen - initialEmissions });
  }

  return {
    tasks,
    check: () => {
      for (const { kind, map, changes, seen } of counts) {
        if (map.values().length !== ids.length) throw new Error(`the ${kind} map is not of ${ids.length} services`);
        if (kind !== 'bare' && kind !== 'walk.bare' && seen() !== changes.changes) {
          throw new Error(`the ${kind} subscriber of the ${label} map saw ${seen()} of ${changes.changes} changes`);
        }
      }
    },
    dispose: () => {
      for (const s of subscriptions) s.unsubscribe();
      counts.length = 0;
      sink.value = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------
// A hand-rolled map, for information

interface HandRolledEntry {
  readonly id: string;
  readonly kind: string;
  readonly subject: BehaviorSubject<FloorState>;
  /** The State the listener last had. */
  state: FloorState;
}

/**
 * What a map is when written by hand, for comparison: a `BehaviorSubject` of States per id
 * and, while someone listens, one subscription per service that turns each new State into a
 * change (time, type, old and new record) and passes it to one `Subject` with one subscriber.
 * Its changes are the floor's steps (started, stopped). Tasks `handRolled.random.bare.<label>`
 * (nobody listens) and `handRolled.random.listened.<label>`, over the same random order as
 * {@link changeTasks}.
 */
export function handRolledTasks(ids: readonly string[], label: string): MicroTask[] {
  const order = shuffled(ids.slice(workingSetSize(ids.length)), 0x5eed + ids.length);
  return (['bare', 'listened'] as const).map((kind) => {
    const entries = new Map<string, HandRolledEntry>();
    for (const id of ids) entries.set(id, { id, kind: 'worker', subject: new BehaviorSubject(INITIAL), state: INITIAL });
    if (kind === 'listened') {
      const changes = new Subject<unknown>();
      changes.subscribe(subscriber);
      for (const entry of entries.values()) {
        entry.subject.subscribe((state) => {
          const old = entry.state;
          if (old === state) return;
          entry.state = state;
          const oldValue = { id: entry.id, kind: entry.kind, state: old };
          const newValue = { id: entry.id, kind: entry.kind, state };
          changes.next({ changeTime: Date.now(), changeType: 'update', oldValue, newValue });
        });
      }
    }
    const subjects = order.map((id) => entries.get(id)!.subject);
    let next = 0;
    return {
      key: `handRolled.random.${kind}.${label}`,
      granule: 2,
      run: (n: number) => {
        let i = next;
        for (let k = 0; k < n; k += 2) {
          const subject = subjects[i]!;
          const s = started(subject.getValue(), Date.now());
          subject.next(s);
          subject.next(stopped(s, Date.now()));
          i = i + 1 === subjects.length ? 0 : i + 1;
        }
        next = i;
      },
    };
  });
}

// ---------------------------------------------------------------------------------------
// The floor of a map, for information

/** A service of the floor map: its State and, while the map listens, its record. */
class FloorService {
  state: FloorState = INITIAL;
  follower: FloorRecord | undefined = undefined;
}

/** What the floor map keeps per id, allocated right after its service, as a map's record is. */
class FloorRecord {
  constructor(
    readonly id: string,
    readonly kind: string,
    readonly service: FloorService,
  ) {}
}

/** A record with a State, as a change carries two. */
class FloorStateRecord {
  constructor(
    readonly id: string,
    readonly kind: string,
    readonly service: FloorService,
    readonly state: FloorState,
  ) {}
}

class FloorChange {
  constructor(
    readonly changeTime: number,
    readonly changeType: string,
    readonly oldValue: FloorStateRecord,
    readonly newValue: FloorStateRecord,
  ) {}
}

/** One change of the floor map: a step kept on the service, and, if followed, one change to one listener. */
function floorChange(service: FloorService, next: (s: FloorState, now: number) => FloorState): void {
  const now = Date.now();
  const previous = service.state;
  const state = next(previous, now);
  service.state = state;
  const record = service.follower;
  if (record === undefined) return;
  const { id, kind } = record;
  subscriber(new FloorChange(now, 'update', new FloorStateRecord(id, kind, service, previous), new FloorStateRecord(id, kind, service, state)));
}

/**
 * The least work a map's change can be, for comparison: the step without a subject (the map's
 * services have no subscriber of their own), and, while the map listens, a read of the
 * service's record (the one more object per service that holds its id and kind), two records
 * and a change made, and one call of one listener. No queue, no re-entrancy, no error
 * isolation. Tasks `floorMap.random.bare.<label>` and `floorMap.random.listened.<label>`, over
 * the same random order as {@link changeTasks}. Like the other tasks it has a loop of its own:
 * one loop shared through a callback would make its call site see every task's callback.
 */
export function floorMapTasks(ids: readonly string[], label: string): MicroTask[] {
  const order = shuffled(ids.slice(workingSetSize(ids.length)), 0x5eed + ids.length);
  return (['bare', 'listened'] as const).map((kind) => {
    const records = new Map<string, FloorRecord>();
    for (const id of ids) records.set(id, new FloorRecord(id, 'worker', new FloorService()));
    if (kind === 'listened') for (const record of records.values()) record.service.follower = record;
    const services = order.map((id) => records.get(id)!.service);
    let next = 0;
    return {
      key: `floorMap.random.${kind}.${label}`,
      granule: 2,
      run: (n: number) => {
        let i = next;
        for (let k = 0; k < n; k += 2) {
          const service = services[i]!;
          floorChange(service, started);
          floorChange(service, stopped);
          i = i + 1 === services.length ? 0 : i + 1;
        }
        next = i;
      },
    };
  });
}
