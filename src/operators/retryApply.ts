import type { Subscription } from 'rxjs';
import type { ApplyFunc } from '../ApplyFunc.js';
import { applyAttempt } from '../internal/applyResult.js';
import { backoffLoop, retrySetup } from '../internal/backoffLoop.js';
import { reportUnhandledError } from '../internal/reportError.js';
import { requiredFunction } from '../internal/validate.js';
import type { RetryBackoffOptions } from '../RetryOptions.js';

/**
 * Wraps `apply` so that one call of the result calls it again, with backoff, until it
 * succeeds.
 *
 * @remarks
 * The returned apply returns a promise that
 * - resolves when an attempt succeeds (for an Observable apply, at its first value or its
 *   completion; the Observable stays subscribed until `signal` aborts, and is retried with the
 *   same policy if it fails later);
 * - rejects with the `cause` when an attempt fails with an {@link AbortRetryError};
 * - rejects with the last error when `maxAttempts` failures are reached;
 * - rejects with `signal.reason` when `signal` aborts first.
 *
 * Each attempt gets its own signal, which aborts when that attempt fails and when `signal`
 * aborts. Delays are those of {@link RetryOptions}; the waits run on `options.scheduler`.
 * It is built on the same backoff loop as {@link retryBackoff}.
 *
 * @param apply - the apply to retry.
 * @param options - retry policy, logger and scheduler.
 * @returns an apply that retries; it returns a promise, so it can also be called directly.
 * @throws TypeError or RangeError, at once, for a bad `apply` or option.
 * @example
 * ```ts
 * import { Service, retryApply } from 'rx-lifecycle';
 *
 * const apply = retryApply(async (config: { url: string }, signal) => {
 *   const res = await fetch(config.url, { signal });
 *   if (!res.ok) throw new Error(`status ${res.status}`);
 * }, { initialDelay: 200, maxAttempts: 4 });
 * const service = new Service(apply);
 * ```
 * @see {@link retryBackoff}, {@link abortRetry}
 * @category Operators
 */
export function retryApply<C>(
  apply: ApplyFunc<C>,
  options: RetryBackoffOptions = {},
): (config: C, signal: AbortSignal) => Promise<void> {
  requiredFunction('apply', apply);
  const { policy, scheduler } = retrySetup(options);

  return (config, signal) =>
    new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
      };
      // Listening before the first attempt: a signal that aborts during it ends the retries.
      const onAbort = () => {
        subscription?.unsubscribe();
        settle(() => reject(signal.reason));
      };
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      let subscription: Subscription | undefined;
      subscription = applyAttempt(apply, config, { parent: signal, scheduler, cancelReason: () => signal.reason })
        .pipe(backoffLoop(policy, scheduler, () => settle(resolve)))
        .subscribe({
          error: (err: unknown) => (settled ? reportUnhandledError(err) : settle(() => reject(err))),
          complete: () => settle(resolve),
        });
      // An Observable task runs on after the promise resolved, until the signal aborts.
      subscription.add(() => signal.removeEventListener('abort', onAbort));
      if (signal.aborted) subscription.unsubscribe();
    });
}
