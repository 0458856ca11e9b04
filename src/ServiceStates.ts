import type { Observable } from 'rxjs';
import type { StateChange, StateRecordBase } from './records.js';

/**
 * Counts over a map, as {@link ServiceStates.summary$} publishes them. Frozen.
 * @example
 * ```ts
 * import { Service, ServiceMap, type ServiceMapSummary } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'web', { active: true });
 * map.create('b', 'db');
 * map.summary$.subscribe((s: ServiceMapSummary) => console.log(s));
 * // { total: 2, active: 1, loading: 0, retrying: 0, failed: 0, byKind: { web: 1, db: 1 } }
 * ```
 * @category ServiceMap
 */
export interface ServiceMapSummary {
  /** Records in the map. */
  readonly total: number;
  /** Services that are active. */
  readonly active: number;
  /** Services that are loading (retry waits included). */
  readonly loading: number;
  /** Services waiting for a retry ({@link statusOf} `retrying`). */
  readonly retrying: number;
  /** Services that gave up ({@link statusOf} `failed`). */
  readonly failed: number;
  /** Records per kind. */
  readonly byKind: Readonly<Record<string, number>>;
  /**
   * Records of a fleet whose node has gone silent (counted in `total` and `byKind`, in none
   * of the other counts). Present only on fleet summaries.
   */
  readonly stale?: number | undefined;
}

/**
 * The read side of a map of services, whatever holds it: a local {@link ServiceMap}, a
 * remote mirror over HTTP, or a fleet over NATS. Dashboards, {@link lifecycleEvents},
 * `logLifecycle` and the React hooks are written against it, so they work over all three.
 *
 * @remarks
 * - `states$`, `summary$` and `stateOf$(id)` deliver their current value at once on
 *   subscription, then each change; `getAndListenState()`'s stream delivers changes only.
 * - The cost of a change does not grow with the number of records, for every stream here.
 *
 * @typeParam R - the record type: {@link StateRecord} for a local map.
 * @example
 * ```ts
 * import { Service, ServiceMap, statusOf, type ServiceStates } from 'rx-lifecycle';
 *
 * function watchStatus(source: ServiceStates, id: string): void {
 *   source.stateOf$(id).subscribe((s) => console.log(id, s === undefined ? 'absent' : statusOf(s)));
 * }
 * const map = new ServiceMap(() => new Service(() => {}));
 * watchStatus(map, 'a');
 * // a absent
 * map.create('a', 'worker', { active: true });
 * // a running
 * map.delete('a');
 * // a stopped
 * // a absent
 * ```
 * @category ServiceMap
 */
export interface ServiceStates<R extends StateRecordBase = StateRecordBase> {
  /** Every record with its current State. */
  states(): R[];
  /**
   * The records with their States, and atomically a stream of every later change: `add`,
   * `update` (a State changed) and `remove`.
   */
  getAndListenState(): [R[], Observable<StateChange<R>>];
  /** The whole map as an immutable `ReadonlyMap` from id to record: at once, then once per change. */
  readonly states$: Observable<ReadonlyMap<string, R>>;
  /** Counts over the map: at once, then whenever they change. */
  readonly summary$: Observable<ServiceMapSummary>;
  /**
   * The State of the record `id`: at once (`undefined` while there is no such record), then
   * each change. It keeps following the id across delete and re-create.
   * @param id - the record's id.
   */
  stateOf$(id: string): Observable<R['state'] | undefined>;
}
