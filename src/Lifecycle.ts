import type { Observable } from 'rxjs';
import type { RawConfig, State } from './State.js';

/**
 * Something with a lifecycle and an observable {@link State}: what a {@link ServiceMap}
 * holds. {@link Service} is the implementation; write your own to wrap something else.
 * @example
 * ```ts
 * import { Service, type Lifecycle } from 'rx-lifecycle';
 *
 * function restart(service: Lifecycle): boolean {
 *   if (service.state.active) service.stop();
 *   return service.start().active;
 * }
 * const service = new Service(() => {});
 * console.log(restart(service), restart(service)); // true true
 * ```
 * @typeParam R - the raw config `configure()` takes.
 * @category Service
 */
export interface Lifecycle<R = RawConfig> {
  /** Makes the service active, loading its config if it has one. */
  start(): State<R>;
  /** Accepts raw config, loading it if the service is active. */
  configure(data: R): State<R>;
  /** Makes the service inactive, ending its run. */
  stop(): State<R>;
  /** The current snapshot. */
  readonly state: State<R>;
  /** The current State, then every change. */
  readonly state$: Observable<State<R>>;
  /** Future changes only. */
  stateChanges(): Observable<State<R>>;
  /** The current State and, atomically, a stream of the changes after it. */
  stateAndChanges(): [State<R>, Observable<State<R>>];
}

/**
 * The raw config type of a Lifecycle.
 * @example
 * ```ts
 * import { Service, type RawConfigOf } from 'rx-lifecycle';
 *
 * const service = new Service((c: { port: number }) => {}, { parse: (c: { port: number }) => c });
 * const config: RawConfigOf<typeof service> = { port: 80 };
 * console.log(service.configure(config).config); // { port: 80 }
 * ```
 * @category Types
 */
export type RawConfigOf<S> = S extends Lifecycle<infer R> ? R : RawConfig;
