import fc from 'fast-check';
import { PersistentMap, PersistentMapView, hashKey } from '../../src/internal/persistentMap';
import { assertProperty, timeoutFor } from '../properties/fcEnv';

/** Every string of `blocks` blocks, each "Aa" or "BB": all of them share one hash. */
function collidingKeys(blocks: number): string[] {
  let keys = [''];
  for (let i = 0; i < blocks; i++) keys = keys.flatMap((k) => [`${k}Aa`, `${k}BB`]);
  return keys;
}

/** Hash functions that put keys where the tests want them. */
const hashes = {
  /** The real one. */
  real: hashKey,
  /** Only bits 0, 1, 30 and 31 vary: long shared paths that part at the last level. */
  sparse: (key: string) => (hashKey(key) & 0xc0000003) >>> 0,
  /** Every key collides, with bit 31 set. */
  constant: () => 0x80000000,
} satisfies Record<string, (key: string) => number>;

const sortedEntries = <V>(entries: Iterable<[string, V]>): [string, V][] => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The first index where `a` and `b` differ (entries compared item by item), or -1. */
function firstDifference(a: readonly unknown[], b: readonly unknown[]): number {
  const same = (x: unknown, y: unknown) => (Array.isArray(x) && Array.isArray(y) ? x.length === y.length && x.every((v, i) => Object.is(v, y[i])) : Object.is(x, y));
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!same(a[i], b[i])) return i;
  return -1;
}

/**
 * Checks that `map` holds exactly what `model` holds, through every read. Mismatches are
 * gathered by hand, then asserted once: jest's matchers per key would make 100k checks slow.
 */
function expectSame<V>(map: PersistentMap<V>, model: ReadonlyMap<string, V>, absent: readonly string[] = []): void {
  expect(map.size).toBe(model.size);
  const wrong: string[] = [];
  for (const [key, value] of model) if (!map.has(key) || map.get(key) !== value) wrong.push(key);
  for (const key of absent) if (!model.has(key) && (map.has(key) || map.get(key) !== undefined)) wrong.push(key);
  expect(wrong).toEqual([]);
  const entries = [...map.entries()];
  expect(firstDifference(sortedEntries(entries), sortedEntries(model))).toBe(-1);
  expect(firstDifference([...map.keys()], entries.map(([k]) => k))).toBe(-1);
  expect(firstDifference([...map.values()], entries.map(([, v]) => v))).toBe(-1);
  const visited: [string, V][] = [];
  map.forEach((value, key) => visited.push([key, value]));
  expect(firstDifference(visited, entries)).toBe(-1);
}

describe('hashKey', () => {
  it('should give an unsigned 32-bit integer, the same every time', () => {
    for (const key of ['', 'a', 'svc-00001', '\u{1F600}', 'x'.repeat(1000)]) {
      const h = hashKey(key);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      expect(hashKey(key)).toBe(h);
    }
  });

  it('should make every key built of "Aa" and "BB" blocks of one length collide', () => {
    for (const blocks of [1, 2, 3]) {
      const keys = collidingKeys(blocks);
      expect(new Set(keys.map(hashKey)).size).toBe(1);
    }
    expect(hashKey('Aa')).not.toBe(hashKey('AaAa'));
  });

  it('should spread sequential ids over the first level', () => {
    const slots = new Set(Array.from({ length: 64 }, (_, i) => hashKey(`svc-${i}`) & 31));
    expect(slots.size).toBeGreaterThan(16);
  });
});

describe('PersistentMap', () => {
  it('should start empty', () => {
    const map = PersistentMap.empty<number>();
    expectSame(map, new Map(), ['a', '']);
    expect(map.delete('a')).toBe(map);
  });

  it('should set, replace and delete, leaving each earlier map as it was', () => {
    const m0 = PersistentMap.empty<number>();
    const m1 = m0.set('a', 1);
    const m2 = m1.set('b', 2);
    const m3 = m2.set('a', 10);
    const m4 = m3.delete('b');
    expectSame(m0, new Map(), ['a', 'b']);
    expectSame(m1, new Map([['a', 1]]), ['b']);
    expectSame(m2, new Map([['a', 1], ['b', 2]]));
    expectSame(m3, new Map([['a', 10], ['b', 2]]));
    expectSame(m4, new Map([['a', 10]]), ['b']);
  });

  it('should return the same map for a write that changes nothing', () => {
    const value = { n: 1 };
    const map = PersistentMap.empty<object>().set('a', value);
    expect(map.set('a', value)).toBe(map);
    expect(map.set('a', { n: 1 })).not.toBe(map);
    expect(map.delete('zz')).toBe(map);
    const nan = PersistentMap.empty<number>().set('n', NaN);
    expect(nan.set('n', NaN)).toBe(nan);
  });

  it('should be frozen', () => {
    const map = PersistentMap.empty<number>().set('a', 1);
    expect(Object.isFrozen(map)).toBe(true);
    expect(() => {
      (map as { size: number }).size = 5;
    }).toThrow(TypeError);
  });

  describe('with colliding keys', () => {
    const keys = collidingKeys(3);

    it('should keep every key of a collision, in key order', () => {
      let map = PersistentMap.empty<number>();
      const model = new Map<string, number>();
      [...keys].reverse().forEach((key, i) => {
        map = map.set(key, i);
        model.set(key, i);
      });
      expectSame(map, model, collidingKeys(2));
      expect([...map.keys()]).toEqual([...keys].sort());
    });

    it('should fall back to a plain leaf when one key of a collision is left', () => {
      const [a, b] = collidingKeys(1) as [string, string];
      const both = PersistentMap.empty<number>().set(a, 1).set(b, 2);
      expect(PersistentMap.shapeOf(both)).toEqual([{ collision: [a, b] }]);
      const left = both.delete(a);
      expect(PersistentMap.shapeOf(left)).toEqual([b]);
      expectSame(left, new Map([[b, 2]]), [a]);
      expectSame(left.set('c', 3), new Map([[b, 2], ['c', 3]]), [a]);
      expectSame(both, new Map([[a, 1], [b, 2]]));
    });

    it('should replace a value inside a collision', () => {
      const [a, b] = collidingKeys(1) as [string, string];
      const map = PersistentMap.empty<number>().set(a, 1).set(b, 2);
      expectSame(map.set(b, 20), new Map([[a, 1], [b, 20]]));
      expect(map.set(b, 2)).toBe(map);
      expect(map.delete('Ab')).toBe(map);
    });
  });

  describe('with hashes that part only at the last level', () => {
    // Hash = the key read as a number: 0 and 2^31 share bits 0-30.
    const byNumber = (key: string) => Number(key) >>> 0;
    const keys = ['0', String(2 ** 31), String(2 ** 30), String(2 ** 30 + 2 ** 31), '1'];

    it('should keep keys apart by their top bits', () => {
      let map = PersistentMap.empty<string>(byNumber);
      const model = new Map<string, string>();
      for (const key of keys) {
        map = map.set(key, `v${key}`);
        model.set(key, `v${key}`);
        expectSame(map, model, keys);
      }
      for (const key of keys) {
        map = map.delete(key);
        model.delete(key);
        expectSame(map, model, keys);
      }
    });

    it('should chain branches down to where two keys part, and fold the chain when one goes', () => {
      const [low, high] = keys as [string, string];
      const both = PersistentMap.empty<number>(byNumber).set(low, 1).set(high, 2);
      // The root, then one branch per level whose 5 bits the two hashes share (shifts 5-25),
      // then the branch at shift 30 where bit 31 tells them apart.
      expect(PersistentMap.shapeOf(both)).toEqual([[[[[[[low, high]]]]]]]);
      expect(PersistentMap.shapeOf(both.delete(high))).toEqual([low]);
      expect(PersistentMap.shapeOf(both.delete(low).delete(high))).toEqual([]);
    });

    it('should iterate by hash bits, lowest level first', () => {
      const map = PersistentMap.from(keys.map((k) => [k, k] as const), byNumber);
      expect([...map.keys()]).toEqual(['0', String(2 ** 30), String(2 ** 31), String(2 ** 30 + 2 ** 31), '1']);
    });
  });

  describe('from', () => {
    it('should let a later entry win over an earlier one with the same key', () => {
      const map = PersistentMap.from([['a', 1], ['b', 2], ['a', 3]]);
      expectSame(map, new Map([['a', 3], ['b', 2]]));
    });

    it('should build the empty map from no entries', () => {
      const map = PersistentMap.from<number>([]);
      expectSame(map, new Map(), ['a']);
      expectSame(map.set('a', 1), new Map([['a', 1]]));
    });

    it.each(Object.keys(hashes) as (keyof typeof hashes)[])('should build the trie that one set after another builds (%s hash)', (name) => {
      const hash = hashes[name];
      const entries = [...collidingKeys(2), ...collidingKeys(3), ...Array.from({ length: 300 }, (_, i) => `k${i}`)].map((k, i) => [k, i] as const);
      let bySet = PersistentMap.empty<number>(hash);
      for (const [k, v] of entries) bySet = bySet.set(k, v);
      const built = PersistentMap.from(entries, hash);
      expectSame(built, new Map(entries));
      expect(PersistentMap.shapeOf(built)).toEqual(PersistentMap.shapeOf(bySet));
    });
  });

  describe('at 100,000 keys', () => {
    const N = 100_000;
    const ids = Array.from({ length: N }, (_, i) => `svc-${i.toString().padStart(6, '0')}`);

    it('should build in one pass, then take updates without touching the snapshot', () => {
      const model = new Map(ids.map((id, i) => [id, i]));
      const snapshot = PersistentMap.from(model);
      expectSame(snapshot, model);

      let map = snapshot;
      let seed = 12345;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      const current = new Map(model);
      for (let step = 0; step < 5_000; step++) {
        const id = next() % 3 === 0 ? `new-${next() % 2000}` : ids[next() % N]!;
        if (next() % 4 === 0) {
          map = map.delete(id);
          current.delete(id);
        } else {
          map = map.set(id, -step);
          current.set(id, -step);
        }
      }
      expectSame(map, current);
      expectSame(snapshot, model);
    });

    it('should give the same keys in the same order however they came in', () => {
      const forward = PersistentMap.from(ids.map((id) => [id, 1] as const));
      let backward = PersistentMap.empty<number>();
      for (let i = N - 1; i >= 0; i--) backward = backward.set(ids[i]!, 1);
      expect(firstDifference([...backward.keys()], [...forward.keys()])).toBe(-1);
    });
  });

  it(
    'should behave as a Map over random sets and deletes, every earlier version unchanged',
    async () => {
      const pool = [...collidingKeys(1), ...collidingKeys(2), ...collidingKeys(3), '', 'a', 'b', ...Array.from({ length: 40 }, (_, i) => `k${i}`)];
      const key = fc.oneof(fc.constantFrom(...pool), fc.string({ maxLength: 3 }));
      const op = fc.oneof(
        { weight: 3, arbitrary: fc.tuple(fc.constant('set' as const), key, fc.integer({ min: 0, max: 3 })) },
        { weight: 2, arbitrary: fc.tuple(fc.constant('delete' as const), key, fc.constant(0)) },
      );
      const property = fc.asyncProperty(
        fc.constantFrom(...(Object.keys(hashes) as (keyof typeof hashes)[])),
        fc.array(op, { maxLength: 80 }),
        async (hashName, ops) => {
          const hash = hashes[hashName];
          let map = PersistentMap.empty<number>(hash);
          const model = new Map<string, number>();
          const versions: [PersistentMap<number>, Map<string, number>][] = [[map, new Map()]];
          for (const [kind, k, value] of ops) {
            const before = map;
            if (kind === 'set') {
              const unchanged = model.get(k) === value;
              map = map.set(k, value);
              model.set(k, value);
              expect(map === before).toBe(unchanged);
            } else {
              const unchanged = !model.has(k);
              map = map.delete(k);
              model.delete(k);
              expect(map === before).toBe(unchanged);
            }
            expectSame(map, model, [k, ...pool.slice(0, 8)]);
            // The shape is canonical: the same as a one-pass build of the same keys.
            expect(PersistentMap.shapeOf(map)).toEqual(PersistentMap.shapeOf(PersistentMap.from(model, hash)));
            versions.push([map, new Map(model)]);
          }
          for (const [version, expected] of versions) expectSame(version, expected);
        },
      );
      await assertProperty('test/internal/persistentMap.test.ts', property, 200);
    },
    timeoutFor(200, 100),
  );
});

describe('PersistentMapView', () => {
  const map = PersistentMap.from([['a', 1], ['b', 2], ['c', 3]]);
  const view = new PersistentMapView(map);

  it('should read as a ReadonlyMap', () => {
    expect(view.size).toBe(3);
    expect(view.get('b')).toBe(2);
    expect(view.get('z')).toBeUndefined();
    expect(view.has('c')).toBe(true);
    expect(view.has('z')).toBe(false);
    const order = [...map.keys()];
    expect([...view.keys()]).toEqual(order);
    expect([...view.values()]).toEqual(order.map((k) => map.get(k)));
    expect([...view.entries()]).toEqual(order.map((k) => [k, map.get(k)]));
    expect([...view]).toEqual([...view.entries()]);
    expect(new Map(view)).toEqual(new Map([['a', 1], ['b', 2], ['c', 3]]));
  });

  it('should call forEach with value, key, the view and thisArg', () => {
    const self = { seen: [] as [number, string][] };
    view.forEach(function (this: typeof self, value, key, owner) {
      expect(owner).toBe(view);
      this.seen.push([value, key]);
    }, self);
    expect(self.seen).toEqual([...map.entries()].map(([k, v]) => [v, k]));
  });

  it('should be frozen, with no way to write', () => {
    expect(Object.isFrozen(view)).toBe(true);
    expect('set' in view).toBe(false);
    expect('delete' in view).toBe(false);
    expect('clear' in view).toBe(false);
    expect(Object.prototype.toString.call(view)).toBe('[object PersistentMapView]');
  });

  it('should keep showing its map after that map is written to', () => {
    const later = map.set('a', 100).delete('b');
    expect(view.get('a')).toBe(1);
    expect(view.get('b')).toBe(2);
    expect(new PersistentMapView(later).get('a')).toBe(100);
  });
});
