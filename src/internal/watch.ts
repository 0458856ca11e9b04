import type { State } from '../State.js';

/** The key of the hook through which a ServiceMap follows a Service without subscribing. */
export const watchState: unique symbol = Symbol('rx-lifecycle.watchState');
/** The key of a watcher's method that takes each State. */
export const stateChanged: unique symbol = Symbol('rx-lifecycle.stateChanged');
/** The key of the hook that ends a `watchState`. */
export const unwatchState: unique symbol = Symbol('rx-lifecycle.unwatchState');

/**
 * Told of each State a service delivers, in order, from the State it started watching at,
 * with the time of the change on the service's clock.
 */
export interface StateWatcher {
  [stateChanged](next: State, time: number): void;
}
