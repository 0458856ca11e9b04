import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { AbortRetryError } from '../errors.js';
import { backoffDelay, backoffPolicy, exhausted, type BackoffPolicy } from '../internal/backoff.js';
import { callSafely, toError } from '../internal/reportError.js';
import { optionalScheduler } from '../internal/validate.js';

/**
 * How failures are retried: the delay grows from `initialDelay` by `factor` per failure,
 * between `minDelay` and `maxDelay`, optionally jittered.
 *
 * @remarks
 * The wait after failure number `n` (1-based) is
 * `initialDelay * factor^(n-1)`, capped at `maxDelay`, raised to at least `minDelay`, then
 * multiplied by `1 - jitter * random()`. So jitter only shortens a delay, and may take it
 * below `minDelay`.
 *
 * Off by one, spelled out: `maxAttempts: 3` means one first attempt plus at most two
 * retries; the third failure gives up. `0` retries for ever.
 *
 * @example
 * ```ts
 * import { Service } from 'rx-lifecycle';
 *
 * const service = new Service(connect, {
 *   retry: { initialDelay: 1000, factor: 2, maxDelay: 60_000, maxAttempts: 10, jitter: 0.2 },
 * });
 * // waits of about 1 s, 2 s, 4 s, ... 60 s, each up to 20% shorter; gives up at the 10th failure
 * ```
 * @category Operators
 */
export interface RetryOptions {
  /**
   * Milliseconds before the second attempt.
   * @defaultValue 500
   */
  readonly initialDelay?: number | undefined;
  /**
   * Growth of the delay per failure, at least 1.
   * @defaultValue 1.5
   */
  readonly factor?: number | undefined;
  /**
   * Cap on the delay, in milliseconds.
   * @defaultValue 30000
   */
  readonly maxDelay?: number | undefined;
  /**
   * Floor under the delay, in milliseconds (before jitter).
   * @defaultValue 500
   */
  readonly minDelay?: number | undefined;
  /**
   * Failures after which to give up, counting the first attempt; 0 = never give up.
   * @defaultValue 0
   */
  readonly maxAttempts?: number | undefined;
  /**
   * Fraction (0 to 1) of each delay drawn at random and taken off it.
   * @defaultValue 0
   */
  readonly jitter?: number | undefined;
  /**
   * Source of randomness for `jitter`, returning a number in `[0, 1)`.
   * @defaultValue Math.random
   */
  readonly random?: (() => number) | undefined;
  /**
   * Called after each attempt: on success with `error: undefined`, on each failure with the
   * delay before the next attempt (0 when giving up). An exception it throws is reported
   * through RxJS's `config.onUnhandledError` and does not stop the retries.
   * @defaultValue none
   */
  readonly logger?: ((ctx: RetryContext) => void) | undefined;
  /**
   * Milliseconds a source (or an Observable apply) must have run after its first value for a
   * later failure to count from zero again; shorter runs keep counting, so a task that crashes
   * right after it starts backs off further each time. Without it, every success resets the
   * count.
   * @defaultValue none (0: every success resets the count)
   */
  readonly resetAfter?: number | undefined;
}

/**
 * What a {@link RetryOptions.logger} is told after each attempt.
 * @example
 * ```ts
 * import { VirtualTimeScheduler, defer, of, throwError } from 'rxjs';
 * import { retryBackoff, type RetryContext } from 'rx-lifecycle';
 *
 * const scheduler = new VirtualTimeScheduler();
 * let calls = 0;
 * const source = defer(() => (++calls < 3 ? throwError(() => new Error(`fail ${calls}`)) : of('ok')));
 * const logger = (ctx: RetryContext) => console.log(ctx.attempt, ctx.error?.message, ctx.delay, ctx.t0);
 * source.pipe(retryBackoff({ scheduler, logger })).subscribe();
 * scheduler.flush();
 * // 1 fail 1 500 0
 * // 2 fail 2 750 0
 * // 2 undefined 0 0
 * ```
 * @category Operators
 */
export interface RetryContext {
  /** Failed attempts so far in this streak (0 on a first-time success). */
  readonly attempt: number;
  /** The failure; `undefined` on success. When giving up, the unwrapped cause. */
  readonly error?: Error | undefined;
  /** Milliseconds until the next attempt; 0 on success and when giving up. */
  readonly delay: number;
  /** When the streak began: the (re)load's start, on the service or scheduler clock. */
  readonly t0: number;
}

/**
 * Options of {@link retryBackoff} and {@link retryApply}: a {@link RetryOptions} plus the
 * scheduler that times the waits.
 * @example
 * ```ts
 * import { VirtualTimeScheduler, throwError } from 'rxjs';
 * import { retryBackoff, type RetryBackoffOptions } from 'rx-lifecycle';
 *
 * const scheduler = new VirtualTimeScheduler();
 * const options: RetryBackoffOptions = { scheduler, initialDelay: 100, minDelay: 0, factor: 2, maxAttempts: 4 };
 * const failing = throwError(() => new Error(`failed at ${scheduler.now()} ms`));
 * failing.pipe(retryBackoff(options)).subscribe({ error: (err: Error) => console.log(err.message) });
 * scheduler.flush(); // waits of 100, 200 and 400 ms, in virtual time
 * // failed at 700 ms
 * ```
 * @category Operators
 */
export interface RetryBackoffOptions extends RetryOptions {
  /**
   * Times the waits between attempts and is the clock for `t0`; use a `TestScheduler` in tests.
   * @defaultValue asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * What the backoff loop reports, each with a {@link RetryContext} and the time it read for
 * it (so that a caller's State and its logger share one clock reading).
 * @internal
 */
export interface BackoffHooks {
  /** The first value (or the completion) after a (re)subscription. */
  readonly succeeded?: ((ctx: RetryContext, time: number) => void) | undefined;
  /** A failure; the source is subscribed again after `ctx.delay`. */
  readonly retrying?: ((ctx: RetryContext, time: number) => void) | undefined;
  /** A failure that ends the retries; `ctx.error` is the unwrapped cause. */
  readonly gaveUp?: ((ctx: RetryContext, time: number) => void) | undefined;
}

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
  const { policy, scheduler, log } = retrySetup(options);
  return backoff(policy, scheduler, log && { succeeded: log, retrying: log, gaveUp: log });
}

/**
 * Checks retry options and resolves what the backoff loop needs from them.
 * @throws TypeError or RangeError naming the field (under `field`).
 * @internal
 */
export function retrySetup(
  options: RetryBackoffOptions,
  field = 'options',
): { policy: BackoffPolicy; scheduler: SchedulerLike; log: ((ctx: RetryContext) => void) | undefined } {
  const policy = backoffPolicy(options, field);
  optionalScheduler(`${field}.scheduler`, options.scheduler);
  const logger = options.logger;
  return {
    policy,
    scheduler: options.scheduler ?? asyncScheduler,
    log: logger && ((ctx: RetryContext) => callSafely(logger, ctx)),
  };
}

/**
 * The backoff loop behind {@link retryBackoff}, {@link retryApply} and the Service's own
 * retries: one implementation. `now` is the clock for `t0` and `resetAfter`; `start` is the
 * first `t0` when the caller has already read the clock for it.
 * @internal
 */
export function backoff<T>(
  policy: BackoffPolicy,
  scheduler: SchedulerLike,
  hooks: BackoffHooks | undefined,
  now: () => number = () => scheduler.now(),
  start?: number,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let failures = 0;
      let t0 = start ?? now();
      let runningSince: number | undefined; // set while the current subscription has emitted
      let inner: Subscription | undefined;
      let wait: Subscription | undefined;

      const succeed = () => {
        const time = now();
        runningSince = time;
        hooks?.succeeded?.({ attempt: failures, error: undefined, delay: 0, t0 }, time);
      };

      const fail = (err: unknown) => {
        const time = now();
        if (runningSince !== undefined) {
          if (time - runningSince >= policy.resetAfter) failures = 0;
          runningSince = undefined;
          t0 = time;
        }
        failures += 1;
        if (err instanceof AbortRetryError || exhausted(policy, failures)) {
          const cause = err instanceof AbortRetryError ? err.cause : err;
          hooks?.gaveUp?.({ attempt: failures, error: toError(cause), delay: 0, t0 }, time);
          subscriber.error(cause);
          return;
        }
        const delay = backoffDelay(policy, failures);
        hooks?.retrying?.({ attempt: failures, error: toError(err), delay, t0 }, time);
        if (!subscriber.closed) wait = scheduler.schedule(subscribe, delay);
      };

      const subscribe = () => {
        wait = undefined;
        let emitted = false;
        inner = source.subscribe({
          next: (value) => {
            if (!emitted) {
              emitted = true;
              succeed();
            }
            subscriber.next(value);
          },
          error: fail,
          complete: () => {
            if (!emitted) succeed();
            subscriber.complete();
          },
        });
        // A value delivered during that subscribe may have led the consumer to unsubscribe,
        // before `inner` was there for the teardown to close.
        if (subscriber.closed) inner.unsubscribe();
      };

      subscribe();
      return () => {
        wait?.unsubscribe();
        inner?.unsubscribe();
      };
    });
}
