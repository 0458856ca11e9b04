import { defer, filter, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';
import { lifecycleEvents, type LifecycleEvent } from './lifecycleEvents.js';
import { optionalFunction, optionalNumber, optionalObject } from './internal/validate.js';
import type { Lifecycle } from './Lifecycle.js';
import type { StateRecordBase } from './records.js';
import type { ServiceStates } from './ServiceStates.js';

/**
 * Options of {@link quietFailures} and {@link logLifecycle}.
 * @example
 * ```ts
 * import { VirtualTimeScheduler } from 'rxjs';
 * import { Service, logLifecycle, type QuietFailuresOptions } from 'rx-lifecycle';
 *
 * const scheduler = new VirtualTimeScheduler();
 * const service = new Service(() => {
 *   throw new Error('down');
 * }, { scheduler, retry: { maxAttempts: 6 } });
 * const options: QuietFailuresOptions = { firstAt: 2, every: 3 };
 * logLifecycle(service, { ...options, log: (line) => console.log(line) });
 * service.configure('{}');
 * service.start();
 * scheduler.flush(); // runs the retries in virtual time
 * // failing: attempt 2, retry in 750 ms: down
 * // failing: attempt 5, retry in 2531 ms: down
 * // gave up after 6 failed attempts: down
 * ```
 * @category Events
 */
export interface QuietFailuresOptions {
  /**
   * The failed attempt of a load at which its failures are first reported.
   * @defaultValue 5
   */
  readonly firstAt?: number | undefined;
  /**
   * After `firstAt`, report every this many failed attempts.
   * @defaultValue 20
   */
  readonly every?: number | undefined;
}

/**
 * Options of {@link logLifecycle}.
 * @example
 * ```ts
 * import { Service, logLifecycle, type LogLifecycleOptions } from 'rx-lifecycle';
 *
 * const options: LogLifecycleOptions = { log: (line, event) => console.log(event.type, '|', line) };
 * const service = new Service(() => {
 *   throw new Error('bad config');
 * });
 * const logging = logLifecycle(service, options);
 * service.configure('{}');
 * service.start();
 * // gaveUp | gave up after 1 failed attempt: bad config
 * logging.unsubscribe();
 * ```
 * @category Events
 */
export interface LogLifecycleOptions extends QuietFailuresOptions {
  /**
   * Writes one line.
   * @defaultValue console.warn
   */
  readonly log?: ((line: string, event: LifecycleEvent) => void) | undefined;
}

/**
 * Thins out the failure events of flapping services so they do not flood a log.
 *
 * @remarks
 * Per service (by `id`): `retryScheduled` passes at failed attempt `firstAt` and then every
 * `every` attempts (with the defaults: 5, 25, 45, ...); `recovered` passes only when a
 * failure of that load was let through, once; `gaveUp` always passes. Other events are
 * dropped. It keeps state only for services whose failures were let through.
 *
 * @param options - when to report.
 * @returns an operator over {@link LifecycleEvent}s.
 * @throws RangeError for a `firstAt` or `every` that is not a whole number of at least 1.
 * @example
 * ```ts
 * import { lifecycleEvents, quietFailures } from 'rx-lifecycle';
 *
 * lifecycleEvents(map).pipe(quietFailures({ firstAt: 3, every: 10 })).subscribe(sendToMetrics);
 * ```
 * @category Events
 */
export function quietFailures(options: QuietFailuresOptions = {}): MonoTypeOperatorFunction<LifecycleEvent> {
  optionalObject('options', options);
  const firstAt = wholeNumber('options.firstAt', options.firstAt, 5);
  const every = wholeNumber('options.every', options.every, 20);
  return (source) =>
    defer(() => {
      /** Services whose current failures have been let through. */
      const reported = new Set<string | undefined>();
      return source.pipe(
        filter((event) => {
          switch (event.type) {
            case 'retryScheduled': {
              const { attempt } = event;
              const due = attempt === firstAt || (attempt > firstAt && (attempt - firstAt) % every === 0);
              if (due) reported.add(event.id);
              return due;
            }
            case 'recovered':
              return reported.delete(event.id);
            case 'gaveUp':
              reported.delete(event.id);
              return true;
            default:
              if (event.type === 'stopped' || event.type === 'removed') reported.delete(event.id);
              return false;
          }
        }),
      );
    });
}

/**
 * Logs the failures and recoveries of a service, or of every service of a map, without
 * flooding: a failing service at its 5th failed attempt and every 20th after, once when it
 * recovers, and whenever one gives up. See {@link quietFailures} for the rules.
 *
 * @param source - a service or a map.
 * @param options - when to log, and where.
 * @returns the subscription; unsubscribe to stop logging.
 * @throws TypeError when `source` is neither a {@link Lifecycle} nor a {@link ServiceMap},
 * `options` is not an object, `options.log` is not a function, or `options.firstAt` or
 * `options.every` is not a number; RangeError when `options.firstAt` or `options.every` is
 * not a whole number of at least 1.
 * @example
 * ```ts
 * import { logLifecycle } from 'rx-lifecycle';
 *
 * const logging = logLifecycle(map);
 * // [db-1 postgres] failing: attempt 5, retry in 3797 ms: connect ECONNREFUSED
 * // [db-1 postgres] recovered after 7 failed attempts in 21012 ms
 * logging.unsubscribe();
 * ```
 * @category Events
 */
export function logLifecycle(source: Lifecycle<any> | ServiceStates<StateRecordBase>, options: LogLifecycleOptions = {}): Subscription {
  optionalObject('options', options);
  optionalFunction('options.log', options.log);
  const log = options.log ?? ((line: string) => console.warn(line));
  return lifecycleEvents(source as Lifecycle<any>)
    .pipe(quietFailures(options))
    .subscribe((event) => log(describeEvent(event), event));
}

/** One log line for an event. */
function describeEvent(event: LifecycleEvent): string {
  const who = event.id === undefined ? '' : `[${event.id} ${event.kind ?? ''}] `;
  switch (event.type) {
    case 'retryScheduled':
      return `${who}failing: attempt ${event.attempt}, retry in ${Math.round(event.delay)} ms: ${event.error.message}`;
    case 'recovered':
      return `${who}recovered after ${attempts(event.attempts)} in ${event.duration} ms`;
    case 'gaveUp':
      return `${who}gave up after ${attempts(event.state.failedAttempts)}: ${event.error.message}`;
    default:
      return `${who}${event.type}`;
  }
}

function attempts(n: number): string {
  return n === 1 ? '1 failed attempt' : `${n} failed attempts`;
}

function wholeNumber(field: string, value: number | undefined, fallback: number): number {
  optionalNumber(field, value, 1);
  if (value !== undefined && !Number.isInteger(value)) {
    throw new RangeError(`${field} must be a whole number >= 1, got ${value}`);
  }
  return value ?? fallback;
}
