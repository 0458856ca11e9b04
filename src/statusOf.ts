import { isFailed, isRetrying } from './internal/readings.js';
import { show } from './internal/validate.js';
import type { State } from './State.js';

/**
 * The one-word status of a {@link State}, as a UI shows it.
 * @example
 * ```ts
 * import { Service, statusOf, type Status } from 'rx-lifecycle';
 *
 * const color: Record<Status, string> = { stopped: 'grey', starting: 'blue', running: 'green', retrying: 'amber', failed: 'red' };
 * const service = new Service(() => {});
 * service.configure('{}');
 * console.log(color[statusOf(service.state)], color[statusOf(service.start())]); // grey green
 * ```
 * @category Service
 */
export type Status = 'stopped' | 'starting' | 'running' | 'retrying' | 'failed';

/**
 * Sums a {@link State} up in one word.
 *
 * @remarks
 * - `failed`: inactive because of an error: `error` is set and `lastErrorTime` is at or
 *   after `lastInactiveTime`, as when a load gives up.
 * - `retrying`: loading, with a retry pending (`nextAttemptTime` set).
 * - `starting`: loading otherwise.
 * - `running`: active and not loading.
 * - `stopped`: any other inactive state; a service stopped by the user after it had
 *   recovered from an error is `stopped`.
 *
 * A `stop()` in the same millisecond as the last failure cannot be told apart from giving
 * up, and reads as `failed`. A pure function of the State.
 *
 * @param state - any State.
 * @returns its status.
 * @throws TypeError when `state` is not an object.
 * @example
 * ```ts
 * import { Service, statusOf } from 'rx-lifecycle';
 *
 * const service = new Service(() => {});
 * console.log(statusOf(service.state)); // stopped
 * service.configure('{}');
 * console.log(statusOf(service.start())); // running
 * ```
 * @category Service
 */
export function statusOf(state: State<unknown>): Status {
  if (state === null || typeof state !== 'object') {
    throw new TypeError(`state must be a State object, got ${show(state)}`);
  }
  if (state.loading) return isRetrying(state) ? 'retrying' : 'starting';
  if (state.active) return 'running';
  return isFailed(state) ? 'failed' : 'stopped';
}
