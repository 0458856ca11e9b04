/**
 * The floors: the least work the spec requires, done with bare primitives.
 *
 * - A **step** is what one published change must cost at least: read the clock, make the
 *   next State as a new frozen object copied field by field from the previous one, and
 *   `BehaviorSubject.next` it to one subscriber.
 * - A **signal** is `new AbortController()`, a read of `.signal`, and `abort(reason)` with a
 *   reason built once beforehand.
 *
 * The floor of `start()` + `stop()` is 2 steps; of the fresh cycle (new, subscribe, start,
 * configure with a synchronous apply, stop) a new `BehaviorSubject`, a subscribe, 4 steps
 * and 1 signal; of the reused cycle (start reloads the config, configure, stop) 5 steps and
 * 2 signals. Each floor publishes the same States in the same order as the Service does, so
 * the subscriber sees the same count of notifications.
 */
import { BehaviorSubject } from 'rxjs';
import type { MicroTask } from './measure.js';

/** The fields of a State (spec section 1), every one present. */
export interface FloorState {
  readonly active: boolean;
  readonly config: string | undefined;
  readonly loading: boolean;
  readonly error: Error | undefined;
  readonly failedAttempts: number;
  readonly lastInactiveTime: number | undefined;
  readonly lastActiveTime: number | undefined;
  readonly lastErrorTime: number | undefined;
  readonly lastConfigTime: number | undefined;
  readonly lastLoadingStartTime: number | undefined;
  readonly lastLoadingEndTime: number | undefined;
  readonly nextAttemptTime: number | undefined;
}

/** Keeps results alive so that the optimizer cannot drop the work; counts publications. */
export const sink = { value: undefined as unknown, count: 0, published: 0 };

/** The one subscriber of every floor, Service and XState actor here. */
export function subscriber(value: unknown): void {
  sink.value = value;
  sink.published++;
}

/** The abort reason of the floor, built once, as the library may build its own once. */
export const REASON: Error = Object.freeze(new Error('stopped'));

/** The config every cycle accepts. */
export const CONFIG = '{"interval":1000}';

/**
 * A State of the floors. A class, not an object literal: V8 keeps an allocation site per
 * literal and, once most objects made there outlive a young collection (the States of a large
 * map do), allocates every later one in the old generation, which would make the floors pay
 * for what `floorCreate` did. The library's States avoid that the same way (src/internal/plain.ts).
 */
class FloorStateObject implements FloorState {
  constructor(
    readonly active: boolean,
    readonly config: string | undefined,
    readonly loading: boolean,
    readonly error: Error | undefined,
    readonly failedAttempts: number,
    readonly lastInactiveTime: number | undefined,
    readonly lastActiveTime: number | undefined,
    readonly lastErrorTime: number | undefined,
    readonly lastConfigTime: number | undefined,
    readonly lastLoadingStartTime: number | undefined,
    readonly lastLoadingEndTime: number | undefined,
    readonly nextAttemptTime: number | undefined,
  ) {}
}

function frozen(...fields: ConstructorParameters<typeof FloorStateObject>): FloorState {
  return Object.freeze(new FloorStateObject(...fields));
}

/** A new service's State; the floor shares one, built before anything is timed. */
export const INITIAL: FloorState = frozen(false, undefined, false, undefined, 0, 1, undefined, undefined, undefined, undefined, undefined, undefined);

// The transitions of the cycles, each copying every other field from the previous State.

export function started(s: FloorState, now: number): FloorState {
  return frozen(true, s.config, false, undefined, s.failedAttempts, s.lastInactiveTime, now, s.lastErrorTime, s.lastConfigTime, s.lastLoadingStartTime, s.lastLoadingEndTime, s.nextAttemptTime);
}

/** start() of a service that has a config: active and loading, one State. */
export function startedLoading(s: FloorState, now: number): FloorState {
  return frozen(true, s.config, true, undefined, 0, s.lastInactiveTime, now, s.lastErrorTime, s.lastConfigTime, now, undefined, s.nextAttemptTime);
}

/** configure() of an active service: the config accepted and its load begun, one State. */
export function configured(s: FloorState, config: string, now: number): FloorState {
  return frozen(s.active, config, true, s.error, 0, s.lastInactiveTime, s.lastActiveTime, s.lastErrorTime, now, now, undefined, s.nextAttemptTime);
}

export function loaded(s: FloorState, now: number): FloorState {
  return frozen(s.active, s.config, false, s.error, s.failedAttempts, s.lastInactiveTime, s.lastActiveTime, s.lastErrorTime, s.lastConfigTime, s.lastLoadingStartTime, now, undefined);
}

export function stopped(s: FloorState, now: number): FloorState {
  return frozen(false, s.config, false, s.error, s.failedAttempts, now, s.lastActiveTime, s.lastErrorTime, s.lastConfigTime, s.lastLoadingStartTime, s.lastLoadingEndTime, undefined);
}

/** Makes a signal and reads it, as a load hands one to apply. */
function signalOf(controller: AbortController): void {
  if (controller.signal.aborted) sink.count++;
}

/** 2 steps per operation: start and stop, on one long-lived subject with one subscriber. */
export function floorStartStop(key = 'floor.startStop'): MicroTask {
  const subject = new BehaviorSubject<FloorState>(INITIAL);
  subject.subscribe(subscriber);
  let s = INITIAL;
  return {
    key,
    run: (n) => {
      for (let i = 0; i < n; i++) {
        s = started(s, Date.now());
        subject.next(s);
        s = stopped(s, Date.now());
        subject.next(s);
      }
    },
  };
}

/** A new subject, a subscribe, 4 steps and 1 signal per operation. */
export function floorFresh(): MicroTask {
  return {
    key: 'floor.fresh',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const subject = new BehaviorSubject<FloorState>(INITIAL);
        subject.subscribe(subscriber);
        let s = started(INITIAL, Date.now());
        subject.next(s);
        s = configured(s, CONFIG, Date.now());
        subject.next(s);
        const controller = new AbortController();
        signalOf(controller);
        s = loaded(s, Date.now());
        subject.next(s);
        s = stopped(s, Date.now());
        controller.abort(REASON);
        subject.next(s);
      }
    },
  };
}

/** 5 steps and 2 signals per operation, on one long-lived subject with a config. */
export function floorReused(): MicroTask {
  let s = frozen(false, CONFIG, false, undefined, 0, 1, undefined, undefined, 1, undefined, undefined, undefined);
  const subject = new BehaviorSubject<FloorState>(s);
  subject.subscribe(subscriber);
  return {
    key: 'floor.reused',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        s = startedLoading(s, Date.now());
        subject.next(s);
        const first = new AbortController();
        signalOf(first);
        s = loaded(s, Date.now());
        subject.next(s);
        s = configured(s, CONFIG, Date.now());
        subject.next(s);
        const second = new AbortController();
        signalOf(second);
        s = loaded(s, Date.now());
        subject.next(s);
        s = stopped(s, Date.now());
        first.abort(REASON);
        second.abort(REASON);
        subject.next(s);
      }
    },
  };
}

/** One step per operation, for information: the unit of the floors. */
export function floorStep(): MicroTask {
  const subject = new BehaviorSubject<FloorState>(INITIAL);
  subject.subscribe(subscriber);
  let s = INITIAL;
  return {
    key: 'floor.step',
    granule: 2,
    run: (n) => {
      for (let i = 0; i < n; i += 2) {
        s = started(s, Date.now());
        subject.next(s);
        s = stopped(s, Date.now());
        subject.next(s);
      }
    },
  };
}

/** One signal per operation, for information. */
export function floorSignal(): MicroTask {
  return {
    key: 'floor.signal',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const controller = new AbortController();
        signalOf(controller);
        controller.abort(REASON);
      }
    },
  };
}

/**
 * The map's floor for `ids`: `Map.set(id, new BehaviorSubject(State))`, where the State is a
 * new service's, made and frozen per service with its own clock reading (the spec gives each
 * new service `lastInactiveTime: now()`), or, with `shared`, one frozen State built
 * beforehand for all (for information: the least a map could do).
 */
export function floorCreate(ids: readonly string[], shared: boolean): Map<string, BehaviorSubject<FloorState>> {
  const map = new Map<string, BehaviorSubject<FloorState>>();
  if (shared) {
    for (let i = 0; i < ids.length; i++) map.set(ids[i]!, new BehaviorSubject<FloorState>(INITIAL));
  } else {
    for (let i = 0; i < ids.length; i++) {
      const state = frozen(false, undefined, false, undefined, 0, Date.now(), undefined, undefined, undefined, undefined, undefined, undefined);
      map.set(ids[i]!, new BehaviorSubject<FloorState>(state));
    }
  }
  return map;
}
