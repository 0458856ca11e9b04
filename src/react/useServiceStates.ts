import { useSyncExternalStore } from 'react';
import type { ServiceStates } from '../ServiceStates.js';
import type { StateRecordBase } from '../records.js';
import type { ExternalStore } from '../toExternalStore.js';
import { storeOf } from './stores.js';

const stores = new WeakMap<ServiceStates, ExternalStore<ReadonlyMap<string, StateRecordBase>>>();

/**
 * The whole map as a React value: the latest `states$` of `source`, an immutable
 * `ReadonlyMap` from id to record. The component renders again after every change of any
 * record; for a table, render the rows with {@link useServiceState} so that each row renders
 * only when its own record changes.
 *
 * @remarks
 * Every component that reads the same source shares one subscription to its `states$`.
 * Works with any {@link ServiceStates}: a local `ServiceMap` or a `RemoteServiceMap`.
 *
 * @typeParam R - the record type of the source.
 * @param source - the map to read.
 * @throws TypeError when `source` is not an object.
 * @returns the current map of records, the same object until a change.
 * @example
 * ```tsx
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { useServiceStates } from 'rx-lifecycle/react';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 *
 * export function ServiceIds() {
 *   const records = useServiceStates(map);
 *   return <ul>{[...records.keys()].map((id) => <li key={id}>{id}</li>)}</ul>;
 * }
 * ```
 * @category React
 */
export function useServiceStates<R extends StateRecordBase>(source: ServiceStates<R>): ReadonlyMap<string, R> {
  const store = storeOf('useServiceStates: source', stores, source as ServiceStates, (s) => s.states$) as ExternalStore<ReadonlyMap<string, R>>;
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
