// Data
export type { RawConfig, State } from './State.js';

// Service
export { Service } from './Service.js';
export type { ApplyFunc, Lifecycle, ParseFunc, ServiceOptions, WhileLoading } from './Service.js';

// Operators
export { retryBackoff } from './operators/retryBackoff.js';
export type { RetryBackoffOptions, RetryContext, RetryOptions } from './operators/retryBackoff.js';
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
  NotFoundError,
  TimeoutError,
  abortRetry,
} from './errors.js';

// ServiceMap
export { ServiceMap } from './ServiceMap.js';
export type { CreateFunc, CreateState, ServiceMapOptions } from './ServiceMap.js';
export type { Change, ChangeType, ServiceRecord, StateChange, StateRecord, StateRecordBase } from './records.js';
export type { ServiceMapSummary, ServiceStates } from './ServiceStates.js';
export { idIsKind, idIsRequired, idIsUUID } from './idFuncs.js';
export type { IdFunc } from './idFuncs.js';

// Status
export { statusOf } from './statusOf.js';
export type { Status } from './statusOf.js';

// Events
export { lifecycleEvents } from './lifecycleEvents.js';
export type { LifecycleEvent, LifecycleEventBase, LifecycleEventType } from './lifecycleEvents.js';
export { logLifecycle, quietFailures } from './logLifecycle.js';
export type { LogLifecycleOptions, QuietFailuresOptions } from './logLifecycle.js';
