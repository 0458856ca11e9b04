/**
 * A constructor of plain objects: what `new` makes with it has `Object.prototype` as its
 * prototype and `Object` as its `constructor`, like an object literal, so no reader (JSON,
 * `structuredClone`, `toStrictEqual`, `isDeepStrictEqual`) can tell the two apart.
 *
 * @remarks
 * It is for the objects made on every change: States, records and changes. V8 keeps an
 * allocation site per object literal; when most objects made at one site outlive a
 * young-generation collection (a large map's current States do), V8 allocates every later
 * object of that site in the old generation, however short its life, and each of them then
 * costs a major collection's work. Made by literals, a change in a small map that runs next
 * to a large one took 1.7 to 1.9 times as long (the benchmark's map phase). Objects made by
 * `new` have no allocation site, so V8 never decides that for them.
 *
 * `init` is named: its name is the one heap snapshots and debuggers show for the objects.
 * @internal
 */
export function plain<A extends unknown[], T extends object>(init: (this: T, ...args: A) => void): new (...args: A) => T {
  (init as unknown as { prototype: object }).prototype = Object.prototype;
  return init as unknown as new (...args: A) => T;
}

/** `T` with its fields writable: the `this` of a {@link plain} constructor. @internal */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
