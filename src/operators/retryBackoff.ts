import type { MonoTypeOperatorFunction } from 'rxjs';
import { backoffLoop, retrySetup } from '../internal/backoffLoop.js';
import type { RetryBackoffOptions } from '../RetryOptions.js';

/**
 * Resubscribes to its source after a growing delay each time it errors.
 *
 * @remarks
 * - Each error counts as a failed attempt. The wait before the next subscription follows
 *   {@link RetryOptions}; an {@link AbortRetryError} error, or reaching `maxAttempts`, ends
 *   the retries and the error (for an `AbortRetryError`, its `cause`) is passed on.
 * - The count starts again once the source emits a value (with `resetAfter`: once it has
 *   been running that long since it first emitted), so a long-lived stream that fails now
 *   and then starts from `initialDelay` each time.
 * - Values and completion pass through unchanged; unsubscribing cancels a pending wait.
 *
 * @param options - retry policy, logger and scheduler.
 * @returns an operator mirroring its source, with retries.
 * @throws TypeError or RangeError, at once, for an option out of range (naming it).
 * @example
 * ```ts no-run
 * import { defer } from 'rxjs';
 * import { retryBackoff } from 'rx-lifecycle';
 *
 * const status$ = defer(() => fetch('http://127.0.0.1:8080/status')).pipe(
 *   retryBackoff({ initialDelay: 100, maxAttempts: 5 }),
 * );
 * // tries up to 5 times, waiting 100 ms, 150 ms, 225 ms, ... in between
 * ```
 * @example
 * Marble test: one failure, a 500 ms wait, a second failure that gives up.
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { retryBackoff } from 'rx-lifecycle';
 *
 * const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
 * testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
 *   const source = cold('-#');
 *   expectObservable(source.pipe(retryBackoff({ maxAttempts: 2 }))).toBe('- 500ms -#');
 *   expectSubscriptions(source.subscriptions).toBe(['^!', '- 500ms ^!']);
 * });
 * ```
 * @see {@link retryApply} for the same policy around an apply function.
 * @category Operators
 */
export function retryBackoff<T>(options: RetryBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const { policy, scheduler } = retrySetup(options);
  return backoffLoop(policy, scheduler);
}
