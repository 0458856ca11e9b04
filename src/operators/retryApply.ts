import type { ApplyFunc } from '../Service.js';
import { applyAttempt } from '../internal/applyResult.js';
import { reportUnhandledError } from '../internal/reportError.js';
import { requiredFunction } from '../internal/validate.js';
import { backoff, retrySetup, type RetryBackoffOptions } from './retryBackoff.js';

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
  const { policy, scheduler, log } = retrySetup(options);

  return (config, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          fn();
        }
      };
      const subscription = applyAttempt(apply, config, { parent: signal, scheduler, cancelReason: () => signal.reason })
        .pipe(backoff(policy, scheduler, { succeeded: (ctx) => { log?.(ctx); settle(resolve); }, retrying: log, gaveUp: log }))
        .subscribe({
          error: (err: unknown) => (settled ? reportUnhandledError(err) : settle(() => reject(err))),
          complete: () => settle(resolve),
        });
      const onAbort = () => {
        subscription.unsubscribe();
        settle(() => reject(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      subscription.add(() => signal.removeEventListener('abort', onAbort));
    });
}
