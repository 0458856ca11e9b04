/**
 * The lifecycle of background tasks as reactive RxJS state: `Service`, its operators,
 * `ServiceMap`, and the `ServiceStates` read interface every map shares.
 * @module rx-lifecycle
 */
// Data
export type { RawConfig, State } from './State.js';

// Service
export { Service } from './Service.js';
export type { ApplyFunc, ParseFunc } from './ApplyFunc.js';
export type { Lifecycle, RawConfigOf } from './Lifecycle.js';
export type { ServiceOptions, WhileLoading } from './ServiceOptions.js';
export { updateConfig } from './updateConfig.js';
export type { ConfigRecipe } from './updateConfig.js';

// Operators
export { retryBackoff } from './operators/retryBackoff.js';
export type { RetryBackoffOptions, RetryContext, RetryOptions } from './RetryOptions.js';
export { retryApply } from './operators/retryApply.js';
export { monoApply } from './operators/monoApply.js';

// Errors
export {
  AbortRetryError,
  AlreadyExistsError,
  AlreadyLoadingError,
  AlreadyStartedError,
  AlreadyStoppedError,
  ImmutableError,
  LifecycleError,
  NotFoundError,
  TimeoutError,
  abortRetry,
} from './errors.js';

// ServiceMap
export { ServiceMap } from './ServiceMap.js';
export type { CreateFunc, CreateState, ServiceMapOptions } from './ServiceMapOptions.js';
export type { Change, ChangeType, ServiceRecord, StateChange, StateRecord, StateRecordBase } from './records.js';
export type { ServiceMapSummary, ServiceStates } from './ServiceStates.js';
export { idIsKind, idIsRequired, idIsUUID } from './idFuncs.js';
export type { IdFunc } from './idFuncs.js';

// Status
export { statusOf } from './statusOf.js';
export type { Status } from './statusOf.js';

// Events
export { lifecycleEvents } from './lifecycleEvents.js';
export type { LifecycleEvent, LifecycleEventBase, LifecycleEventType, MapLifecycleEvent } from './lifecycleEvents.js';
export { logLifecycle, quietFailures } from './logLifecycle.js';
export type { LogLifecycleOptions, QuietFailuresOptions } from './logLifecycle.js';

// Front-end
export { toExternalStore } from './toExternalStore.js';
export type { ExternalStore } from './toExternalStore.js';
