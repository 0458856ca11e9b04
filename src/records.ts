import type { Lifecycle, RawConfigOf } from './Lifecycle.js';
import type { State } from './State.js';

/**
 * What every record with a State has, wherever the State comes from: a local
 * {@link ServiceMap} (its {@link StateRecord} adds the service itself), or a remote mirror
 * (whose records carry no service).
 * @example
 * ```ts
 * import { Service, ServiceMap, statusOf, type StateRecordBase } from 'rx-lifecycle';
 *
 * const line = (r: StateRecordBase) => `${r.id} (${r.kind}): ${statusOf(r.state)}`;
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'worker', { active: true });
 * console.log(map.states().map(line)); // [ 'a (worker): running' ]
 * ```
 * @category ServiceMap
 */
export interface StateRecordBase {
  /** The record's key in its map. */
  readonly id: string;
  /** The kind the service was created as. */
  readonly kind: string;
  /** The service's State at that moment (its config typed `unknown` here: see StateRecord). */
  readonly state: State<unknown>;
}

/**
 * What happened to a record: added, its service's State changed, or removed.
 * @example
 * ```ts
 * import { Service, ServiceMap, type ChangeType } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * const seen: ChangeType[] = [];
 * map.getAndListenState()[1].subscribe((c) => seen.push(c.changeType));
 * map.create('a', 'worker', { active: true });
 * map.delete('a');
 * console.log(seen); // [ 'add', 'update', 'remove' ]
 * ```
 * @category ServiceMap
 */
export type ChangeType = 'add' | 'update' | 'remove';

/**
 * A change of a map with States, as {@link ServiceStates.getAndListenState} publishes it:
 * `add` has `newValue`, `update` both, `remove` the last `oldValue`. Read-only (not frozen at
 * run time, for speed).
 * @typeParam R - the record type: {@link StateRecord} for a local map.
 * @example
 * ```ts
 * import { Service, ServiceMap, type StateChange } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}), undefined, { now: () => 1000 });
 * map.create('a', 'worker');
 * const show = (c: StateChange) => [c.changeTime, c.changeType, c.oldValue?.state.active, c.newValue?.state.active];
 * map.getAndListenState()[1].subscribe((c) => console.log(show(c).join(' ')));
 * map.get('a')!.service.start();
 * // 1000 update false true
 * map.delete('a');
 * // 1000 update true false
 * // 1000 remove false
 * ```
 * @category ServiceMap
 */
export interface StateChange<R extends StateRecordBase = StateRecord> {
  /** When it happened, on the map's clock. */
  readonly changeTime: number;
  /** What happened to the record. */
  readonly changeType: ChangeType;
  /** Before: the last record of an `update` or `remove`; `undefined` for `add`. */
  readonly oldValue?: R | undefined;
  /** After: the record of an `add` or `update`; `undefined` for `remove`. */
  readonly newValue?: R | undefined;
}

/**
 * A service held by a {@link ServiceMap}. Frozen.
 * @example
 * ```ts
 * import { Service, ServiceMap, type ServiceRecord } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'worker');
 * const record: ServiceRecord = map.get('a')!;
 * console.log(record.id, record.kind, record.service instanceof Service, Object.isFrozen(record));
 * // a worker true true
 * ```
 * @category ServiceMap
 */
export interface ServiceRecord<S extends Lifecycle<any> = Lifecycle> {
  /** The record's key in the map. */
  readonly id: string;
  /** The kind the service was created as (for {@link ServiceMap.of}, its constructor name). */
  readonly kind: string;
  /** The service itself. */
  readonly service: S;
}

/**
 * A {@link ServiceRecord} with the service's State at one moment. Read-only: treat it as
 * immutable (it is not frozen at run time, for speed).
 * @example
 * ```ts
 * import { Service, ServiceMap, statusOf, type StateRecord } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'worker', { active: true });
 * map.create('b', 'worker');
 * const line = (r: StateRecord) => `${r.id}: ${statusOf(r.state)}`;
 * console.log(map.states().map(line)); // [ 'a: running', 'b: stopped' ]
 * ```
 * @category ServiceMap
 */
export interface StateRecord<S extends Lifecycle<any> = Lifecycle> extends ServiceRecord<S>, StateRecordBase {
  /** The service's State at that moment. */
  readonly state: State<RawConfigOf<S>>;
}

/**
 * A record added to or removed from a {@link ServiceMap}, as {@link ServiceMap.listen}
 * publishes it. Read-only (not frozen at run time, for speed).
 * @example
 * ```ts
 * import { Service, ServiceMap, type Change } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}), undefined, { now: () => 1000 });
 * map.listen().subscribe((c: Change) => console.log(c.changeTime, c.changeType, (c.newValue ?? c.oldValue)?.id));
 * map.create('a', 'worker');
 * // 1000 add a
 * map.delete('a');
 * // 1000 remove a
 * ```
 * @category ServiceMap
 */
export interface Change<S extends Lifecycle<any> = Lifecycle> {
  /** When it happened, on the map's clock. */
  readonly changeTime: number;
  /** `add` or `remove` (never `update`: those come with States, see {@link StateChange}). */
  readonly changeType: ChangeType;
  /** The removed record. */
  readonly oldValue?: ServiceRecord<S> | undefined;
  /** The added record. */
  readonly newValue?: ServiceRecord<S> | undefined;
}

