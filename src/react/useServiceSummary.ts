import { useSyncExternalStore } from 'react';
import type { ServiceMapSummary, ServiceStates } from '../ServiceStates.js';
import type { ExternalStore } from '../toExternalStore.js';
import { storeOf } from './stores.js';

const stores = new WeakMap<ServiceStates, ExternalStore<ServiceMapSummary>>();

/**
 * The counts of a map as a React value: the latest `summary$` of `source`. The component
 * renders again only when `summary$` emits, that is when a count changes.
 *
 * @param source - the map to read (a local `ServiceMap` or a `RemoteServiceMap`).
 * @throws TypeError when `source` is not an object.
 * @returns the current summary.
 * @example
 * ```tsx
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { useServiceSummary } from 'rx-lifecycle/react';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 *
 * export function SummaryBar() {
 *   const { total, active, retrying, failed } = useServiceSummary(map);
 *   return <p>{active}/{total} active, {retrying} retrying, {failed} failed</p>;
 * }
 * ```
 * @category React
 */
export function useServiceSummary(source: ServiceStates): ServiceMapSummary {
  const store = storeOf('useServiceSummary: source', stores, source, (s) => s.summary$);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
