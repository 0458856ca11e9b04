import { Observable, asyncScheduler } from 'rxjs';
import { AlreadyExistsError, AlreadyStoppedError, ImmutableError, NotFoundError } from './errors.js';
import { idIsUUID, type IdFunc } from './idFuncs.js';
import { assertLifecycle, Entry, type Changed, type Leaving } from './internal/mapEntry.js';
import { Outbox } from './internal/outbox.js';
import { plain, type Writable } from './internal/plain.js';
import { reportUnhandledError } from './internal/reportError.js';
import { optionalFunction, optionalObject, requiredFunction, show } from './internal/validate.js';
import type { CreateFunc, CreateState, ServiceMapOptions } from './ServiceMapOptions.js';
import type { Lifecycle, RawConfigOf } from './Lifecycle.js';
import type { Change, ChangeType, ServiceRecord, StateChange, StateRecord } from './records.js';
import type { ServiceMapSummary, ServiceStates } from './ServiceStates.js';
import type { State } from './State.js';
import { StateOfId } from './views/stateOfId.js';
import { statesSnapshots } from './views/statesSnapshots.js';
import { summaryCounts } from './views/SummaryCounts.js';

/** `service.stop()`, or the State it is in when it was stopped already; other errors propagate. */
function stopOrState<R>(service: Lifecycle<R>): State<R> {
  try {
    return service.stop();
  } catch (err) {
    if (err instanceof AlreadyStoppedError) return service.state;
    throw err;
  }
}

function hasContent(config: unknown): boolean {
  if (config === undefined || config === null) return false;
  if (typeof config === 'string') return config.length > 0;
  return !(config instanceof Uint8Array) || config.byteLength > 0;
}

/** What a change of a map carries: a {@link Change} or a {@link StateChange}. */
interface MapChange<V> {
  readonly changeTime: number;
  readonly changeType: ChangeType;
  readonly oldValue: V | undefined;
  readonly newValue: V | undefined;
}

/** Makes the changes a map publishes, of both kinds: plain objects (see {@link plain}), named `Change` in heap snapshots. */
const MapChange = plain(function Change<V>(
  this: Writable<MapChange<V>>,
  changeTime: number,
  changeType: ChangeType,
  oldValue: V | undefined,
  newValue: V | undefined,
) {
  this.changeTime = changeTime;
  this.changeType = changeType;
  this.oldValue = oldValue;
  this.newValue = newValue;
}) as new <V>(changeTime: number, changeType: ChangeType, oldValue: V | undefined, newValue: V | undefined) => MapChange<V>;

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
 * @typeParam S - the services the factory makes: `get`, `values`, records and changes carry it.
 * @category ServiceMap
 */
export class ServiceMap<S extends Lifecycle<any> = Lifecycle> implements ServiceStates<StateRecord<S>> {
  readonly #create: CreateFunc<Lifecycle<any>>;
  readonly #idFunc: IdFunc;
  readonly #now: () => number;
  /** `options.now` was given: it times updates too, instead of the services' own clocks. */
  readonly #ownClock: boolean;
  #immutable = false;

  readonly #entries = new Map<string, Entry<S>>();
  /** Records being deleted: in `#entries` (so a failed stop leaves the order as it was) but gone for readers. */
  readonly #leaving = new Map<string, Leaving>();
  /** Adds and removes, for `listen()`. */
  readonly #records = new Outbox<Change<S>>();
  /** Every change with States, for `getAndListenState()` and the views on it. */
  readonly #changes = new Outbox<StateChange<StateRecord<S>>>();
  // Typed loosely on purpose: a function field taking S would make ServiceMap<S> invariant in S.
  readonly #onState: Changed = (entry, previous, next) => {
    this.#changes.publish(new MapChange(this.#changeTime(next), 'update', entry.record(previous), entry.record(next)));
  };
  #stateOf: StateOfId<StateRecord<S>> | undefined;
  #states$: Observable<ReadonlyMap<string, StateRecord<S>>> | undefined;
  #summary$: Observable<ServiceMapSummary> | undefined;

  /**
   * @param create - makes the service of a new record.
   * @param idFunc - mints an id when `create` gets none.
   * @param options - the clock for change times.
   * @throws TypeError for a non-function `create` or `idFunc`, or a bad option.
   */
  constructor(create: CreateFunc<S>, idFunc: IdFunc = idIsUUID, options: ServiceMapOptions = {}) {
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
  static of<S extends Lifecycle<any>>(known: readonly S[]): ServiceMap<S> {
    if (!Array.isArray(known)) throw new TypeError(`known must be an array of Lifecycle, got ${show(known)}`);
    const map = new ServiceMap<S>(() => {
      throw new ImmutableError();
    });
    known.forEach((service, i) => {
      assertLifecycle(service, `known[${i}]`);
      const id = String(i);
      map.#entries.set(id, new Entry(id, service.constructor.name, service as S));
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
    state?: CreateState<RawConfigOf<S>>,
  ): {
    /** The new record's id, given or minted. */
    id: string;
    /** The service's State once started and configured as asked. */
    state: State<RawConfigOf<S>>;
  } {
    if (this.#immutable) throw new ImmutableError();
    if (typeof kind !== 'string' || kind === '') throw new TypeError(`kind must be a non-empty string, got ${show(kind)}`);
    if (id !== undefined && typeof id !== 'string') throw new TypeError(`id must be a string, got ${show(id)}`);
    optionalObject('state', state);
    if (state?.active !== undefined && typeof state.active !== 'boolean') {
      throw new TypeError(`state.active must be a boolean, got ${show(state.active)}`);
    }
    if (state?.config === null) throw new TypeError('state.config must not be null (leave it out for no config)');
    const newId = id ? id : this.#mintId(kind);
    if (this.#has(newId)) throw new AlreadyExistsError(`already exists: ${newId}`);
    this.#open();
    try {
      const service = this.#create(newId, kind) as S;
      assertLifecycle(service, 'the service returned by create');
      this.#bringUp(service, state);
      // The factory or a start/configure callback may have added this id meanwhile.
      if (this.#has(newId)) {
        this.#undo(service);
        throw new AlreadyExistsError(`already exists: ${newId}`);
      }
      const entry = new Entry(newId, kind, service);
      const leaving = this.#leaving.get(newId);
      if (leaving) this.#entries.delete(newId); // the record it replaces is on its way out
      this.#entries.set(newId, entry);
      if (leaving) leaving.successor = entry;
      else this.#added(entry);
      return { id: newId, state: service.state };
    } finally {
      this.#close(); // also when this create failed: a nested create that succeeded was published
    }
  }

  /**
   * Removes the record of `id`, stops its service (an {@link AlreadyStoppedError} is
   * ignored) and publishes a `remove` {@link Change}. State listeners see the stop's `update`
   * before the `remove`; `onStop` and the service's own subscribers already find the record
   * gone.
   * @param id - the record to remove.
   * @returns the service's State after the stop.
   * @throws {@link NotFoundError} for an unknown id; {@link ImmutableError} on a map made by
   * {@link ServiceMap.of}; any other error of `stop()`, with the record left where it was.
   */
  delete(id: string): State<RawConfigOf<S>> {
    if (this.#immutable) throw new ImmutableError();
    const entry = this.#get(id);
    if (entry === undefined) throw new NotFoundError(`not found: ${String(id)}`);
    const replaced = this.#leaving.get(id);
    if (replaced !== undefined) return this.#deleteUnpublished(entry, replaced);
    // The map stops following before the stop, so that what the service does after it (an
    // onStop that restarts it) is no record's State; it publishes the stop's State itself.
    const tracked = entry.tracked;
    const leaving: Leaving = { entry, state: entry.current(), successor: undefined };
    this.#leaving.set(id, leaving);
    this.#open();
    try {
      // States the service committed that the map has not seen yet (a delete from inside the
      // service's own notification) come first, in order.
      for (const next of entry.untrack()) this.#leave(leaving, next);
      let result: State<RawConfigOf<S>>;
      try {
        result = stopOrState(entry.service);
      } catch (err) {
        // The record stays where it was and is followed again, from the State it is in now.
        this.#leave(leaving, entry.service.state);
        if (tracked) entry.track(this.#onState);
        throw err;
      }
      this.#leaving.delete(id);
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      this.#leave(leaving, result);
      this.#removed(leaving);
      if (leaving.successor !== undefined) this.#added(leaving.successor);
      return result;
    } finally {
      if (this.#leaving.get(id) === leaving) this.#leaving.delete(id);
      this.#close();
    }
  }

  /**
   * Deletes a record whose add is not out yet: it re-created an id from inside the delete of
   * the record before it, which is still under way (and holds the map's batch open).
   * Listeners never saw it, so they hear nothing of it: its add is dropped, and its service
   * stopped. If the stop throws, the record stays, its add still to come.
   */
  #deleteUnpublished(entry: Entry<S>, replaced: Leaving): State<RawConfigOf<S>> {
    const result = stopOrState(entry.service);
    if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
    if (replaced.successor === entry) replaced.successor = undefined;
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
  get(id: string): ServiceRecord<S> | undefined {
    return this.#get(id);
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
  values(): ServiceRecord<S>[] {
    const out: ServiceRecord<S>[] = [];
    for (const entry of this.#present()) out.push(entry);
    return out;
  }

  /**
   * Every record with its service's current State, in the order they were added. (Called from
   * inside a `delete()`, it still shows the record being deleted, whose `remove` is yet to be
   * published.)
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
  states(): StateRecord<S>[] {
    const out: StateRecord<S>[] = [];
    for (const entry of this.#published()) out.push(this.#current(entry));
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
  listen(): Observable<Change<S>> {
    return new Observable<Change<S>>((subscriber) => this.#records.joinListener(subscriber));
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
  getAndListen(): [ServiceRecord<S>[], Observable<Change<S>>] {
    return [[...this.#published()], this.listen()];
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
  getAndListenState(): [StateRecord<S>[], Observable<StateChange<StateRecord<S>>>] {
    return [this.states(), this.#stateChanges()];
  }

  /**
   * The State of the record `id`: at once (`undefined` while there is no such record), then
   * each change; it follows the id across delete and re-create. One shared listener hands each
   * change to the subscribers of its id only.
   * @param id - the record's id.
   * @example
   * ```ts
   * import { Service, ServiceMap, statusOf } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.stateOf$('a').subscribe((s) => console.log(s && statusOf(s)));
   * // undefined
   * map.create('a', 'worker', { active: true });
   * // running
   * ```
   */
  stateOf$(id: string): Observable<State<RawConfigOf<S>> | undefined> {
    this.#stateOf ??= new StateOfId(
      () => this.#stateChanges(),
      (key) => {
        const entry = this.#get(key);
        return entry?.current();
      },
    );
    return this.#stateOf.stateOf$(id);
  }

  /**
   * The whole map as an immutable `ReadonlyMap` from id to {@link StateRecord}: on
   * subscription, then once per change. Each emitted map shares structure with the previous
   * one (a persistent hash map), so a change costs O(log n), not a copy. Its iteration order
   * is the trie's, set by the ids' hashes, not the order of insertion: the same ids always
   * come in the same order; sort them where the order shows.
   * @example
   * ```ts
   * import { Service, ServiceMap } from 'rx-lifecycle';
   *
   * const map = new ServiceMap(() => new Service(() => {}));
   * map.create('a', 'worker');
   * map.states$.subscribe((all) => console.log([...all.values()].map((r) => `${r.id}:${r.state.active}`).sort()));
   * // [ 'a:false' ]
   * map.get('a')!.service.start();
   * // [ 'a:true' ]
   * map.create('b', 'worker');
   * // [ 'a:true', 'b:false' ]
   * ```
   */
  get states$(): Observable<ReadonlyMap<string, StateRecord<S>>> {
    return (this.#states$ ??= statesSnapshots(() => this.getAndListenState()));
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
    return (this.#summary$ ??= summaryCounts(() => this.getAndListenState()));
  }

  /** The State change stream: follows every record while anyone listens. */
  #stateChanges(): Observable<StateChange<StateRecord<S>>> {
    return new Observable<StateChange<StateRecord<S>>>((subscriber) => {
      if (!this.#changes.observed) for (const entry of this.#published()) if (!this.#isLeaving(entry)) entry.track(this.#onState);
      const leave = this.#changes.joinListener(subscriber);
      return () => {
        leave();
        if (!this.#changes.observed) for (const entry of this.#published()) entry.untrack();
      };
    });
  }

  /** Starts and configures a new service as asked; undoes the start when a step throws. */
  #bringUp(service: S, state: CreateState<RawConfigOf<S>> | undefined): void {
    let started = false;
    try {
      if (state?.active) {
        service.start();
        started = true;
      }
      if (hasContent(state?.config)) service.configure(state!.config);
    } catch (err) {
      if (started) this.#undo(service);
      throw err;
    }
  }

  /** Stops a service whose create failed; the create's own error is the one to throw. */
  #undo(service: S): void {
    if (!service.state.active) return;
    try {
      service.stop();
    } catch (stopError) {
      reportUnhandledError(stopError);
    }
  }

  #added(entry: Entry<S>): void {
    const time = this.#now();
    if (this.#changes.observed) this.#publish('add', undefined, entry.record(entry.track(this.#onState)), time);
    if (this.#records.observed) this.#records.enqueue(new MapChange(time, 'add', undefined, entry));
  }

  /**
   * A record being deleted moves on to `state`: an update for the State listeners (those that
   * joined during the delete too: their snapshot showed the record as it was then).
   */
  #leave(leaving: Leaving, state: State<RawConfigOf<S>>): void {
    const { entry } = leaving;
    if (entry.same(leaving.state, state)) return;
    const previous = leaving.state;
    leaving.state = entry.advance(state);
    if (this.#changes.observed) this.#publish('update', entry.record(previous), entry.record(state), this.#changeTime(state));
  }

  /** Publishes the removal of a deleted record, with the State it left in. */
  #removed(leaving: Leaving): void {
    const time = this.#now();
    const { entry } = leaving;
    if (this.#changes.observed) this.#publish('remove', entry.record(leaving.state), undefined, time);
    if (this.#records.observed) this.#records.enqueue(new MapChange(time, 'remove', entry, undefined));
  }

  /** When a State changed: on the map's clock if it was given one, else the State's own time. */
  #changeTime(state: State<unknown>): number {
    return this.#ownClock ? this.#now() : this.#serviceTime(state);
  }

  #publish(
    changeType: ChangeType,
    oldValue: StateRecord<S> | undefined,
    newValue: StateRecord<S> | undefined,
    changeTime: number,
  ): void {
    this.#changes.enqueue(new MapChange(changeTime, changeType, oldValue, newValue));
  }

  /** The time of a service's change: when it became what it is, by its own clock. */
  #serviceTime(state: State<unknown>): number {
    return Math.max(
      state.lastInactiveTime ?? -Infinity,
      state.lastActiveTime ?? -Infinity,
      state.lastErrorTime ?? -Infinity,
      state.lastConfigTime ?? -Infinity,
      state.lastLoadingStartTime ?? -Infinity,
      state.lastLoadingEndTime ?? -Infinity,
    );
  }

  #open(): void {
    this.#changes.openBatch();
    this.#records.openBatch();
  }

  #close(): void {
    this.#changes.closeBatch();
    this.#records.closeBatch();
  }

  #mintId(kind: string): string {
    let id: unknown;
    try {
      id = this.#idFunc(kind, (candidate) => this.#has(candidate));
    } catch (err) {
      throw new Error(`bad id: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (typeof id !== 'string' || id === '') {
      throw new Error(`bad id: the IdFunc returned ${show(id)}, not a non-empty string`);
    }
    return id;
  }

  /** The record of `id`, unless it is being deleted. */
  #get(id: string): Entry<S> | undefined {
    const entry = this.#entries.get(id);
    return entry !== undefined && this.#leaving.get(id)?.entry !== entry ? entry : undefined;
  }

  #has(id: string): boolean {
    return this.#get(id) !== undefined;
  }

  /** The records, in order, without those being deleted. */
  *#present(): Generator<Entry<S>> {
    if (this.#leaving.size === 0) {
      yield* this.#entries.values();
      return;
    }
    for (const entry of this.#entries.values()) if (!this.#isLeaving(entry)) yield entry;
  }

  #isLeaving(entry: Entry<S>): boolean {
    return this.#leaving.get(entry.id)?.entry === entry;
  }

  /**
   * The records as listeners know them: a record being deleted is still there (its remove is
   * yet to come), and one that re-creates its id is not yet (its add comes after that remove).
   * The snapshots of `states()`, `getAndListen()` and `getAndListenState()` are these, so that
   * their streams continue them exactly, even when taken from inside a delete.
   */
  *#published(): Generator<Entry<S>> {
    if (this.#leaving.size === 0) {
      yield* this.#entries.values();
      return;
    }
    for (const entry of this.#entries.values()) {
      const leaving = this.#leaving.get(entry.id);
      if (leaving === undefined || leaving.entry === entry) yield entry;
    }
    for (const { entry } of this.#leaving.values()) if (this.#entries.get(entry.id) !== entry) yield entry;
  }

  #current(entry: Entry<S>): StateRecord<S> {
    const leaving = this.#leaving.get(entry.id);
    return entry.record(leaving?.entry === entry ? leaving.state : entry.current());
  }
}
