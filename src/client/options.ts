import type { SchedulerLike } from 'rxjs';
import type { RetryOptions } from '../RetryOptions.js';
import type { Status } from '../statusOf.js';

/**
 * Request headers, or a function that gives them for each request (for a token that expires).
 * @example
 * ```ts
 * import type { HeadersSource } from 'rx-lifecycle/client';
 *
 * let token = 'first';
 * const headers: HeadersSource = () => ({ authorization: `Bearer ${token}` });
 * token = 'renewed';
 * console.log(typeof headers === 'function' && headers()); // { authorization: 'Bearer renewed' }
 * ```
 * @category Remote
 */
export type HeadersSource =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/**
 * Options of a {@link RemoteServiceMap}.
 * @example
 * ```ts
 * import type { RemoteServiceMapOptions } from 'rx-lifecycle/client';
 *
 * const options: RemoteServiceMapOptions = {
 *   map: 'drivers',
 *   headers: () => ({ authorization: 'Bearer token' }),
 *   retry: { initialDelay: 1000, maxDelay: 10_000 },
 *   status: 'failed',
 * };
 * console.log(options.map, options.status); // drivers failed
 * ```
 * @category Remote
 */
export interface RemoteServiceMapOptions {
  /** The map's name on the server. */
  readonly map: string;
  /**
   * The `fetch` to use.
   * @defaultValue globalThis.fetch
   */
  readonly fetch?: typeof fetch | undefined;
  /**
   * Headers for every request, watch stream included.
   * @defaultValue none
   */
  readonly headers?: HeadersSource | undefined;
  /**
   * How reconnects back off. Jitter is on unless set here.
   * @defaultValue `{ initialDelay: 500, maxDelay: 30000, jitter: 0.5 }`, retrying for ever
   */
  readonly retry?: RetryOptions | undefined;
  /**
   * Mirror only the records of this kind.
   * @defaultValue every kind
   */
  readonly kind?: string | undefined;
  /**
   * Mirror only the records with this `statusOf` status.
   * @defaultValue every status
   */
  readonly status?: Status | undefined;
  /**
   * Drives the reconnect delays and the idle check of the watch stream.
   * @defaultValue asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Where the connection of a {@link RemoteServiceMap} stands.
 * - `connecting`: before the first snapshot arrived;
 * - `live`: the mirror follows the server;
 * - `reconnecting`: the stream failed (see `error`) and a new one is on its way;
 * - `closed`: `close()` was called, or the server refused the stream for good (`error`).
 * @example
 * ```ts
 * import type { RemoteConnection } from 'rx-lifecycle/client';
 *
 * const badge = (c: RemoteConnection) => (c.status === 'live' ? 'online' : c.error ? `offline: ${c.error.message}` : c.status);
 * console.log(badge({ status: 'reconnecting', error: new Error('socket hang up'), clockOffset: 0 })); // offline: socket hang up
 * ```
 * @category Remote
 */
export interface RemoteConnection {
  /** Where the connection stands: `connecting`, `live`, `reconnecting` or `closed`. */
  readonly status: 'connecting' | 'live' | 'reconnecting' | 'closed';
  /** Why the last stream failed. */
  readonly error?: Error | undefined;
  /** Server time minus local time, in ms, as of the last `hello` (for countdowns to `nextAttemptTime`). */
  readonly clockOffset: number;
}
