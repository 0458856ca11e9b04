import { Observable } from 'rxjs';
import { isLifecycle } from './internal/mapEntry.js';
import { failedBetween, isFailed, isRetrying } from './internal/readings.js';
import { show } from './internal/validate.js';
import type { Lifecycle } from './Lifecycle.js';
import type { StateChange, StateRecordBase } from './records.js';
import type { ServiceStates } from './ServiceStates.js';
import type { State } from './State.js';

/**
 * What {@link lifecycleEvents} reports, named for what happened.
 * @example
 * ```ts
 * import { Service, lifecycleEvents, type LifecycleEventType } from 'rx-lifecycle';
 *
 * const counts = new Map<LifecycleEventType, number>();
 * const service = new Service(() => {});
 * lifecycleEvents(service).subscribe((e) => counts.set(e.type, (counts.get(e.type) ?? 0) + 1));
 * service.configure('{}');
 * service.start();
 * service.stop();
 * service.start();
 * console.log(counts); // Map(3) { 'started' => 2, 'loaded' => 2, 'stopped' => 1 }
 * ```
 * @category Events
 */
export type LifecycleEventType =
  | 'created'
  | 'started'
  | 'loaded'
  | 'retryScheduled'
  | 'recovered'
  | 'gaveUp'
  | 'stopped'
  | 'removed';

/**
 * Fields every {@link LifecycleEvent} has.
 * @example
 * ```ts
 * import { Service, ServiceMap, lifecycleEvents, type LifecycleEventBase } from 'rx-lifecycle';
 *
 * const where = (e: LifecycleEventBase) => `at ${e.time} ${e.id ?? '-'}/${e.kind ?? '-'} active=${e.state.active}`;
 * const map = new ServiceMap(() => new Service(() => {}, { now: () => 1000 }), undefined, { now: () => 2000 });
 * lifecycleEvents(map).subscribe((e) => console.log(e.type, where(e)));
 * map.create('a', 'worker');
 * // created at 2000 a/worker active=false
 * map.get('a')!.service.start();
 * // started at 1000 a/worker active=true
 * ```
 * @category Events
 */
export interface LifecycleEventBase {
  /** When it happened (epoch ms, from the State's own times or the map's change time). */
  readonly time: number;
  /** The State right after it happened. */
  readonly state: State;
  /** The record's id, for events of a {@link ServiceMap}. */
  readonly id?: string | undefined;
  /** The record's kind, for events of a {@link ServiceMap}. */
  readonly kind?: string | undefined;
}

/**
 * An event derived from State changes, for logs and metrics.
 *
 * @remarks
 * - `created` / `removed`: a record was added to / deleted from a map.
 * - `started`: the service became active.
 * - `loaded`: a load succeeded at its first attempt.
 * - `retryScheduled`: an attempt failed and another runs after `delay` ms; `attempt` counts
 *   the failures so far.
 * - `recovered`: a load succeeded after `attempts` failures, `duration` ms after it began.
 * - `gaveUp`: a load failed for good and the service stopped with `error`.
 * - `stopped`: the service was stopped.
 * @example
 * ```ts
 * import { Service, lifecycleEvents, type LifecycleEvent } from 'rx-lifecycle';
 *
 * const line = (e: LifecycleEvent) => (e.type === 'gaveUp' ? `gave up: ${e.error.message}` : e.type);
 * const service = new Service(() => {
 *   throw new Error('boom');
 * });
 * lifecycleEvents(service).subscribe((e) => console.log(line(e)));
 * service.configure('{}');
 * service.start();
 * // started
 * // gave up: boom
 * ```
 * @category Events
 */
export type LifecycleEvent =
  | (LifecycleEventBase & {
      /** What happened. */
      readonly type: 'created' | 'started' | 'loaded' | 'stopped' | 'removed';
    })
  | (LifecycleEventBase & {
      /** An attempt failed and another is scheduled. */
      readonly type: 'retryScheduled';
      /** Failed attempts of this load so far. */
      readonly attempt: number;
      /** Milliseconds until the next attempt. */
      readonly delay: number;
      /** The failure. */
      readonly error: Error;
    })
  | (LifecycleEventBase & {
      /** A load succeeded after failures. */
      readonly type: 'recovered';
      /** Failed attempts before the success. */
      readonly attempts: number;
      /** Milliseconds from the start of the load to its success. */
      readonly duration: number;
    })
  | (LifecycleEventBase & {
      /** A load failed for good and the service stopped. */
      readonly type: 'gaveUp';
      /** The failure that ended it. */
      readonly error: Error;
    });

/**
 * An event of a map's service, from {@link lifecycleEvents} of a {@link ServiceStates}: it
 * always carries the record's `id` and `kind`.
 * @example
 * ```ts
 * import { Service, ServiceMap, lifecycleEvents, type MapLifecycleEvent } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * const line = (e: MapLifecycleEvent) => `${e.id} (${e.kind}): ${e.type}`;
 * lifecycleEvents(map).subscribe((e) => console.log(line(e)));
 * map.create('a', 'worker');
 * // a (worker): created
 * ```
 * @category Events
 */
export type MapLifecycleEvent = LifecycleEvent & {
  /** The record's id. */
  readonly id: string;
  /** The record's kind. */
  readonly kind: string;
};

/**
 * Names what happened between two consecutive States of one service: zero, one or two events
 * (a start that loads at once is `started`, then `loaded` with the next State).
 * @internal
 */
export function eventsBetween(
  prev: State<unknown>,
  next: State<unknown>,
  where: { id?: string; kind?: string } = {},
): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  const base = (time: number | undefined) => ({ time: time ?? 0, state: next as State, ...where });
  const failedNow = failedBetween(prev, next);

  if (!prev.active && next.active) events.push({ type: 'started', ...base(next.lastActiveTime) });
  if (prev.active && !next.active) {
    if (failedNow && isFailed(next)) events.push({ type: 'gaveUp', error: next.error!, ...base(next.lastErrorTime) });
    else events.push({ type: 'stopped', ...base(next.lastInactiveTime) });
    return events;
  }
  if (failedNow && isRetrying(next)) {
    const at = next.lastErrorTime ?? 0;
    events.push({ type: 'retryScheduled', attempt: next.failedAttempts, delay: next.nextAttemptTime! - at, error: next.error!, ...base(at) });
  } else if (prev.loading && !next.loading && next.active) {
    const end = next.lastLoadingEndTime;
    if (next.failedAttempts > 0) {
      const duration = (end ?? 0) - (next.lastLoadingStartTime ?? end ?? 0);
      events.push({ type: 'recovered', attempts: next.failedAttempts, duration, ...base(end) });
    } else {
      events.push({ type: 'loaded', ...base(end) });
    }
  }
  return events;
}

/**
 * Events of a service or of every service in a map, derived from their State changes: for
 * logs and metrics without hand-written diffing of States.
 *
 * @remarks
 * Of a single service: the events of each later State change. Of a {@link ServiceMap}: also
 * `created` for each later record (with its State then) and `removed` for each deletion,
 * each event with `id` and `kind`. Events come in the order of the changes; nothing is
 * emitted for the States current at subscription.
 *
 * @param source - the read side of a map: a {@link ServiceMap}, a remote mirror or a fleet.
 * @returns a stream of events that never completes.
 * @throws TypeError when `source` is neither a Lifecycle nor a ServiceMap.
 * @example
 * ```ts
 * import { Service, lifecycleEvents } from 'rx-lifecycle';
 *
 * const service = new Service(() => {});
 * lifecycleEvents(service).subscribe((e) => console.log(e.type));
 * service.configure('{}');
 * service.start();
 * // started
 * // loaded
 * service.stop();
 * // stopped
 * ```
 * @see {@link logLifecycle} for a ready-made, rate-limited logger.
 * @category Events
 */
export function lifecycleEvents(source: ServiceStates<StateRecordBase>): Observable<MapLifecycleEvent>;
/**
 * The events of one service, derived from its State changes.
 * @param source - a {@link Lifecycle}, such as a {@link Service}.
 * @returns a stream of events that never completes.
 * @throws TypeError when `source` is neither a Lifecycle nor a ServiceStates.
 */
export function lifecycleEvents(source: Lifecycle<any>): Observable<LifecycleEvent>;
export function lifecycleEvents(source: Lifecycle<any> | ServiceStates<StateRecordBase>): Observable<LifecycleEvent> {
  if (isServiceStates(source)) {
    return new Observable<LifecycleEvent>((subscriber) =>
      source.getAndListenState()[1].subscribe((change) => {
        for (const event of mapEvents(change)) subscriber.next(event);
      }),
    );
  }
  if (!isLifecycle(source)) {
    throw new TypeError(`source must be a Lifecycle (such as a Service) or a ServiceStates (such as a ServiceMap), got ${show(source)}`);
  }
  return new Observable<LifecycleEvent>((subscriber) => {
    let [prev, changes] = source.stateAndChanges();
    return changes.subscribe((next) => {
      const before = prev;
      prev = next;
      for (const event of eventsBetween(before, next)) subscriber.next(event);
    });
  });
}

/** Whether `source` is the read side of a map (a local, remote or fleet map). @internal */
export function isServiceStates(source: unknown): source is ServiceStates<StateRecordBase> {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as ServiceStates).getAndListenState === 'function' &&
    typeof (source as ServiceStates).states === 'function'
  );
}

function mapEvents(change: StateChange<StateRecordBase>): MapLifecycleEvent[] {
  const { oldValue, newValue, changeTime } = change;
  if (change.changeType === 'add' && newValue) {
    return [{ type: 'created', time: changeTime, state: newValue.state as State, id: newValue.id, kind: newValue.kind }];
  }
  if (change.changeType === 'remove' && oldValue) {
    return [{ type: 'removed', time: changeTime, state: oldValue.state as State, id: oldValue.id, kind: oldValue.kind }];
  }
  if (oldValue && newValue) {
    return eventsBetween(oldValue.state, newValue.state, { id: newValue.id, kind: newValue.kind }) as MapLifecycleEvent[];
  }
  return [];
}
