// An immutable map from string keys, as a hash array mapped trie (HAMT): each level of the
// trie reads 5 more bits of the key's 32-bit hash, so a branch has at most 32 children and
// 100,000 keys sit about 4 levels deep. `set` and `delete` copy only the path from the root
// to the key (a handful of arrays of at most 32 slots) and share everything else with the
// map they started from, which stays as it was.
//
// The trie is kept canonical: a key sits at the shallowest level where no other key shares
// its hash bits so far, keys with one same hash share a `Collision` there (sorted by key),
// and a branch other than the root never holds a lone leaf. So the shape, and with it the
// iteration order, depends only on which keys the map holds, never on the order they came in.

/** Bits of the hash read per level, and the mask that takes them. */
const BITS = 5;
const MASK = 31;

/** A key and its value, with the key's hash. */
class Leaf<V> {
  constructor(readonly hash: number, readonly key: string, readonly value: V) {}
}

/** Two or more keys whose hashes are equal in all 32 bits, sorted by key. */
class Collision<V> {
  constructor(readonly hash: number, readonly leaves: readonly Leaf<V>[]) {}
}

/** An inner node: bit i of `bitmap` is set when slot i has a child; `children` holds them in slot order. */
class Branch<V> {
  constructor(readonly bitmap: number, readonly children: readonly Node<V>[]) {}
}

type Node<V> = Leaf<V> | Collision<V> | Branch<V>;

const EMPTY = new Branch<never>(0, []);

/**
 * The hash of a key: the polynomial string hash (`h * 31 + charCode` per UTF-16 unit),
 * then MurmurHash3's 32-bit finalizer to spread it over all bits. The finalizer is a
 * bijection, so keys that collide before it collide after it: "Aa" and "BB" do, and so does
 * every string made of such blocks ("AaBB", "BBAa", ...), which is how tests reach collisions.
 */
export function hashKey(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The slot (0-31) of `hash` at the level that reads bits from `shift` on. */
const slotOf = (hash: number, shift: number): number => (hash >>> shift) & MASK;

/** The index in a branch's children of the child in `slot`: the count of set bits below it. */
function indexOf(bitmap: number, slot: number): number {
  let x = bitmap & ((1 << slot) - 1);
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A copy of `items` with `count` items at `index` replaced by `insert` (Array.splice, on a copy). */
function spliced<T>(items: readonly T[], index: number, count: number, ...insert: T[]): T[] {
  const copy = items.slice();
  copy.splice(index, count, ...insert);
  return copy;
}

/** The node that holds `leaf` and whatever `node` holds at this level; `node` itself when nothing changed. */
function put<V>(node: Node<V>, shift: number, leaf: Leaf<V>): Node<V> {
  if (node instanceof Branch) {
    const slot = slotOf(leaf.hash, shift);
    const index = indexOf(node.bitmap, slot);
    if ((node.bitmap & (1 << slot)) === 0) return new Branch(node.bitmap | (1 << slot), spliced(node.children, index, 0, leaf));
    const child = node.children[index]!;
    const next = put(child, shift + BITS, leaf);
    return next === child ? node : new Branch(node.bitmap, spliced(node.children, index, 1, next));
  }
  if (node.hash !== leaf.hash) return split(node, leaf, shift);
  const leaves = node instanceof Leaf ? [node] : node.leaves;
  let index = 0;
  while (index < leaves.length && leaves[index]!.key < leaf.key) index++;
  const same = leaves[index];
  if (same?.key === leaf.key) {
    if (Object.is(same.value, leaf.value)) return node;
    return node instanceof Leaf ? leaf : new Collision(leaf.hash, spliced(leaves, index, 1, leaf));
  }
  return new Collision(leaf.hash, spliced(leaves, index, 0, leaf));
}

/** The branch (or chain of branches) under which two leaf-likes with different hashes part. */
function split<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Branch<V> {
  const slotA = slotOf(a.hash, shift);
  const slotB = slotOf(b.hash, shift);
  if (slotA === slotB) return new Branch(1 << slotA, [split(a, b, shift + BITS)]);
  return new Branch((1 << slotA) | (1 << slotB), slotA < slotB ? [a, b] : [b, a]);
}

/** `node` without `key`: `undefined` when nothing is left, `node` itself when `key` was not there. */
function remove<V>(node: Node<V>, shift: number, hash: number, key: string): Node<V> | undefined {
  if (node instanceof Leaf) return node.key === key ? undefined : node;
  if (node instanceof Collision) {
    const index = node.leaves.findIndex((leaf) => leaf.key === key);
    if (index < 0) return node;
    const rest = spliced(node.leaves, index, 1);
    return rest.length === 1 ? rest[0] : new Collision(node.hash, rest);
  }
  const slot = slotOf(hash, shift);
  if ((node.bitmap & (1 << slot)) === 0) return node;
  const index = indexOf(node.bitmap, slot);
  const child = node.children[index]!;
  const next = remove(child, shift + BITS, hash, key);
  if (next === child) return node;
  const children = next === undefined ? spliced(node.children, index, 1) : spliced(node.children, index, 1, next);
  if (children.length === 0) return undefined;
  // Below the root, a branch left with one leaf-like child gives way to that child.
  if (shift > 0 && children.length === 1 && !(children[0] instanceof Branch)) return children[0];
  return new Branch(next === undefined ? node.bitmap ^ (1 << slot) : node.bitmap, children);
}

/** The leaf of `key`, if any. */
function find<V>(node: Node<V>, hash: number, key: string): Leaf<V> | undefined {
  for (let shift = 0; node instanceof Branch; shift += BITS) {
    const slot = slotOf(hash, shift);
    if ((node.bitmap & (1 << slot)) === 0) return undefined;
    node = node.children[indexOf(node.bitmap, slot)]!;
  }
  if (node instanceof Leaf) return node.key === key ? node : undefined;
  return node.leaves.find((leaf) => leaf.key === key);
}

/** The canonical node holding `leaves` (distinct keys, at least one), whose hashes agree below `shift`. */
function build<V>(leaves: Leaf<V>[], shift: number): Node<V> {
  if (leaves.length === 1) return leaves[0]!;
  const hash = leaves[0]!.hash;
  if (leaves.every((leaf) => leaf.hash === hash)) return new Collision(hash, leaves.sort((a, b) => (a.key < b.key ? -1 : 1)));
  return buildBranch(leaves, shift);
}

/** A branch holding `leaves`, grouped by their slot at this level: each node is made once. */
function buildBranch<V>(leaves: Leaf<V>[], shift: number): Branch<V> {
  const groups: Leaf<V>[][] = [];
  let bitmap = 0;
  for (const leaf of leaves) {
    const slot = slotOf(leaf.hash, shift);
    (groups[slot] ??= []).push(leaf);
    bitmap |= 1 << slot;
  }
  const children: Node<V>[] = [];
  for (const group of groups) if (group !== undefined) children.push(build(group, shift + BITS));
  return new Branch(bitmap, children);
}

/** Every leaf under `node`, in trie order. */
function* leavesOf<V>(node: Node<V>): Generator<Leaf<V>, void, undefined> {
  if (node instanceof Leaf) yield node;
  else if (node instanceof Collision) yield* node.leaves;
  else for (const child of node.children) yield* leavesOf(child);
}

/**
 * An immutable map from string to `V` with structural sharing: `set` and `delete` return a
 * new map in O(log32 n) and leave this one as it was. Iteration follows the trie (by the
 * keys' hash bits, lowest first; equal hashes by key): the same keys always iterate in the
 * same order, whatever order they were added in, but not in insertion order.
 */
export class PersistentMap<V> {
  readonly #root: Branch<V>;
  readonly #hash: (key: string) => number;
  /** The number of keys. */
  readonly size: number;

  private constructor(root: Branch<V>, size: number, hash: (key: string) => number) {
    this.#root = root;
    this.size = size;
    this.#hash = hash;
    Object.freeze(this);
  }

  /** The empty map; `hash` is for tests that need collisions at chosen levels. */
  static empty<V>(hash: (key: string) => number = hashKey): PersistentMap<V> {
    return new PersistentMap<V>(EMPTY, 0, hash);
  }

  /**
   * A map of `entries` (a later entry wins over an earlier one with the same key), built in
   * one pass that makes each node once: the way to take a first snapshot of many records.
   */
  static from<V>(entries: Iterable<readonly [string, V]>, hash: (key: string) => number = hashKey): PersistentMap<V> {
    const unique = new Map<string, V>(entries);
    const leaves: Leaf<V>[] = [];
    for (const [key, value] of unique) leaves.push(new Leaf(hash(key), key, value));
    return new PersistentMap(leaves.length === 0 ? EMPTY : buildBranch(leaves, 0), leaves.length, hash);
  }

  /**
   * The trie's shape, for tests of its canonical form: a branch as an array of its children,
   * a leaf as its key, a collision as `{ collision: keys }`.
   */
  static shapeOf(map: PersistentMap<unknown>): unknown {
    const shape = (node: Node<unknown>): unknown =>
      node instanceof Leaf ? node.key : node instanceof Collision ? { collision: node.leaves.map((leaf) => leaf.key) } : node.children.map(shape);
    return shape(map.#root);
  }

  get(key: string): V | undefined {
    return find(this.#root, this.#hash(key), key)?.value;
  }

  has(key: string): boolean {
    return find(this.#root, this.#hash(key), key) !== undefined;
  }

  /** This map with `key` set to `value`; this map itself when it already holds that very value. */
  set(key: string, value: V): PersistentMap<V> {
    const hash = this.#hash(key);
    const root = put(this.#root, 0, new Leaf(hash, key, value)) as Branch<V>;
    if (root === this.#root) return this;
    const added = find(this.#root, hash, key) === undefined ? 1 : 0;
    return new PersistentMap(root, this.size + added, this.#hash);
  }

  /** This map without `key`; this map itself when it has no such key. */
  delete(key: string): PersistentMap<V> {
    const root = remove(this.#root, 0, this.#hash(key), key) as Branch<V> | undefined;
    if (root === this.#root) return this;
    return new PersistentMap(root ?? EMPTY, this.size - 1, this.#hash);
  }

  /** Calls `callback` with each value and key, in iteration order. */
  forEach(callback: (value: V, key: string) => void): void {
    for (const leaf of leavesOf(this.#root)) callback(leaf.value, leaf.key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const leaf of leavesOf(this.#root)) yield [leaf.key, leaf.value];
  }

  *keys(): MapIterator<string> {
    for (const leaf of leavesOf(this.#root)) yield leaf.key;
  }

  *values(): MapIterator<V> {
    for (const leaf of leavesOf(this.#root)) yield leaf.value;
  }
}

/**
 * A frozen `ReadonlyMap` over a {@link PersistentMap}: what `ServiceMap.states$` emits. It
 * offers only reading, so a holder cannot reach the map's `set` or `delete`.
 */
export class PersistentMapView<V> implements ReadonlyMap<string, V> {
  readonly #map: PersistentMap<V>;

  constructor(map: PersistentMap<V>) {
    this.#map = map;
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  forEach(callbackfn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    this.#map.forEach((value, key) => callbackfn.call(thisArg, value, key, this));
  }

  keys(): MapIterator<string> {
    return this.#map.keys();
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  entries(): MapIterator<[string, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.#map.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'PersistentMapView';
  }
}
