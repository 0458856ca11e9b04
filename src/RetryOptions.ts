import type { SchedulerLike } from 'rxjs';

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
