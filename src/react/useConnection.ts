import { useSyncExternalStore } from 'react';
import type { Observable } from 'rxjs';
import type { ExternalStore } from '../toExternalStore.js';
import { storeOf } from './stores.js';

/**
 * Anything with a `connection$` that delivers its current value on subscription, such as a
 * `RemoteServiceMap` of `rx-lifecycle/client`.
 * @typeParam C - what `connection$` delivers.
 * @example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import type { ConnectionSource } from 'rx-lifecycle/react';
 *
 * const fake: ConnectionSource<{ status: string }> = { connection$: new BehaviorSubject({ status: 'live' }) };
 * fake.connection$.subscribe((c) => console.log(c.status)); // live
 * ```
 * @category React
 */
export interface ConnectionSource<C> {
  /** The connection's current status, then each change. */
  readonly connection$: Observable<C>;
}

const stores = new WeakMap<ConnectionSource<unknown>, ExternalStore<unknown>>();

/**
 * The connection of a remote map as a React value: the latest `connection$` of `remote`
 * (for a `RemoteServiceMap`: `{ status, error?, clockOffset }`).
 *
 * @typeParam C - what `connection$` delivers.
 * @param remote - a `RemoteServiceMap`, or anything with such a `connection$`.
 * @returns the current connection value.
 * @throws TypeError when `remote` is not an object.
 * @example
 * ```tsx
 * import { BehaviorSubject } from 'rxjs';
 * import { useConnection } from 'rx-lifecycle/react';
 *
 * const remote = { connection$: new BehaviorSubject({ status: 'live', clockOffset: 0 }) };
 *
 * export function Badge() {
 *   const { status } = useConnection(remote);
 *   return <span data-field="connection">{status}</span>;
 * }
 * ```
 * @category React
 */
export function useConnection<C>(remote: ConnectionSource<C>): C {
  const store = storeOf('useConnection: remote', stores, remote, (r) => r.connection$) as ExternalStore<C>;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
