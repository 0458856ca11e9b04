import { Map as ImmutableMap } from 'immutable';
import { freeze } from 'immer';
import { Observable, Subject, asyncScheduler, type Subscription } from 'rxjs';
import { AlreadyExistsError, AlreadyStoppedError, ImmutableError, NotFoundError } from './errors.js';
import { idIsUUID, type IdFunc } from './idFuncs.js';
import { PublishQueue } from './internal/publishQueue.js';
import { reportUnhandledError } from './internal/reportError.js';
import { optionalFunction, optionalObject, requiredFunction, show } from './internal/validate.js';
import { stateChanged, unwatchState, watchState, type StateWatcher } from './internal/watch.js';
import { Service, type Lifecycle } from './Service.js';
import type { RawConfig, State } from './State.js';
import { statusOf } from './statusOf.js';
import type { Change, ChangeType, ServiceRecord, StateChange, StateRecord } from './records.js';
import type { ServiceMapSummary, ServiceStates } from './ServiceStates.js';

/**
 * Makes the service for a new record of a {@link ServiceMap}.
 * @throws for a kind it does not know; {@link ServiceMap.create} then throws the same error.
 * @example
 * ```ts
 * import { Service, ServiceMap, type CreateFunc } from 'rx-lifecycle';
 *
 * const create: CreateFunc = (id, kind) => {
 *   if (kind !== 'echo') throw new Error(`unknown kind ${kind}`);
 *   return new Service((config: { text: string }) => console.log(id, 'says', config.text));
 * };
 * const map = new ServiceMap(create);
 * map.create('e1', 'echo', { active: true, config: '{"text":"hi"}' });
 * // e1 says hi
 * try { map.create('x1', 'nope'); } catch (err) { console.log((err as Error).message); }
 * // unknown kind nope
 * ```
 * @category ServiceMap
 */
export type CreateFunc = (id: string, kind: string) => Lifecycle;

/**
 * Options of a {@link ServiceMap}.
 * @example
 * ```ts
 * import { Service, ServiceMap, type ServiceMapOptions } from 'rx-lifecycle';
 *
 * let clock = 1000;
 * const options: ServiceMapOptions = { now: () => clock++ };
 * const map = new ServiceMap(() => new Service(() => {}), undefined, options);
 * map.listen().subscribe((c) => console.log(c.changeType, c.changeTime));
 * map.create('a', 'worker');
 * // add 1000
 * map.delete('a');
 * // remove 1001
 * ```
 * @category ServiceMap
 */
export interface ServiceMapOptions {
  /**
   * Clock for `changeTime`, in epoch milliseconds. Without it, adds and removes are timed by
   * the wall clock and State updates by the changed service's own clock (the time of the
   * change itself, at no extra cost); with it, every change is timed by it.
   * @defaultValue `asyncScheduler.now()` (the wall clock)
   */
  readonly now?: (() => number) | undefined;
}

/**
 * What a new record's service should be brought to by {@link ServiceMap.create}.
 * @example
 * ```ts
 * import { Service, ServiceMap, type CreateState } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service((config: { n: number }) => console.log('apply', config.n)));
 * const state: CreateState = { active: true, config: '{"n":1}' };
 * const created = map.create('a', 'worker', state);
 * // apply 1
 * console.log(created.state.active, created.state.loading); // true false
 * ```
 * @category ServiceMap
 */
export interface CreateState {
  /**
   * Start the service.
   * @defaultValue false
   */
  readonly active?: boolean | undefined;
  /**
   * Configure the service with this (after starting it); empty means no config.
   * @defaultValue none
   */
  readonly config?: RawConfig | undefined;
}

/** The key of {@link ServiceMap}'s State change stream without a snapshot. @internal */
export const stateChangeStream: unique symbol = Symbol('rx-lifecycle.ServiceMap.stateChangeStream');

/** Reaches {@link ServiceMap}'s handling of a tracked service's new State from its entry. */
const stateChangedKey: unique symbol = Symbol('rx-lifecycle.ServiceMap.stateChanged');

/** Keys of the entry's internals: symbols, so that the records users hold do not offer them. */
const latest: unique symbol = Symbol('rx-lifecycle.Entry.latest');
const track: unique symbol = Symbol('rx-lifecycle.Entry.track');
const untrack: unique symbol = Symbol('rx-lifecycle.Entry.untrack');
const forget: unique symbol = Symbol('rx-lifecycle.Entry.forget');
const advance: unique symbol = Symbol('rx-lifecycle.Entry.advance');
const finishWhenSeen: unique symbol = Symbol('rx-lifecycle.Entry.finishWhenSeen');
const finishNow: unique symbol = Symbol('rx-lifecycle.Entry.finishNow');

/**
 * A record of the map, and, while the map's States are listened to, the hook that follows its
 * service: lighter than a subscription, and the same object for every listener. It is the
 * {@link ServiceRecord} users see (frozen; its own keys are `id`, `kind` and `service`; its
 * internals sit behind private fields and symbol keys), so a record costs one object.
 */
class Entry implements ServiceRecord, StateWatcher {
  readonly id: string;
  readonly kind: string;
  readonly service: Lifecycle;
  readonly #map: ServiceMap;
  /** The last State seen, while tracked. */
  #latest: StateRecord | undefined = undefined;
  /** For a Lifecycle that is not a Service: the subscription standing in for the hook. */
  #subscription: Subscription | undefined = undefined;
  /** A deleted record's last State, still to come through the subscription, and what then. */
  #finishAt: State | undefined = undefined;
  #finish: (() => void) | undefined = undefined;

  constructor(id: string, kind: string, service: Lifecycle, map: ServiceMap) {
    this.id = id;
    this.kind = kind;
    this.service = service;
    this.#map = map;
    Object.freeze(this);
  }

  /** The last State seen, while tracked. */
  get [latest](): StateRecord | undefined {
    return this.#latest;
  }

  /** Records `next` as the last State seen, and returns its record. */
  [advance](next: State): StateRecord {
    return (this.#latest = stateRecord(this, next));
  }

  [stateChanged](next: State, time?: number): void {
    this.#map[stateChangedKey](this, next, time);
    if (next === this.#finishAt) {
      const finish = this.#finish!;
      this.#finishAt = this.#finish = undefined;
      finish();
    }
  }

  /** Ends the wait of `finishWhenSeen` at once, if there is one. */
  [finishNow](): void {
    const finish = this.#finish;
    this.#finishAt = this.#finish = undefined;
    finish?.();
  }

  /**
   * For a deleted record followed through a subscription whose service has States it has not
   * delivered yet (the delete came from inside its own notification): keeps following until
   * `last` comes through, then calls `finish`. Tells whether it waits.
   */
  [finishWhenSeen](last: State, finish: () => void): boolean {
    if (this.#subscription === undefined || this.#latest === undefined || this.#latest.state === last) return false;
    this.#finishAt = last;
    this.#finish = finish;
    return true;
  }

  /** Starts following the service: through its hook when it has one, else by subscribing. */
  [track](): void {
    const watchable = this.service as Partial<Watchable>;
    const current = typeof watchable[watchState] === 'function' ? watchable[watchState](this) : undefined;
    if (current !== undefined) {
      this[advance](current);
      return;
    }
    const [state, changes] = this.service.stateAndChanges();
    this[advance](state);
    this.#subscription = changes.subscribe((next) => this[stateChanged](next));
  }

  /**
   * Stops following the service; the last State seen stays until `forget`.
   * @returns the States it had committed that this entry has not seen yet, oldest first.
   */
  [untrack](): State[] {
    if (this.#subscription === undefined) return (this.service as unknown as Watchable)[unwatchState](this);
    this.#subscription.unsubscribe();
    this.#subscription = undefined;
    const current = this.service.state;
    return current === this.#latest?.state ? [] : [current];
  }

  [forget](): void {
    this.#latest = undefined;
  }
}

/** The part of a Service the map uses to follow it without subscribing. */
interface Watchable {
  [watchState](watcher: StateWatcher): State | undefined;
  [unwatchState](watcher: StateWatcher): State[];
}

const LIFECYCLE_METHODS = ['start', 'configure', 'stop', 'stateChanges', 'stateAndChanges'] as const;

/** @internal */
export function isLifecycle(value: unknown): value is Lifecycle {
  if (value instanceof Service) return true;
  if (value === null || typeof value !== 'object') return false;
  for (const method of LIFECYCLE_METHODS) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') return false;
  }
  return typeof (value as Lifecycle).state === 'object';
}

function assertLifecycle(value: unknown, what: string): asserts value is Lifecycle {
  if (!isLifecycle(value)) {
    throw new TypeError(
      `${what} must be a Lifecycle (start, configure, stop, state, state$, stateChanges, stateAndChanges), got ${show(value)}`,
    );
  }
}

/**
 * A record with a State. Like the change objects, it is not frozen at run time (one is made
 * per delivered change, and freezing costs more than the rest of the delivery): its type is
 * read-only, and nothing in the library changes it.
 */
function stateRecord(record: ServiceRecord, state: State): StateRecord {
  return { id: record.id, kind: record.kind, service: record.service, state };
}

function hasContent(config: RawConfig | undefined): config is RawConfig {
  return config !== undefined && (typeof config === 'string' ? config.length > 0 : config.byteLength > 0);
}

/**
 * Keeps many services by id and streams every add, update and remove: the Go package's `Map`
 * as a keyed stream combiner.
 *
 * @remarks
 * - {@link ServiceMap.create} makes a service with the {@link CreateFunc}, brings it to the
 *   requested State and adds it, or undoes all of it when a step throws.
 * - {@link ServiceMap.delete} stops a service and removes it.
 * - {@link ServiceMap.listen} publishes adds and removes; {@link ServiceMap.getAndListenState}
 *   also every State change of every service, through one light hook per service (no
 *   subscription per service, nothing like `combineLatest`), so the work per change does not
 *   grow with the number of services. The hooks exist only while someone listens.
 * - {@link ServiceMap.states$} and {@link ServiceMap.summary$} serve UI stores: a persistent
 *   map and incremental counts, updated per change without walking the map.
 *
 * Events are delivered in order, also when a listener changes the map or a service from
 * inside a notification.
 *
 * @example
 * ```ts
 * import { Service, ServiceMap, idIsKind } from 'rx-lifecycle';
 *
 * const map = new ServiceMap((id, kind) => {
 *   if (kind !== 'worker') throw new Error(`unknown kind ${kind}`);
 *   return new Service((config: { n: number }) => console.log(id, 'loads', config.n));
 * }, idIsKind);
 *
 * const [records, changes$] = map.getAndListenState();
 * changes$.subscribe((c) => console.log(c.changeType, c.newValue?.state.active ?? c.oldValue?.state.active));
 * map.create(undefined, 'worker', { active: true, config: '{"n":1}' });
 * // worker loads 1
 * // add true
 * map.delete('worker');
 * // update false
 * // remove false
 * ```
 * @see {@link statusOf} for a status per service.
 * @category ServiceMap
 */
export class ServiceMap implements ServiceStates<StateRecord> {
  readonly #create: CreateFunc;
  readonly #idFunc: IdFunc;
  readonly #now: () => number;
  /** `options.now` was given: it times updates too, instead of the services' own clocks. */
  readonly #ownClock: boolean;
  #immutable = false;

  readonly #entries = new Map<string, Entry>();
  /**
   * Deleted records whose States are still coming in (a Lifecycle other than Service, deleted
   * from inside its own notification): until their `remove` is published, State snapshots
   * still show them, so that a listener joining meanwhile can place their updates.
   */
  readonly #leaving = new Map<string, Entry>();
  /** Listeners of States: while above 0, every entry is tracked. */
  #tracking = 0;
  /** Nesting of create/delete: deliveries wait until it drops to 0. */
  #depth = 0;

  #records$: Subject<Change> | undefined;
  #stateBus: Subject<StateChange> | undefined;
  readonly #recordsOut = new PublishQueue<Change>((change) => this.#records$?.next(change));
  readonly #statesOut = new PublishQueue<StateChange>((change) => this.#stateBus?.next(change));
  #listen$: Observable<Change> | undefined;
  #stateChanges$: Observable<StateChange> | undefined;
  #states$: Observable<ReadonlyMap<string, StateRecord>> | undefined;
  #summary$: Observable<ServiceMapSummary> | undefined;

  /**
   * @param create - makes the service of a new record.
   * @param idFunc - mints an id when `create` gets none.
   * @param options - the clock for change times.
   * @throws TypeError for a non-function `create` or `idFunc`, or a bad option.
   */
  constructor(create: CreateFunc, idFunc: IdFunc = idIsUUID, options: ServiceMapOptions = {}) {
    requiredFunction('create', create);
    requiredFunction('idFunc', idFunc);
    optionalObject('options', options);
    optionalFunction('options.now', options.now);
    this.#create = create;
    this.#idFunc = idFunc;
    const now = options.now;
    this.#now = now ?? (() => asyncScheduler.now());
    this.#ownClock = now !== undefined;
  }

  /**
   * An immutable map of `known`: ids `"0"`, `"1"`, ... in order, each kind the service's
   * constructor name. `create` and `delete` throw {@link ImmutableError}; listening works.
   * @param known - the services.
   * @throws TypeError when an element is not a {@link Lifecycle}.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = ServiceMap.of([new Service(() => {})]);
   * console.log(map.get('0')?.kind); // Service
   * ```
   */
  static of(known: readonly Lifecycle[]): ServiceMap {
    if (!Array.isArray(known)) throw new TypeError(`known must be an array of Lifecycle, got ${show(known)}`);
    const map = new ServiceMap(() => {
      throw new ImmutableError();
    });
    known.forEach((service, i) => {
      assertLifecycle(service, `known[${i}]`);
      const id = String(i);
      map.#entries.set(id, new Entry(id, service.constructor.name, service, map));
    });
    map.#immutable = true;
    return map;
  }

  /**
   * Makes a service with the {@link CreateFunc}, starts it if `state.active`, configures it if
   * `state.config` is not empty (in that order), and adds it.
   *
   * @remarks
   * If any step throws, the create is undone: a started service is stopped, the map is as
   * before, no listener sees the record, and the error propagates. On success an `add`
   * {@link Change} is published.
   *
   * @param id - the new record's id; empty or `undefined` mints one with the {@link IdFunc}.
   * @param kind - the kind of service, passed to the {@link CreateFunc}; must not be empty.
   * @param state - what to bring the service to.
   * @returns the id and the service's State.
   * @throws TypeError for an empty `kind`; an `Error` whose message starts `bad id` (with the
   * IdFunc's error as `cause`) when no id can be minted; {@link AlreadyExistsError} for an id
   * in the map; {@link ImmutableError} on a map made by {@link ServiceMap.of}; and whatever
   * the CreateFunc, `start()` or `configure()` throws.
   */
  create(
    id: string | undefined,
    kind: string,
    state?: CreateState,
  ): {
    /** The new record's id, given or minted. */
    id: string;
    /** The service's State once started and configured as asked. */
    state: State;
  } {
    if (this.#immutable) throw new ImmutableError();
    if (typeof kind !== 'string' || kind === '') throw new TypeError(`kind must be a non-empty string, got ${show(kind)}`);
    if (id !== undefined && typeof id !== 'string') throw new TypeError(`id must be a string, got ${show(id)}`);
    optionalObject('state', state);
    if (state?.active !== undefined && typeof state.active !== 'boolean') {
      throw new TypeError(`state.active must be a boolean, got ${show(state.active)}`);
    }
    if (state?.config !== undefined && typeof state.config !== 'string' && !(state.config instanceof Uint8Array)) {
      throw new TypeError(`state.config must be a string or a Uint8Array, got ${show(state.config)}`);
    }
    const newId = id ? id : this.#mintId(kind);
    if (this.#entries.has(newId)) throw new AlreadyExistsError(`already exists: ${newId}`);

    let result: { id: string; state: State };
    this.#depth++;
    try {
      const service = this.#create(newId, kind);
      assertLifecycle(service, 'the service returned by create');
      let started = false;
      try {
        if (state?.active) {
          service.start();
          started = true;
        }
        if (hasContent(state?.config)) service.configure(state.config);
        // The factory or a start/configure callback may have added this id meanwhile.
        if (this.#entries.has(newId)) {
          throw new AlreadyExistsError(`already exists: ${newId}`);
        }
      } catch (err) {
        if (started && service.state.active) {
          try {
            service.stop();
          } catch (stopError) {
            reportUnhandledError(stopError); // the create's own error is the one to throw
          }
        }
        throw err;
      }
      const entry = new Entry(newId, kind, service, this);
      // A deleted record of this id still leaving is removed for good first (its States not
      // yet delivered are skipped), so that no listener sees the id twice.
      this.#leaving.get(newId)?.[finishNow]();
      this.#entries.set(newId, entry);
      if (this.#tracking > 0 || this.#records$?.observed) {
        const time = this.#now();
        if (this.#tracking > 0) {
          entry[track]();
          this.#publishState('add', undefined, entry[latest], time);
        }
        this.#publishRecord('add', undefined, entry, time);
      }
      result = { id: newId, state: service.state };
    } finally {
      this.#depth--;
      // Also when this create failed: a nested create that succeeded was published.
      this.#flush();
    }
    return result;
  }

  /**
   * Removes the record of `id`, stops its service (an {@link AlreadyStoppedError} is
   * ignored) and publishes a `remove` {@link Change}. State listeners see the stop's `update`
   * before the `remove`; `onStop` and the service's own subscribers already find the record
   * gone.
   * @param id - the record to remove.
   * @returns the service's State after the stop.
   * @throws {@link NotFoundError} for an unknown id; {@link ImmutableError} on a map made by
   * {@link ServiceMap.of}; any other error of `stop()`, with the record put back.
   */
  delete(id: string): State {
    if (this.#immutable) throw new ImmutableError();
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new NotFoundError(`not found: ${String(id)}`);
    const service = entry.service;
    let result: State;
    this.#depth++;
    try {
      this.#entries.delete(id);
      try {
        service.stop(); // still followed: its update comes before the remove
      } catch (err) {
        if (!(err instanceof AlreadyStoppedError)) {
          if (!this.#entries.has(id)) this.#entries.set(id, entry); // it would not stop: undo
          throw err;
        }
      }
      result = service.state;
      const time = this.#now();
      if (entry[latest] !== undefined) {
        // States the service committed but has not delivered yet (it may be in the middle of
        // a delivery) still reach the listeners, in order, before the remove. A Service hands
        // them over at once; another Lifecycle is followed until it has delivered them.
        const finish = (at: number, unseenToo: boolean) => {
          if (this.#leaving.get(id) === entry) this.#leaving.delete(id);
          const unseen = entry[untrack]();
          if (unseenToo) for (const next of unseen) this[stateChangedKey](entry, next, undefined);
          const last = entry[latest];
          entry[forget]();
          this.#publishState('remove', last, undefined, at);
          this.#flush();
        };
        // A record followed until its stopped State came through ends there: what its
        // service does after the delete (a listener may restart it) is no record's State.
        if (entry[finishWhenSeen](result, () => finish(this.#now(), false))) this.#leaving.set(id, entry);
        else finish(time, true);
      }
      this.#publishRecord('remove', entry, undefined, time);
    } finally {
      this.#depth--;
      this.#flush(); // also when stop() threw: what was published before still goes out
    }
    return result;
  }

  /**
   * The record of `id`, if any.
   * @param id - the record's id.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker');
   * console.log(map.get('a')?.kind, map.get('b')); // worker undefined
   * ```
   */
  get(id: string): ServiceRecord | undefined {
    return this.#entries.get(id);
  }

  /**
   * Every record, in the order they were added.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('b', 'web');
   * map.create('a', 'db');
   * console.log(map.values().map((r) => `${r.id}:${r.kind}`)); // [ 'b:web', 'a:db' ]
   * ```
   */
  values(): ServiceRecord[] {
    const out: ServiceRecord[] = [];
    for (const entry of this.#entries.values()) out.push(entry);
    return out;
  }

  /**
   * Every record with its service's current State, in the order they were added (and a
   * record still leaving: see docs/decisions.md).
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker', { active: true });
   * map.create('b', 'worker');
   * console.log(map.states().map((r) => [r.id, r.state.active])); // [ [ 'a', true ], [ 'b', false ] ]
   * ```
   */
  states(): StateRecord[] {
    const out: StateRecord[] = [];
    for (const entry of this.#snapshotEntries()) out.push(this.#current(entry));
    return out;
  }

  /**
   * Adds and removes, from the subscription on.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.listen().subscribe((c) => console.log(c.changeType, c.newValue?.id ?? c.oldValue?.id));
   * map.create('a', 'worker');
   * // add a
   * map.get('a')!.service.start(); // State changes are not Changes: nothing is printed
   * map.delete('a');
   * // remove a
   * ```
   */
  listen(): Observable<Change> {
    return (this.#listen$ ??= new Observable<Change>((subscriber) =>
      this.#recordsOut.join((this.#records$ ??= new Subject<Change>()), subscriber),
    ));
  }

  /**
   * The current records and a stream of the later adds and removes; nothing is missed or
   * repeated when the stream is subscribed in the same synchronous turn.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker');
   * const [records, changes$] = map.getAndListen();
   * changes$.subscribe((c) => console.log(c.changeType, c.newValue?.id));
   * console.log(records.map((r) => r.id)); // [ 'a' ]
   * map.create('b', 'worker');
   * // add b
   * ```
   */
  getAndListen(): [ServiceRecord[], Observable<Change>] {
    return [this.values(), this.listen()];
  }

  /**
   * A {@link StateRecord} per record, and a stream of {@link StateChange}s: `add` for each
   * later record (with its State then), `update` for each State change of any service, and
   * `remove` (with the last State) for each deletion.
   *
   * @remarks
   * Nothing is missed or repeated when the stream is subscribed in the same synchronous
   * turn. While it is subscribed, each service is followed by one light hook; unsubscribing
   * the last listener releases them all. The cost of a change does not depend on the number
   * of services.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker');
   * const [records, changes$] = map.getAndListenState();
   * console.log(records.map((r) => `${r.id} ${r.state.active}`)); // [ 'a false' ]
   * const subscription = changes$.subscribe((c) => console.log(c.changeType, c.newValue?.state.active));
   * map.get('a')!.service.start();
   * // update true
   * subscription.unsubscribe(); // releases the hook on each service
   * ```
   */
  getAndListenState(): [StateRecord[], Observable<StateChange>] {
    return [this.states(), this.#stateChanges()];
  }

  /**
   * The stream of {@link ServiceMap.getAndListenState} without its snapshot, for
   * `lifecycleEvents`, which has no use for one.
   * @internal
   */
  [stateChangeStream](): Observable<StateChange> {
    return this.#stateChanges();
  }

  /**
   * The whole map as an immutable `ReadonlyMap` from id to {@link StateRecord}: on
   * subscription, then once per change. Each emitted map shares structure with the previous
   * one (a persistent hash map), so a change costs O(log n), not a copy.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker');
   * map.states$.subscribe((all) => console.log([...all.values()].map((r) => `${r.id}:${r.state.active}`)));
   * // [ 'a:false' ]
   * map.get('a')!.service.start();
   * // [ 'a:true' ]
   * map.create('b', 'worker');
   * // [ 'a:true', 'b:false' ]
   * ```
   */
  get states$(): Observable<ReadonlyMap<string, StateRecord>> {
    return (this.#states$ ??= new Observable<ReadonlyMap<string, StateRecord>>((subscriber) => {
      let snapshot: ImmutableMap<string, StateRecord> | undefined;
      const subscription = this.#stateChanges().subscribe((change) => {
        snapshot =
          change.changeType === 'remove'
            ? snapshot!.remove(change.oldValue!.id)
            : snapshot!.set(change.newValue!.id, change.newValue!);
        subscriber.next(new StatesView(snapshot));
      });
      // Subscribing tracked every entry; nothing is delivered before this line.
      snapshot = ImmutableMap<string, StateRecord>().withMutations((m) => {
        for (const entry of this.#snapshotEntries()) m.set(entry.id, entry[latest]!);
      });
      subscriber.next(new StatesView(snapshot));
      return subscription;
    }));
  }

  /**
   * Counts of the map: on subscription, then whenever they change. Kept incrementally: a
   * change updates them without walking the map.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap((_id, kind) => new Service(() => {
   *   if (kind === 'bad') throw new Error('boom');
   * }));
   * map.summary$.subscribe((s) => console.log(`${s.active}/${s.total} active, ${s.failed} failed`));
   * // 0/0 active, 0 failed
   * map.create('a', 'good', { active: true, config: '{}' });
   * // 1/1 active, 0 failed
   * map.create('b', 'bad', { active: true, config: '{}' });
   * // 1/2 active, 1 failed
   * ```
   */
  get summary$(): Observable<ServiceMapSummary> {
    return (this.#summary$ ??= new Observable<ServiceMapSummary>((subscriber) => {
      const counts = new SummaryCounts();
      const subscription = this.#stateChanges().subscribe((change) => {
        if (counts.apply(change)) subscriber.next(counts.snapshot());
      });
      for (const entry of this.#snapshotEntries()) counts.add(entry[latest]!);
      subscriber.next(counts.snapshot());
      return subscription;
    }));
  }

  /**
   * The State of the record `id`: at once (`undefined` while there is none), then each change;
   * it follows the id across delete and re-create.
   * @param id - the record's id.
   */
  stateOf$(id: string): Observable<State | undefined> {
    return new Observable<State | undefined>((subscriber) => {
      let last: State | undefined;
      const emit = (state: State | undefined) => {
        if (state !== last) subscriber.next((last = state));
      };
      const [records, changes] = this.getAndListenState();
      const subscription = changes.subscribe((change) => {
        const record = change.changeType === 'remove' ? undefined : change.newValue;
        if ((change.newValue ?? change.oldValue)!.id === id) emit(record?.state);
      });
      subscriber.next((last = records.find((r) => r.id === id)?.state));
      return subscription;
    });
  }

  /**
   * A tracked service's new State, at `time` on the service's clock when it says.
   * @internal
   */
  [stateChangedKey](entry: Entry, next: State, time: number | undefined): void {
    const previous = entry[latest];
    if (previous === undefined || previous.state === next) return;
    const current = entry[advance](next);
    this.#publishState('update', previous, current, time === undefined || this.#ownClock ? this.#now() : time);
    this.#flush();
  }

  #mintId(kind: string): string {
    let id: unknown;
    try {
      id = this.#idFunc(kind, (candidate) => this.#entries.has(candidate));
    } catch (err) {
      throw new Error(`bad id: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (typeof id !== 'string' || id === '') {
      throw new Error(`bad id: the IdFunc returned ${show(id)}, not a non-empty string`);
    }
    return id;
  }

  /** The entries State snapshots show: the records, then those still leaving. */
  *#snapshotEntries(): Generator<Entry> {
    yield* this.#entries.values();
    yield* this.#leaving.values();
  }

  #current(entry: Entry): StateRecord {
    return entry[latest] ?? stateRecord(entry, entry.service.state);
  }

  /** The StateChange stream: tracks every entry while subscribed. */
  #stateChanges(): Observable<StateChange> {
    return (this.#stateChanges$ ??= new Observable<StateChange>((subscriber) => {
      this.#retain();
      const subscription = this.#statesOut.join((this.#stateBus ??= new Subject<StateChange>()), subscriber);
      return () => {
        subscription.unsubscribe();
        this.#release();
      };
    }));
  }

  #retain(): void {
    if (this.#tracking++ === 0) for (const entry of this.#entries.values()) entry[track]();
  }

  #release(): void {
    if (--this.#tracking > 0) return;
    for (const entry of this.#entries.values()) {
      entry[untrack](); // nobody listens any more: unseen States go nowhere
      entry[forget]();
    }
  }

  #publishRecord(changeType: ChangeType, oldValue: ServiceRecord | undefined, newValue: ServiceRecord | undefined, changeTime: number): void {
    if (this.#records$?.observed) this.#recordsOut.push({ changeTime, changeType, oldValue, newValue });
  }

  #publishState(changeType: ChangeType, oldValue: StateRecord | undefined, newValue: StateRecord | undefined, changeTime: number): void {
    this.#statesOut.push({ changeTime, changeType, oldValue, newValue });
  }

  #flush(): void {
    if (this.#depth > 0) return;
    this.#statesOut.flush();
    this.#recordsOut.flush();
  }
}

/** One emitted value of {@link ServiceMap.states$}: a read-only view of a persistent map. */
class StatesView implements ReadonlyMap<string, StateRecord> {
  readonly #map: ImmutableMap<string, StateRecord>;

  constructor(map: ImmutableMap<string, StateRecord>) {
    this.#map = map;
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(id: string): StateRecord | undefined {
    return this.#map.get(id);
  }

  has(id: string): boolean {
    return this.#map.has(id);
  }

  forEach(callbackfn: (value: StateRecord, key: string, map: ReadonlyMap<string, StateRecord>) => void, thisArg?: unknown): void {
    this.#map.forEach((value, key) => {
      callbackfn.call(thisArg, value, key, this);
    });
  }

  *keys(): MapIterator<string> {
    yield* this.#map.keys();
  }

  *values(): MapIterator<StateRecord> {
    yield* this.#map.values();
  }

  *entries(): MapIterator<[string, StateRecord]> {
    yield* this.#map.entries();
  }

  [Symbol.iterator](): MapIterator<[string, StateRecord]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'StatesView';
  }
}

/** The numbers behind {@link ServiceMap.summary$}, kept up to date one change at a time. */
class SummaryCounts {
  total = 0;
  active = 0;
  loading = 0;
  retrying = 0;
  failed = 0;
  byKind: Record<string, number> = {};
  #last: ServiceMapSummary | undefined;

  add(record: StateRecord): void {
    this.total++;
    this.byKind = { ...this.byKind, [record.kind]: (this.byKind[record.kind] ?? 0) + 1 };
    this.#count(record.state, 1);
  }

  remove(record: StateRecord): void {
    this.total--;
    const left = (this.byKind[record.kind] ?? 0) - 1;
    const { [record.kind]: _gone, ...rest } = this.byKind;
    this.byKind = left > 0 ? { ...rest, [record.kind]: left } : rest;
    this.#count(record.state, -1);
  }

  /** Applies a change; tells whether any count moved. */
  apply(change: StateChange): boolean {
    const before = this.#last;
    if (change.oldValue && change.newValue) {
      this.#count(change.oldValue.state, -1);
      this.#count(change.newValue.state, 1);
    } else if (change.newValue) this.add(change.newValue);
    else if (change.oldValue) this.remove(change.oldValue);
    return (
      before === undefined ||
      before.total !== this.total ||
      before.active !== this.active ||
      before.loading !== this.loading ||
      before.retrying !== this.retrying ||
      before.failed !== this.failed ||
      before.byKind !== this.byKind
    );
  }

  snapshot(): ServiceMapSummary {
    const { total, active, loading, retrying, failed, byKind } = this;
    return (this.#last = freeze({ total, active, loading, retrying, failed, byKind }, true));
  }

  #count(state: State, delta: number): void {
    if (state.active) this.active += delta;
    if (state.loading) this.loading += delta;
    const status = statusOf(state);
    if (status === 'retrying') this.retrying += delta;
    else if (status === 'failed') this.failed += delta;
  }
}
