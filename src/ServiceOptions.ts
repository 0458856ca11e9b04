import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { ParseFunc } from './ApplyFunc.js';
import { defaultPolicy, noRetryPolicy, backoffPolicy, type BackoffPolicy } from './internal/backoff.js';
import {
  optionalDelay,
  optionalFunction,
  optionalObject,
  optionalOneOf,
  optionalScheduler,
  show,
} from './internal/validate.js';
import type { RetryOptions } from './RetryOptions.js';
import type { RawConfig } from './State.js';

/**
 * What {@link ServiceOptions.whileLoading} allows: `'reject'` throws
 * {@link AlreadyLoadingError} from `configure()` during a load; `'switch'` abandons that load
 * for the new config.
 * @example
 * ```ts
 * import { Service, type WhileLoading } from 'rx-lifecycle';
 *
 * const whileLoading: WhileLoading = 'switch';
 * const service = new Service((config: { v: number }, signal) => {
 *   signal.addEventListener('abort', () => console.log('abandoned', config.v));
 *   return new Promise<void>(() => {}); // never settles: loading until abandoned
 * }, { whileLoading });
 * service.start();
 * service.configure('{"v":1}');
 * service.configure('{"v":2}'); // with 'reject', this would throw AlreadyLoadingError
 * // abandoned 1
 * service.stop();
 * // abandoned 2
 * ```
 * @category Service
 */
export type WhileLoading = 'reject' | 'switch';

/**
 * Options of a {@link Service}. Every field is optional.
 * @typeParam C - the parsed config.
 * @typeParam R - the raw config `configure()` takes: {@link RawConfig} unless `parse` takes another type.
 * @example
 * ```ts
 * import { Service, type ServiceOptions } from 'rx-lifecycle';
 *
 * const options: ServiceOptions<{ url: string }> = {
 *   now: () => 1000,
 *   retry: { initialDelay: 100, maxAttempts: 3 },
 *   onStop: () => console.log('stopped'),
 * };
 * const service = new Service((config: { url: string }) => console.log('load', config.url), options);
 * service.configure('{"url":"ws://a"}');
 * console.log(service.start().lastActiveTime);
 * // load ws://a
 * // 1000
 * service.stop();
 * // stopped
 * ```
 * @category Service
 */
export interface ServiceOptions<C, R = RawConfig> {
  /**
   * Parses and validates raw config. Its parameter type is the raw config type `R` of the
   * service, so `parse: (c: MyConfig) => c` makes a service configured with objects.
   * @defaultValue JSON of the text (bytes decoded as UTF-8)
   */
  readonly parse?: ParseFunc<C, R> | undefined;
  /**
   * Drives retry delays and apply timeouts; a `TestScheduler` makes them virtual.
   * @defaultValue asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * Clock for State times, in epoch milliseconds.
   * @defaultValue `scheduler.now()`
   */
  readonly now?: (() => number) | undefined;
  /**
   * Called once after each successful {@link Service.stop}, once the stopped State is
   * committed and delivered (when `stop()` is itself called from inside a notification, the
   * delivery of the stopped State waits for that notification to end, so `onStop` may run
   * first). An exception it throws is reported through RxJS's `config.onUnhandledError`.
   * @defaultValue none
   */
  readonly onStop?: (() => void) | undefined;
  /**
   * Retry failed applies: `true` with the defaults of {@link RetryOptions}, or the options.
   * @defaultValue false (the first failure stops the service)
   */
  readonly retry?: boolean | RetryOptions | undefined;
  /**
   * What `configure()` does while a load is in progress, a retry wait included: `'reject'`
   * throws {@link AlreadyLoadingError}; `'switch'` aborts the running attempt's signal,
   * cancels the pending retry and begins a load of the new config at once.
   * @defaultValue 'reject'
   */
  readonly whileLoading?: WhileLoading | undefined;
  /**
   * Milliseconds an attempt may take to settle before it fails with a {@link TimeoutError}
   * (its signal aborts with it, and it is retried or ends the load like any failure).
   * @defaultValue none
   */
  readonly applyTimeout?: number | undefined;
  /**
   * With `false`, `configure()` on an active service that is not loading, whose last load
   * succeeded, with a config that parses to a value deep-equal (`fast-deep-equal`) to the one
   * that load applied, records the config and begins no load: apply is not called and no
   * signal aborts. A config file rewritten with the same content then restarts nothing.
   * @defaultValue true (every accepted config is loaded, as in the Go package)
   */
  readonly reloadUnchanged?: boolean | undefined;
}

/**
 * A service's options, checked, with the defaults filled in: one object per options object,
 * shared by every service made with it.
 * @internal
 */
export interface Settings<C, R> {
  readonly parse: ParseFunc<C, R>;
  readonly scheduler: SchedulerLike;
  readonly now: (() => number) | undefined;
  readonly onStop: (() => void) | undefined;
  readonly policy: BackoffPolicy;
  readonly switchLoad: boolean;
  readonly applyTimeout: number | undefined;
  readonly reloadUnchanged: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The default parser: JSON of the text, bytes decoded as UTF-8. */
function parseJson(data: unknown): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  if (data instanceof Uint8Array) return JSON.parse(utf8.decode(data));
  throw new TypeError(`config must be a string or a Uint8Array, got ${show(data)}`);
}

/**
 * Checks `options` and fills in the defaults.
 * @throws TypeError or RangeError naming the field.
 */
function resolve<C, R>(options: ServiceOptions<C, R>): Settings<C, R> {
  optionalObject('options', options);
  const { parse, scheduler, now, onStop, retry, whileLoading, applyTimeout, reloadUnchanged } = options;
  optionalFunction('options.parse', parse);
  optionalScheduler('options.scheduler', scheduler);
  optionalFunction('options.now', now);
  optionalFunction('options.onStop', onStop);
  optionalOneOf('options.whileLoading', whileLoading, ['reject', 'switch']);
  optionalDelay('options.applyTimeout', applyTimeout, true);
  if (reloadUnchanged !== undefined && typeof reloadUnchanged !== 'boolean') {
    throw new TypeError(`options.reloadUnchanged must be a boolean, got ${show(reloadUnchanged)}`);
  }
  if (retry !== undefined && typeof retry !== 'boolean') optionalObject('options.retry', retry);
  return {
    parse: parse ?? (parseJson as ParseFunc<C, R>),
    scheduler: scheduler ?? asyncScheduler,
    now,
    onStop,
    policy: typeof retry === 'object' ? backoffPolicy(retry, 'options.retry') : retry ? defaultPolicy : noRetryPolicy,
    switchLoad: whileLoading === 'switch',
    applyTimeout,
    reloadUnchanged: reloadUnchanged ?? true,
  };
}

const DEFAULT_SETTINGS: Settings<unknown, unknown> = Object.freeze(resolve({}));
const resolved = new WeakMap<object, Settings<unknown, unknown>>();

/**
 * The settings for `options`: checked once per options object, then shared.
 * @internal
 */
export function settingsOf<C, R>(options: ServiceOptions<C, R> | undefined): Settings<C, R> {
  if (options === undefined) return DEFAULT_SETTINGS as Settings<C, R>;
  if (typeof options !== 'object' || options === null) return resolve(options);
  let settings = resolved.get(options) as Settings<C, R> | undefined;
  if (settings === undefined) resolved.set(options, (settings = Object.freeze(resolve(options))) as Settings<unknown, unknown>);
  return settings;
}
