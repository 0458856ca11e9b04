import { v4 as uuidv4 } from 'uuid';

/**
 * Mints an id for {@link ServiceMap.create} when none is given. `exists` tells whether an id
 * is taken.
 * @returns a free id.
 * @throws when it can find none; `create` then throws a `bad id` error with this as `cause`.
 * @example
 * ```ts
 * import { Service, ServiceMap, type IdFunc } from 'rx-lifecycle';
 *
 * const numbered: IdFunc = (kind, exists) => {
 *   for (let i = 1; ; i++) if (!exists(`${kind}-${i}`)) return `${kind}-${i}`;
 * };
 * const map = new ServiceMap(() => new Service(() => {}), numbered);
 * console.log(map.create(undefined, 'db').id, map.create(undefined, 'db').id); // db-1 db-2
 * ```
 * @category ServiceMap
 */
export type IdFunc = (kind: string, exists: (id: string) => boolean) => string;

/**
 * Uses the kind as the id, so a map holds at most one service of each kind.
 *
 * @example
 * ```ts
 * import { ServiceMap, Service, idIsKind } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}), idIsKind);
 * console.log(map.create(undefined, 'mqtt').id); // mqtt
 * try {
 *   map.create(undefined, 'mqtt');
 * } catch (err) {
 *   console.log((err as Error).message); // bad id: id exists
 * }
 * ```
 * @throws `Error('id exists')` when the kind is taken.
 * @category ServiceMap
 */
export const idIsKind: IdFunc = (kind, exists) => {
  if (exists(kind)) throw new Error('id exists');
  return kind;
};

/**
 * Mints a random UUID (v4), trying 10 times for one that is free. The default of
 * {@link ServiceMap}.
 *
 * @example
 * ```ts
 * import { ServiceMap, Service } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}));
 * const { id } = map.create(undefined, 'worker'); // such as '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed'
 * console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)); // true
 * ```
 * @throws `Error('exhausted attempts finding unique uuid')` after 10 taken ids.
 * @category ServiceMap
 */
export const idIsUUID: IdFunc = (_kind, exists) => {
  for (let i = 0; i < 10; i++) {
    const id = uuidv4();
    if (!exists(id)) return id;
  }
  throw new Error('exhausted attempts finding unique uuid');
};

/**
 * Refuses to mint ids: every {@link ServiceMap.create} must name one.
 *
 * @example
 * ```ts
 * import { ServiceMap, Service, idIsRequired } from 'rx-lifecycle';
 *
 * const map = new ServiceMap(() => new Service(() => {}), idIsRequired);
 * map.create('a', 'worker'); // fine
 * try {
 *   map.create(undefined, 'worker');
 * } catch (err) {
 *   console.log((err as Error).message); // bad id: id is required
 * }
 * ```
 * @throws `Error('id is required')`, always.
 * @category ServiceMap
 */
export const idIsRequired: IdFunc = () => {
  throw new Error('id is required');
};
