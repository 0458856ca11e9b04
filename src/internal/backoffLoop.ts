import { asyncScheduler, defer, retry, tap, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import type { RetryBackoffOptions, RetryContext } from '../RetryOptions.js';
import { backoffPolicy, Streak, type BackoffPolicy } from './backoff.js';
import { optionalScheduler } from './validate.js';

/**
 * The backoff loop of the operators, on RxJS's own `retry({ delay })`: each subscription
 * keeps one {@link Streak}, told of the first value (or completion) after every
 * (re)subscription and of every error; its verdict is a `timer` on `scheduler` or the end of
 * the retries. RxJS's `retry` links each resubscription to the consumer, so an early
 * unsubscribe, even from inside a synchronous source, stops the source at once.
 *
 * (The Service does not build an Observable per load: it feeds the same `Streak` from its
 * own callbacks and schedules its waits on the same scheduler, which keeps a load with a
 * synchronous apply within its per-transition budget.)
 *
 * @param onSuccess - told of each success, after the logger.
 */
export function backoffLoop<T>(
  policy: BackoffPolicy,
  scheduler: SchedulerLike,
  onSuccess?: (ctx: RetryContext) => void,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const streak = new Streak(policy, scheduler.now());
      let emitted = false;
      const succeed = () => {
        emitted = true;
        const ctx = streak.succeeded(scheduler.now());
        policy.log?.(ctx);
        onSuccess?.(ctx);
      };
      return source.pipe(
        tap({
          subscribe: () => {
            emitted = false;
          },
          next: () => {
            if (!emitted) succeed();
          },
          complete: () => {
            if (!emitted) succeed();
          },
        }),
        retry({
          delay: (err: unknown) => {
            const verdict = streak.failed(err, scheduler.now());
            policy.log?.(verdict.context);
            if (!verdict.retry) throw verdict.cause;
            return timer(verdict.delay, scheduler);
          },
        }),
      );
    });
}

/**
 * Checks retry options and resolves the policy and the scheduler.
 * @throws TypeError or RangeError naming the field.
 */
export function retrySetup(options: RetryBackoffOptions): { policy: BackoffPolicy; scheduler: SchedulerLike } {
  const policy = backoffPolicy(options);
  optionalScheduler('options.scheduler', options.scheduler);
  return { policy, scheduler: options.scheduler ?? asyncScheduler };
}
