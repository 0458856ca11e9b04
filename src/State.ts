import deepEqual from 'fast-deep-equal';
import { plain } from './internal/plain.js';
/**
 * Raw configuration as handed to {@link Service.configure}: text, or bytes that the
 * default parser decodes as UTF-8.
 *
 * @remarks
 * A `Uint8Array` is kept by reference, not copied: do not change it after passing it in.
 * @example
 * ```ts
 * import { Service, type RawConfig } from 'rx-lifecycle';
 *
 * const service = new Service((config: { n: number }) => console.log('n =', config.n));
 * service.start();
 * const configs: RawConfig[] = ['{"n":1}', new TextEncoder().encode('{"n":2}')];
 * for (const config of configs) service.configure(config);
 * // n = 1
 * // n = 2
 * ```
 * @category Types
 */
export type RawConfig = string | Uint8Array;

/**
 * The immutable snapshot of a {@link Service}.
 *
 * @remarks
 * Every change makes a new, frozen object; a State is never mutated after it is published.
 * Times are epoch milliseconds from the service clock; `undefined` means "never".
 * Invariants, as seen by any reader or subscriber:
 * - `loading` implies `active`;
 * - `nextAttemptTime` is set only while `loading`.
 *
 * Every State object has all of the keys below, the unset ones holding `undefined`.
 *
 * @typeParam R - the raw config: text or bytes ({@link RawConfig}) unless the service's
 * `parse` takes another type, such as a plain object.
 *
 * @example
 * ```ts
 * import { Service } from 'rx-lifecycle';
 *
 * const service = new Service(() => {}, { now: () => 1000 });
 * console.log(service.state);
 * // { active: false, config: undefined, loading: false, error: undefined, failedAttempts: 0,
 * //   lastInactiveTime: 1000, lastActiveTime: undefined, ... nextAttemptTime: undefined }
 * ```
 * @category Types
 */
export interface State<R = RawConfig> {
  /** The service is doing its job: started and not stopped or given up since. */
  readonly active: boolean;
  /** The raw config last accepted by {@link Service.configure}. */
  readonly config?: R | undefined;
  /** Active and applying config right now (a retry wait included). */
  readonly loading: boolean;
  /** The last apply failure. Kept after a successful retry, cleared by `start()`. */
  readonly error?: Error | undefined;
  /**
   * Failed apply attempts of the current load. With {@link RetryOptions.resetAfter}, the count
   * can include failures of earlier reloads of the same config: when an Observable apply errors
   * less than `resetAfter` ms after its success, the reload goes on counting from there.
   */
  readonly failedAttempts: number;
  /** When `active` last became false (or the service was made). */
  readonly lastInactiveTime?: number | undefined;
  /** When `active` last became true. */
  readonly lastActiveTime?: number | undefined;
  /** When `error` was last set to an error. */
  readonly lastErrorTime?: number | undefined;
  /** When a config was last accepted. */
  readonly lastConfigTime?: number | undefined;
  /** When the last load began. */
  readonly lastLoadingStartTime?: number | undefined;
  /** When the last load ended; `undefined` while a load runs. */
  readonly lastLoadingEndTime?: number | undefined;
  /** When the next retry runs, while one is pending or running. */
  readonly nextAttemptTime?: number | undefined;
}

/** The last initial State made, shared by every service made in the same millisecond. */
let lastInitial: State<never> | undefined;

/**
 * The State of a service that was just made: inactive, unconfigured, never failed. Frozen and
 * shared by the services made in the same millisecond.
 * @internal
 */
export function initialState<R = RawConfig>(now: number): State<R> {
  if (lastInitial?.lastInactiveTime === now) return lastInitial;
  const state = new MutableState<never>(NEVER_ACTIVE);
  state.lastInactiveTime = now;
  return (lastInitial = Object.freeze(state));
}

/** A State being made: every field, writable. @internal */
export type MutableState<R> = { -readonly [K in keyof State<R>]-?: State<R>[K] };

/**
 * Makes a writable copy of a State to make the next one from, with every field, in one order:
 * all States have one shape. A plain-object constructor rather than a literal (see
 * {@link plain}); spelled out field by field, it is several times faster than `{ ...state }`
 * on a frozen object.
 * @internal
 */
export const MutableState = plain(function State<R>(this: MutableState<R>, from: State<R>) {
  this.active = from.active;
  this.config = from.config;
  this.loading = from.loading;
  this.error = from.error;
  this.failedAttempts = from.failedAttempts;
  this.lastInactiveTime = from.lastInactiveTime;
  this.lastActiveTime = from.lastActiveTime;
  this.lastErrorTime = from.lastErrorTime;
  this.lastConfigTime = from.lastConfigTime;
  this.lastLoadingStartTime = from.lastLoadingStartTime;
  this.lastLoadingEndTime = from.lastLoadingEndTime;
  this.nextAttemptTime = from.nextAttemptTime;
}) as new <R>(from: State<R>) => MutableState<R>;

/** What a new service's State is made from. */
const NEVER_ACTIVE: State<never> = { active: false, loading: false, failedAttempts: 0 };

/**
 * Whether two States are the same for publishing: `config` by content, `error` by
 * identity (two errors with one message are still different failures), the rest by `===`.
 * @internal
 */
export function sameState<R>(a: State<R>, b: State<R>): boolean {
  return (
    a === b ||
    (a.active === b.active &&
      a.loading === b.loading &&
      a.error === b.error &&
      a.failedAttempts === b.failedAttempts &&
      a.lastInactiveTime === b.lastInactiveTime &&
      a.lastActiveTime === b.lastActiveTime &&
      a.lastErrorTime === b.lastErrorTime &&
      a.lastConfigTime === b.lastConfigTime &&
      a.lastLoadingStartTime === b.lastLoadingStartTime &&
      a.lastLoadingEndTime === b.lastLoadingEndTime &&
      a.nextAttemptTime === b.nextAttemptTime &&
      sameConfig(a.config, b.config))
  );
}

/**
 * Two raw configs are equal by content: text as text, bytes by their bytes alone (a Node
 * `Buffer` equals a `Uint8Array` of the same bytes), anything else with `fast-deep-equal`.
 * @internal
 */
export function sameConfig(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && sameBytes(a, b);
  if (typeof a !== 'object' || a === null || b instanceof Uint8Array) return false;
  return deepEqual(a, b);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Freezes an accepted raw config that is an object, deeply, so that the State holding it is
 * deep-frozen. Text needs nothing, and bytes cannot be frozen (they are the caller's to
 * leave alone).
 * @internal
 */
export function freezeConfig<R>(config: R): R {
  if (typeof config === 'object' && config !== null && !ArrayBuffer.isView(config)) deepFreeze(config);
  return config;
}

/** Freezes `value` and every object under it not frozen already (immer's are, so it stops there). */
function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    const child = (value as Record<string | symbol, unknown>)[key];
    if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child) && !Object.isFrozen(child)) deepFreeze(child);
  }
}
