import { useSyncExternalStore } from 'react';
import type { ServiceStates } from '../ServiceStates.js';
import type { StateRecordBase } from '../records.js';
import type { ExternalStore } from '../toExternalStore.js';
import { keyedStoreOf } from './stores.js';

const stores = new WeakMap<ServiceStates, Map<string, ExternalStore<StateRecordBase['state'] | undefined>>>();

/**
 * The State of one record of a map as a React value: the latest `stateOf$(id)` of `source`,
 * `undefined` while there is no record `id`.
 *
 * @remarks
 * The component renders again only when that record's State changes (or the record comes
 * or goes), not when other records are added, changed or removed: give each table row its
 * own component that calls this hook. Components reading the same id of the same source
 * share one subscription.
 *
 * @typeParam R - the record type of the source (its `state` is the State type returned).
 * @param source - the map to read (a local `ServiceMap` or a `RemoteServiceMap`).
 * @param id - the record's id.
 * @throws TypeError when `source` is not an object or `id` is not a string.
 * @returns the record's current State, or `undefined`.
 * @example
 * ```tsx
 * import { Service, ServiceMap, statusOf } from 'rx-lifecycle';
 * import { useServiceState } from 'rx-lifecycle/react';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 *
 * export function Row({ id }: { id: string }) {
 *   const state = useServiceState(map, id);
 *   return <tr><td>{id}</td><td>{state ? statusOf(state) : 'gone'}</td></tr>;
 * }
 * ```
 * @category React
 */
export function useServiceState<R extends StateRecordBase>(source: ServiceStates<R>, id: string): R['state'] | undefined {
  const store = keyedStoreOf('useServiceState: source', stores, source as ServiceStates, id, (s, key) => s.stateOf$(key)) as ExternalStore<R['state'] | undefined>;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
