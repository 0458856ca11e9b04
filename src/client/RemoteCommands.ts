import type { RawConfig } from '../State.js';
import type { ServiceStates } from '../ServiceStates.js';
import type { RemoteStateRecord } from './RemoteStateRecord.js';

/**
 * What `create` of a remote map is asked to make: the body of `POST /maps/:m/services`.
 * @example
 * ```ts
 * import type { CreateCommand } from 'rx-lifecycle/client';
 *
 * const command: CreateCommand = { id: 'web-1', kind: 'web', active: true, config: '{"port":8080}' };
 * console.log(JSON.stringify(command)); // {"id":"web-1","kind":"web","active":true,"config":"{\"port\":8080}"}
 * ```
 * @category Remote
 */
export interface CreateCommand {
  /**
   * The new record's id; absent or empty: the server's map mints one.
   * @defaultValue minted
   */
  readonly id?: string | undefined;
  /** The kind of service to make; not empty. */
  readonly kind: string;
  /**
   * Start the service.
   * @defaultValue false
   */
  readonly active?: boolean | undefined;
  /**
   * Configure it with this (text; bytes travel as base64).
   * @defaultValue none
   */
  readonly config?: RawConfig | undefined;
}

/**
 * Options of a remote `configure`.
 * @example
 * ```ts
 * import type { ConfigureOptions } from 'rx-lifecycle/client';
 *
 * // refuse (412) when someone else configured the service since we read it at 1000
 * const options: ConfigureOptions = { ifConfigTime: 1000 };
 * console.log(options.ifConfigTime); // 1000
 * ```
 * @category Remote
 */
export interface ConfigureOptions {
  /**
   * Apply only if the service's `lastConfigTime` is still this (epoch ms); otherwise the
   * command fails with status `412`. Absent: no precondition.
   * @defaultValue none
   */
  readonly ifConfigTime?: number | undefined;
}

/**
 * A read side of remote services that also takes commands: what {@link RemoteServiceMap}
 * and a NATS fleet are, and what `createServiceMapServer` serves besides a `ServiceMap`.
 * Each command settles once the source's own records show its effect.
 *
 * @typeParam R - the record type.
 * @example
 * ```ts
 * import type { RemoteCommands } from 'rx-lifecycle/client';
 *
 * async function restart(source: RemoteCommands, id: string): Promise<boolean> {
 *   await source.stop(id);
 *   return (await source.start(id)).state.active;
 * }
 * console.log(typeof restart); // function
 * ```
 * @category Remote
 */
export interface RemoteCommands<R extends RemoteStateRecord = RemoteStateRecord> extends ServiceStates<R> {
  /** Starts the service `id`; resolves to its record once the source shows it. */
  start(id: string): Promise<R>;
  /** Stops the service `id`; resolves to its record once the source shows it. */
  stop(id: string): Promise<R>;
  /** Configures the service `id`; resolves to its record once the source shows it. */
  configure(id: string, config: RawConfig, options?: ConfigureOptions): Promise<R>;
  /** Creates a service; resolves to its record once the source shows it. */
  create(command: CreateCommand): Promise<R>;
  /** Deletes the service `id`; resolves once the source no longer has it. */
  delete(id: string): Promise<void>;
}
