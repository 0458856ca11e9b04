import { produce, type Draft } from 'immer';
import type { Lifecycle } from './Lifecycle.js';
import type { State } from './State.js';

/**
 * A change to an object config, as immer's `produce` takes it: it edits the draft in place
 * (or returns a new value), and receives `undefined` while there is no config yet.
 * @typeParam R - the service's raw config type.
 * @example
 * ```ts
 * import type { ConfigRecipe } from 'rx-lifecycle';
 *
 * const morePorts: ConfigRecipe<{ ports: number[] }> = (draft) => {
 *   draft?.ports.push(443);
 * };
 * ```
 * @category Service
 */
export type ConfigRecipe<R> = (draft: Draft<R> | undefined) => Draft<R> | R | void | undefined;

/**
 * Configures `service` with a change to its current object config, made with immer: the new
 * config shares its unchanged parts with the old one, and is frozen.
 *
 * @remarks
 * It is `service.configure(produce(service.state.config, recipe))`. With no config yet the
 * recipe receives `undefined` and returns the config. Only code that imports it pays for immer.
 *
 * @param service - a service whose raw config is an object (its `parse` takes one).
 * @param recipe - edits the draft of the current config, or returns a new one.
 * @returns the new State, as `configure()` returns it.
 * @throws TypeError when the current config is text or bytes; whatever `configure()` throws.
 * @example
 * ```ts
 * import { Service, updateConfig } from 'rx-lifecycle';
 *
 * interface Config { readonly hosts: readonly string[]; readonly port: number }
 * const service = new Service((c: Config) => console.log(c.hosts.join(','), c.port), { parse: (c: Config) => c });
 * service.start();
 * updateConfig(service, () => ({ hosts: ['a'], port: 80 }));
 * // a 80
 * updateConfig(service, (draft) => {
 *   draft!.hosts.push('b');
 * });
 * // a,b 80
 * console.log(Object.isFrozen(service.state.config)); // true
 * ```
 * @category Service
 */
export function updateConfig<R extends object>(service: Lifecycle<R>, recipe: ConfigRecipe<R>): State<R> {
  if (typeof recipe !== 'function') throw new TypeError(`recipe must be a function, got ${typeof recipe}`);
  const current = service.state.config;
  if (typeof current === 'string' || current instanceof Uint8Array) {
    throw new TypeError('updateConfig needs an object config; the current config is text or bytes');
  }
  const next = (produce as (base: unknown, recipe: unknown) => R)(current, recipe);
  return service.configure(next);
}
