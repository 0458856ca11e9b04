/**
 * React hooks over any `ServiceStates` (a local `ServiceMap` or a `RemoteServiceMap`), built on
 * `toExternalStore` and React's `useSyncExternalStore`. React 18 or later, an optional peer
 * dependency: only this entry point loads it.
 * @module rx-lifecycle/react
 */
export { useServiceStates } from './useServiceStates.js';
export { useServiceState } from './useServiceState.js';
export { useServiceSummary } from './useServiceSummary.js';
export { useConnection } from './useConnection.js';
export type { ConnectionSource } from './useConnection.js';
