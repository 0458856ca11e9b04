import { Subject, type Observable, type Subscription } from 'rxjs';

/**
 * A store in the shape React's `useSyncExternalStore` (and most UI libraries) read: a way
 * to be told of changes and a way to read the current value. Both functions work unbound.
 * @typeParam T - the value held.
 * @example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import { toExternalStore, type ExternalStore } from 'rx-lifecycle';
 *
 * const store: ExternalStore<number> = toExternalStore(new BehaviorSubject(1));
 * console.log(store.getSnapshot()); // 1
 * ```
 * @category Front-end
 */
export interface ExternalStore<T> {
  /**
   * Calls `onChange` after each change of the value, until the returned function is called.
   * @param onChange - called with no argument; read the value with `getSnapshot()`.
   * @returns a function that stops the calls; calling it again does nothing.
   */
  readonly subscribe: (onChange: () => void) => () => void;
  /** The current value: the same object until the source delivers another one. */
  readonly getSnapshot: () => T;
}

/** The value the store holds, or the error the source failed with. */
type Latest<T> = { readonly value: T } | { readonly error: unknown };

/**
 * Turns an Observable that delivers its current value on subscription (a `BehaviorSubject`,
 * `state$`, `states$`, `summary$`, `stateOf$(id)`) into an {@link ExternalStore}, the
 * contract of React's `useSyncExternalStore`.
 *
 * @remarks
 * - While anyone listens, the store holds one subscription to `source$`, shared by every
 *   listener, and `getSnapshot()` returns the last value it delivered: the same object until
 *   a change. Listeners are called after each value that is not the same object as the last.
 * - With no listener, `getSnapshot()` subscribes, takes the value delivered at once and
 *   unsubscribes; that value is kept until the end of the current microtask, so repeated
 *   reads in one render see one object.
 * - `subscribe` and `getSnapshot` are plain closures: React calls them unbound.
 * - When `source$` errors, `getSnapshot()` throws that error (a React error boundary gets it)
 *   until every listener has left; the next subscription tries again.
 * - A listener that throws does not stop the others; its error is reported the RxJS way
 *   (`config.onUnhandledError`).
 *
 * @param source$ - an Observable that delivers a value synchronously on subscribe.
 * @returns a store over it.
 * @throws TypeError when `source$` has no `subscribe` method; from the first `subscribe()` or
 * `getSnapshot()` when `source$` delivers no value synchronously on subscribe (as
 * `stateChanges()` and `listen()` do not).
 * @example
 * ```ts
 * import { Service, ServiceMap, toExternalStore } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * const summary = toExternalStore(map.summary$);
 * const { subscribe, getSnapshot } = summary; // unbound, as React calls them
 * const stop = subscribe(() => console.log('active:', getSnapshot().active));
 * console.log(getSnapshot().total); // 0
 * map.create('a', 'worker', { active: true });
 * // active: 1
 * console.log(getSnapshot() === getSnapshot()); // true
 * stop();
 * ```
 * @example
 * A stream that only reports later changes cannot be a store:
 * ```ts
 * import { Service, toExternalStore } from 'rx-lifecycle';
 *
 * const service = new Service(() => {});
 * try {
 *   toExternalStore(service.stateChanges()).getSnapshot();
 * } catch (err) {
 *   console.log((err as Error).name); // TypeError
 * }
 * ```
 * @see {@link ServiceStates} for the streams that deliver a value at once.
 * @category Front-end
 */
export function toExternalStore<T>(source$: Observable<T>): ExternalStore<T> {
  if (source$ === null || typeof source$ !== 'object' || typeof source$.subscribe !== 'function') {
    throw new TypeError(`toExternalStore: source$ must be an Observable, got ${source$ === null ? 'null' : typeof source$}`);
  }
  const changes = new Subject<void>();
  let listeners = 0;
  let subscription: Subscription | undefined;
  let latest: Latest<T> | undefined;
  /** Whether `latest` may be returned without reading the source again. */
  let fresh = false;

  const noValue = () =>
    new TypeError(
      'toExternalStore: source$ must deliver a value synchronously on subscribe ' +
        '(state$, states$, summary$, stateOf$(id) or a BehaviorSubject do; stateChanges() and listen() do not)',
    );
  const unwrap = (l: Latest<T>): T => {
    if ('error' in l) throw l.error;
    return l.value;
  };
  const forgetAtEndOfTurn = () => {
    fresh = true;
    queueMicrotask(() => {
      if (subscription === undefined) fresh = false;
    });
  };

  /** Subscribes, keeping each value; throws when nothing arrived at once. */
  const open = (): Subscription => {
    let delivered: Latest<T> | undefined;
    let opened = false;
    const receive = (next: Latest<T>) => {
      const changed = latest === undefined || !('value' in next && 'value' in latest && next.value === latest.value);
      latest = delivered = next;
      if (opened && changed) changes.next();
    };
    const sub = source$.subscribe({
      next: (value) => receive({ value }),
      error: (error: unknown) => receive({ error }),
    });
    opened = true;
    if (delivered === undefined) {
      sub.unsubscribe();
      throw noValue();
    }
    return sub;
  };

  const getSnapshot = (): T => {
    if (subscription === undefined && !fresh) {
      open().unsubscribe();
      forgetAtEndOfTurn();
    }
    return unwrap(latest!);
  };

  const subscribe = (onChange: () => void): (() => void) => {
    if (subscription === undefined) {
      subscription = open();
      fresh = true;
    }
    listeners += 1;
    const listening = changes.subscribe(() => onChange());
    let done = false;
    return () => {
      if (done) return;
      done = true;
      listening.unsubscribe();
      listeners -= 1;
      if (listeners === 0 && subscription !== undefined) {
        const last = subscription;
        subscription = undefined;
        last.unsubscribe();
        if (latest !== undefined && 'error' in latest) {
          latest = undefined;
          fresh = false;
        } else forgetAtEndOfTurn();
      }
    };
  };

  return { subscribe, getSnapshot };
}
