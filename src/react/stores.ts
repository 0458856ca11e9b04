import type { Observable } from 'rxjs';
import { toExternalStore, type ExternalStore } from '../toExternalStore.js';

/**
 * The stores the hooks share, so that every component reading the same stream of the same
 * source uses one store (and one subscription), and a re-render never resubscribes.
 */

/** Throws a TypeError naming the argument (`argument`, as `useHook: name`) when `source` is not an object. */
function checkSource(source: unknown, argument: string): void {
  if (source === null || typeof source !== 'object') {
    throw new TypeError(`${argument} must be an object, got ${source === null ? 'null' : typeof source}`);
  }
}

/** One store per source object, for a stream that has one per source (`states$`, `summary$`). */
export function storeOf<K extends object, T>(
  argument: string,
  cache: WeakMap<K, ExternalStore<T>>,
  source: K,
  stream: (source: K) => Observable<T>,
): ExternalStore<T> {
  checkSource(source, argument);
  let store = cache.get(source);
  if (store === undefined) cache.set(source, (store = toExternalStore(stream(source))));
  return store;
}

/**
 * One store per source and key (`stateOf$(id)`). A store leaves the cache when its last
 * listener leaves, so ids that come and go do not pile up; it comes back if a component
 * that still holds it subscribes again.
 */
export function keyedStoreOf<K extends object, T>(
  argument: string,
  cache: WeakMap<K, Map<string, ExternalStore<T>>>,
  source: K,
  key: string,
  stream: (source: K, key: string) => Observable<T>,
): ExternalStore<T> {
  checkSource(source, argument);
  if (typeof key !== 'string') throw new TypeError(`${argument.split(':')[0]}: id must be a string, got ${typeof key}`);
  let byKey = cache.get(source);
  if (byKey === undefined) cache.set(source, (byKey = new Map()));
  const stores = byKey;
  const cached = stores.get(key);
  if (cached !== undefined) return cached;

  const inner = toExternalStore(stream(source, key));
  let listeners = 0;
  const store: ExternalStore<T> = {
    getSnapshot: inner.getSnapshot,
    subscribe: (onChange) => {
      const stop = inner.subscribe(onChange);
      if (listeners++ === 0 && !stores.has(key)) stores.set(key, store);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        stop();
        if (--listeners === 0 && stores.get(key) === store) stores.delete(key);
      };
    },
  };
  stores.set(key, store);
  return store;
}
