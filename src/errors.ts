/**
 * The base class of every error this library throws or records: one `instanceof
 * LifecycleError` tells them from the caller's own errors.
 *
 * @remarks
 * Each subclass has a fixed `name` (it survives minification) and a stable machine-readable
 * `code`, which is also how the remote client maps an error back to its class.
 * @example
 * ```ts
 * import { LifecycleError, Service } from 'rx-lifecycle';
 *
 * const service = new Service(() => {});
 * try {
 *   service.stop();
 * } catch (err) {
 *   if (err instanceof LifecycleError) console.log(err.name, err.code);
 *   // AlreadyStoppedError ERR_ALREADY_STOPPED
 * }
 * ```
 * @category Errors
 */
export class LifecycleError extends Error {
  /** The message of an error made without one; each subclass sets its own. */
  static readonly defaultMessage: string = 'lifecycle error';
  /** Stable machine-readable code, such as `ERR_ALREADY_STARTED`. */
  readonly code: string = 'ERR_LIFECYCLE';
  /**
   * @param message - defaults to the class's `defaultMessage`.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? (new.target as typeof LifecycleError).defaultMessage, options);
  }
}

/**
 * Thrown by {@link Service.start} when the service is already active.
 *
 * @example
 * ```ts
 * import { AlreadyStartedError, Service } from 'rx-lifecycle';
 *
 * const service = new Service(() => {});
 * service.start();
 * try {
 *   service.start();
 * } catch (err) {
 *   console.log(err instanceof AlreadyStartedError, (err as AlreadyStartedError).code);
 *   // true ERR_ALREADY_STARTED
 * }
 * ```
 * @category Errors
 */
export class AlreadyStartedError extends LifecycleError {
  /** `already started`, the message of one made without a message. */
  static override readonly defaultMessage = 'already started';
  /** Always `'AlreadyStartedError'` (fixed, so it survives minification). */
  override readonly name = 'AlreadyStartedError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_ALREADY_STARTED';
}

/**
 * Thrown by {@link Service.stop} when the service is not active.
 * {@link ServiceMap.delete} ignores it.
 *
 * @example
 * ```ts
 * import { AlreadyStoppedError, Service } from 'rx-lifecycle';
 *
 * try {
 *   new Service(() => {}).stop();
 * } catch (err) {
 *   console.log(err instanceof AlreadyStoppedError); // true
 * }
 * ```
 * @category Errors
 */
export class AlreadyStoppedError extends LifecycleError {
  /** `already stopped`, the message of one made without a message. */
  static override readonly defaultMessage = 'already stopped';
  /** Always `'AlreadyStoppedError'` (fixed, so it survives minification). */
  override readonly name = 'AlreadyStoppedError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_ALREADY_STOPPED';
}

/**
 * Thrown by {@link Service.configure} while a load is in progress (a retry wait included),
 * unless the service was built with `whileLoading: 'switch'`.
 *
 * @example
 * ```ts
 * import { AlreadyLoadingError, Service } from 'rx-lifecycle';
 *
 * const service = new Service(() => new Promise<void>(() => {})); // never settles
 * service.start();
 * service.configure('{}');
 * try {
 *   service.configure('{"b":1}');
 * } catch (err) {
 *   console.log(err instanceof AlreadyLoadingError); // true
 * }
 * ```
 * @category Errors
 */
export class AlreadyLoadingError extends LifecycleError {
  /** `already loading`, the message of one made without a message. */
  static override readonly defaultMessage = 'already loading';
  /** Always `'AlreadyLoadingError'` (fixed, so it survives minification). */
  override readonly name = 'AlreadyLoadingError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_ALREADY_LOADING';
}

/**
 * Thrown by {@link ServiceMap.delete} for an id the map does not hold.
 *
 * @example
 * ```ts
 * import { NotFoundError, ServiceMap, Service } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * try {
 *   map.delete('nope');
 * } catch (err) {
 *   console.log(err instanceof NotFoundError, (err as Error).message); // true not found: nope
 * }
 * ```
 * @category Errors
 */
export class NotFoundError extends LifecycleError {
  /** `not found`, the message of one made without a message. */
  static override readonly defaultMessage = 'not found';
  /** Always `'NotFoundError'` (fixed, so it survives minification). */
  override readonly name = 'NotFoundError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_NOT_FOUND';
}

/**
 * Thrown by {@link ServiceMap.create} and {@link ServiceMap.delete} on a map made by
 * {@link ServiceMap.of}.
 *
 * @example
 * ```ts
 * import { ImmutableError, ServiceMap, Service } from 'rx-lifecycle';
 *
 * const map = ServiceMap.of([new Service(() => {})]);
 * try {
 *   map.delete('0');
 * } catch (err) {
 *   console.log(err instanceof ImmutableError); // true
 * }
 * ```
 * @category Errors
 */
export class ImmutableError extends LifecycleError {
  /** `immutable`, the message of one made without a message. */
  static override readonly defaultMessage = 'immutable';
  /** Always `'ImmutableError'` (fixed, so it survives minification). */
  override readonly name = 'ImmutableError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_IMMUTABLE';
}

/**
 * Thrown by {@link ServiceMap.create} when the given id is already in the map.
 *
 * @example
 * ```ts
 * import { AlreadyExistsError, ServiceMap, Service } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('a', 'worker');
 * try {
 *   map.create('a', 'worker');
 * } catch (err) {
 *   console.log(err instanceof AlreadyExistsError); // true
 * }
 * ```
 * @category Errors
 */
export class AlreadyExistsError extends LifecycleError {
  /** `already exists`, the message of one made without a message. */
  static override readonly defaultMessage = 'already exists';
  /** Always `'AlreadyExistsError'` (fixed, so it survives minification). */
  override readonly name = 'AlreadyExistsError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_ALREADY_EXISTS';
}

/**
 * Wraps an error to say "do not retry". Create it with {@link abortRetry}; thrown or
 * rejected from an apply (or emitted as the error of a source under
 * {@link retryBackoff}), it ends the retries at once and the wrapped `cause` is reported.
 *
 * @example
 * ```ts
 * import { AbortRetryError, abortRetry } from 'rx-lifecycle';
 *
 * const err = abortRetry(new Error('bad credentials'));
 * console.log(err instanceof AbortRetryError, (err.cause as Error).message); // true bad credentials
 * ```
 * @category Errors
 */
export class AbortRetryError extends LifecycleError {
  /** Always `'AbortRetryError'` (fixed, so it survives minification). */
  override readonly name = 'AbortRetryError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_ABORT_RETRY';
  /** The error that should be reported instead of retrying. */
  declare readonly cause: unknown;
  /**
   * @param cause - the error that ends the retries.
   * @param message - defaults to `retry aborted: ` and the cause's message.
   */
  constructor(cause: unknown, message = `retry aborted: ${describe(cause)}`) {
    super(message, { cause });
  }
}

/**
 * The failure of an apply attempt that did not settle within
 * {@link ServiceOptions.applyTimeout}. Its signal aborts with this error as the reason,
 * and the failure is retried or ends the load like any other.
 *
 * @example
 * ```ts
 * import { TimeoutError } from 'rx-lifecycle';
 *
 * const err = new TimeoutError(5000);
 * console.log(err.message, err.timeout, err.code); // apply timed out after 5000 ms 5000 ERR_APPLY_TIMEOUT
 * ```
 * @category Errors
 */
export class TimeoutError extends LifecycleError {
  /** Always `'TimeoutError'` (fixed, so it survives minification). */
  override readonly name = 'TimeoutError';
  /** Stable machine-readable code. */
  override readonly code = 'ERR_APPLY_TIMEOUT';
  /**
   * @param timeout - the limit, in milliseconds, that the attempt exceeded.
   * @param message - defaults to `apply timed out after <timeout> ms`.
   */
  constructor(
    readonly timeout: number,
    message = `apply timed out after ${timeout} ms`,
  ) {
    super(message);
  }
}

/**
 * Returns an {@link AbortRetryError} wrapping `error`: thrown or rejected from an apply
 * under {@link retryApply} or a retrying {@link Service}, or emitted through
 * {@link retryBackoff}, it stops the retries and `error` is what gets reported.
 *
 * @param error - the error to report instead of retrying.
 * @returns the wrapper, whose `cause` is `error`.
 * @example
 * ```ts
 * import { Service, abortRetry } from 'rx-lifecycle';
 *
 * const service = new Service(
 *   async (config: { token?: string }) => {
 *     if (!config.token) throw abortRetry(new Error('token missing')); // retrying cannot help
 *   },
 *   { retry: true },
 * );
 * service.state$.subscribe((s) => s.error && console.log(s.active, s.failedAttempts, s.error.message));
 * service.configure('{}');
 * service.start();
 * // false 1 token missing
 * ```
 * @see {@link AbortRetryError}
 * @category Errors
 */
export function abortRetry(error: unknown): AbortRetryError {
  return new AbortRetryError(error);
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
