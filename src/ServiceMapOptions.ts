import type { Lifecycle } from './Lifecycle.js';
import type { RawConfig } from './State.js';

/**
 * Makes the service for a new record of a {@link ServiceMap}.
 * @throws for a kind it does not know; {@link ServiceMap.create} then throws the same error.
 * @example
 * ```ts
 * import { Service, ServiceMap, type CreateFunc } from 'rx-lifecycle';
 *
 * const create: CreateFunc = (id, kind) => {
 *   if (kind !== 'echo') throw new Error(`unknown kind ${kind}`);
 *   return new Service((config: { text: string }) => console.log(id, 'says', config.text));
 * };
 * const map = new ServiceMap(create);
 * map.create('e1', 'echo', { active: true, config: '{"text":"hi"}' });
 * // e1 says hi
 * try { map.create('x1', 'nope'); } catch (err) { console.log((err as Error).message); }
 * // unknown kind nope
 * ```
 * @category ServiceMap
 */
export type CreateFunc<S extends Lifecycle<any> = Lifecycle> = (id: string, kind: string) => S;

/**
 * Options of a {@link ServiceMap}.
 * @example
 * ```ts
 * import { Service, ServiceMap, type ServiceMapOptions } from 'rx-lifecycle';
 *
 * let clock = 1000;
 * const options: ServiceMapOptions = { now: () => clock++ };
 * const map = new ServiceMap(() => new Service(() => {}), undefined, options);
 * map.listen().subscribe((c) => console.log(c.changeType, c.changeTime));
 * map.create('a', 'worker');
 * // add 1000
 * map.delete('a');
 * // remove 1001
 * ```
 * @category ServiceMap
 */
export interface ServiceMapOptions {
  /**
   * Clock for `changeTime`, in epoch milliseconds. Without it, adds and removes are timed by
   * the wall clock and State updates by the changed service's own clock (the time of the
   * change itself, at no extra cost); with it, every change is timed by it.
   * @defaultValue `asyncScheduler.now()` (the wall clock)
   */
  readonly now?: (() => number) | undefined;
}

/**
 * What a new record's service should be brought to by {@link ServiceMap.create}.
 * @example
 * ```ts
 * import { Service, ServiceMap, type CreateState } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service((config: { n: number }) => console.log('apply', config.n)));
 * const state: CreateState = { active: true, config: '{"n":1}' };
 * const created = map.create('a', 'worker', state);
 * // apply 1
 * console.log(created.state.active, created.state.loading); // true false
 * ```
 * @category ServiceMap
 */
export interface CreateState<R = RawConfig> {
  /**
   * Start the service.
   * @defaultValue false
   */
  readonly active?: boolean | undefined;
  /**
   * Configure the service with this (after starting it); empty means no config.
   * @defaultValue none
   */
  readonly config?: R | undefined;
}
