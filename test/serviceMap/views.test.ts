/** ServiceMap: the views states$ (an immutable map of StateRecords) and summary$ (the counts). */
import { VirtualTimeScheduler } from 'rxjs';
import { Service, ServiceMap, idIsRequired, statusOf, type StateRecord } from 'rx-lifecycle';
import { FakeLifecycle, advanceTo, brief, expectSameAsStates, failing, plainMap, recount, record, serviceOf } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('states$', () => {
    it('should emit the current map on subscription', () => {
      const map = plainMap();
      map.create('a', 'x', { active: true });
      map.create('b', 'y');
      const seen = record(map.states$);
      expect(seen.values).toHaveLength(1);
      const m = seen.values[0]!;
      expectSameAsStates(map, m);
      expect(m.size).toBe(2);
      expect(record(map.states$).values).toHaveLength(1);
    });

    it('should emit an empty map for an empty ServiceMap', () => {
      const seen = record(plainMap().states$);
      expect(seen.values).toHaveLength(1);
      expect(seen.values[0]!.size).toBe(0);
      expect([...seen.values[0]!]).toEqual([]);
    });

    it('should emit once per change, always equal to states()', () => {
      const map = plainMap();
      const seen = record(map.states$);
      const changes = record(map.getAndListenState()[1]);
      const step = (action: () => unknown) => {
        action();
        expect(seen.values).toHaveLength(1 + changes.values.length);
        expectSameAsStates(map, seen.values.at(-1)!);
      };
      step(() => map.create('a', 'x'));
      step(() => map.create('b', 'x', { active: true, config: '{}' }));
      step(() => serviceOf(map, 'a').start());
      step(() => serviceOf(map, 'a').configure('{}'));
      step(() => serviceOf(map, 'b').stop());
      step(() => map.delete('a'));
      step(() => map.delete('b'));
      step(() => map.create('c', 'y', { active: true }));
      expect(changes.values.map((c) => c.changeType)).toEqual([
        'add',
        'add',
        'update',
        'update',
        'update',
        'update',
        'update',
        'remove',
        'remove',
        'add',
      ]);
      expect(seen.values).toHaveLength(11);
      // Each change shows in exactly the emission that follows it.
      changes.values.forEach((c, i) => {
        const before = seen.values[i]!;
        const after = seen.values[i + 1]!;
        if (c.changeType === 'remove') {
          expect(before.get(c.oldValue!.id)?.state).toBe(c.oldValue!.state);
          expect(after.has(c.oldValue!.id)).toBe(false);
        } else {
          expect(after.get(c.newValue!.id)).toEqual(c.newValue);
          expect(after.get(c.newValue!.id)?.state).toBe(c.newValue!.state);
        }
        expect(after.size).toBe(before.size + (c.changeType === 'add' ? 1 : c.changeType === 'remove' ? -1 : 0));
      });
    });

    it('should leave earlier emitted maps unchanged', () => {
      const map = plainMap();
      map.create('a', 'x');
      map.create('b', 'y', { config: '{}' });
      const seen = record(map.states$);
      const copies: [string, StateRecord][][] = [];
      const keep = () => copies.push([...seen.values.at(-1)!.entries()]);
      keep();
      serviceOf(map, 'a').start();
      keep();
      map.create('c', 'x');
      keep();
      map.delete('b');
      keep();
      serviceOf(map, 'a').stop();
      keep();
      expect(seen.values).toHaveLength(5);
      seen.values.forEach((m, i) => {
        const copy = copies[i]!;
        expect(m.size).toBe(copy.length);
        expect([...m.entries()]).toEqual(copy);
        for (const [id, r] of copy) expect(m.get(id)).toBe(r);
      });
      expect(seen.values[0]!.get('a')?.state.active).toBe(false);
      expect(seen.values[1]!.get('a')?.state.active).toBe(true);
      expect(seen.values[2]!.has('c')).toBe(true);
      expect(seen.values[1]!.has('c')).toBe(false);
      expect(seen.values[3]!.has('b')).toBe(false);
      expect(seen.values[2]!.has('b')).toBe(true);
    });

    it('should refuse to be changed', () => {
      const map = plainMap();
      map.create('a', 'x');
      map.create('b', 'y');
      const m = record(map.states$).values[0]!;
      const a = m.get('a')!;
      const mutable = m as unknown as Map<string, StateRecord>;
      const attempts: (() => unknown)[] = [
        () => mutable.set('z', a),
        () => mutable.delete('a'),
        () => mutable.clear(),
        () => Map.prototype.set.call(mutable, 'z', a),
        () => Map.prototype.delete.call(mutable, 'a'),
        () => Map.prototype.clear.call(mutable),
        () => Object.defineProperty(mutable, 'size', { value: 0 }),
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch {
          // refused: fine
        }
      }
      expect(m.size).toBe(2);
      expect(m.has('z')).toBe(false);
      expect(m.get('a')).toBe(a);
      expect([...m.keys()].sort()).toEqual(['a', 'b']);
      // Records are read-only by type and not frozen at run time (docs/decisions.md); the
      // States they carry are frozen.
      expect(Object.isFrozen(a.state)).toBe(true);
    });

    it('should support the ReadonlyMap interface', () => {
      const map = plainMap();
      map.create('a', 'x');
      map.create('b', 'y', { active: true });
      map.create('c', 'x');
      const m = record(map.states$).values[0]!;
      const states = new Map(map.states().map((r) => [r.id, r]));
      expect(m.size).toBe(3);
      expect(m.has('b')).toBe(true);
      expect(m.has('d')).toBe(false);
      expect(m.get('b')).toEqual(states.get('b'));
      expect(m.get('d')).toBeUndefined();
      expect([...m.keys()].sort()).toEqual(['a', 'b', 'c']);
      expect([...m.values()].map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
      expect(new Map(m.entries())).toEqual(states);
      expect(new Map(m)).toEqual(states);
      const visited: string[] = [];
      const thisArg = { tag: 'this' };
      m.forEach(function (this: unknown, value, key, whole) {
        expect(this).toBe(thisArg);
        expect(value).toBe(m.get(key));
        expect(whole).toBe(m);
        visited.push(key);
      }, thisArg);
      expect(visited.sort()).toEqual(['a', 'b', 'c']);
      const iterated: string[] = [];
      for (const [id, r] of m) {
        expect(r.id).toBe(id);
        iterated.push(id);
      }
      expect(iterated.sort()).toEqual(['a', 'b', 'c']);
    });

    it('should stop emitting after unsubscribe and release the tracking', () => {
      const fake = new FakeLifecycle();
      const map = new ServiceMap(() => fake);
      map.create('a', 'w');
      const seen = record(map.states$);
      expect(fake.subscriptions).toBe(1);
      fake.start();
      expect(seen.values).toHaveLength(2);
      seen.subscription.unsubscribe();
      expect(fake.subscriptions).toBe(0);
      fake.stop();
      expect(seen.values).toHaveLength(2);
    });
  });

  describe('summary$', () => {
    /** Subscribes to summary$ and checks, after each step, that it equals a recount. */
    function watchSummary(map: ServiceMap) {
      const seen = record(map.summary$);
      return {
        values: seen.values,
        subscription: seen.subscription,
        check(): void {
          expect(seen.values.at(-1)).toEqual(recount(map.states()));
          for (let i = 1; i < seen.values.length; i++) expect(seen.values[i]).not.toEqual(seen.values[i - 1]);
        },
      };
    }

    it('should emit zero counts for an empty map', () => {
      const seen = record(plainMap().summary$);
      expect(seen.values).toEqual([{ total: 0, active: 0, loading: 0, retrying: 0, failed: 0, byKind: {} }]);
    });

    it('should emit the counts of the current map on subscription', () => {
      const map = new ServiceMap((_id, kind) => new Service(kind === 'bad' ? failing(1) : () => {}));
      map.create('a', 'good', { active: true, config: '{}' });
      map.create('b', 'good');
      map.create('c', 'bad', { active: true, config: '{}' });
      const seen = record(map.summary$);
      expect(seen.values).toEqual([{ total: 3, active: 1, loading: 0, retrying: 0, failed: 1, byKind: { good: 2, bad: 1 } }]);
    });

    it('should follow adds, updates and removes', () => {
      const map = plainMap();
      const summary = watchSummary(map);
      map.create('a', 'x');
      summary.check();
      expect(summary.values.at(-1)).toEqual({ total: 1, active: 0, loading: 0, retrying: 0, failed: 0, byKind: { x: 1 } });
      map.create('b', 'y', { active: true });
      summary.check();
      expect(summary.values.at(-1)).toEqual({ total: 2, active: 1, loading: 0, retrying: 0, failed: 0, byKind: { x: 1, y: 1 } });
      serviceOf(map, 'a').start();
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ total: 2, active: 2 });
      map.delete('b'); // the stop, then the remove
      summary.check();
      expect(summary.values.at(-1)).toEqual({ total: 1, active: 1, loading: 0, retrying: 0, failed: 0, byKind: { x: 1 } });
      expect(summary.values).toHaveLength(6);
      expect(summary.values[4]).toEqual({ total: 2, active: 1, loading: 0, retrying: 0, failed: 0, byKind: { x: 1, y: 1 } });
    });

    it('should emit only when the counts change', () => {
      const map = plainMap();
      map.create('a', 'x');
      const summary = watchSummary(map);
      const changes = record(map.getAndListenState()[1]);
      serviceOf(map, 'a').configure('{}'); // a State change that moves no count
      expect(changes.values.map(brief)).toEqual(['update a stopped']);
      expect(summary.values).toHaveLength(1);
      serviceOf(map, 'a').configure('{"n":2}');
      expect(summary.values).toHaveLength(1);
      serviceOf(map, 'a').start(); // active, and a load that finishes at once
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ active: 1, loading: 0 });
      expect(changes.values).toHaveLength(4);
      // The loading State in between moved "loading" up and down: two emissions.
      expect(summary.values.map((s) => [s.active, s.loading])).toEqual([
        [0, 0],
        [1, 1],
        [1, 0],
      ]);
    });

    it('should count failed services and not stopped ones', () => {
      let fail = true;
      const map = new ServiceMap(
        () =>
          new Service(() => {
            if (fail) throw new Error('boom');
          }),
      );
      const summary = watchSummary(map);
      map.create('a', 'x', { active: true, config: '{}' });
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ total: 1, active: 0, failed: 1 });
      fail = false;
      serviceOf(map, 'a').start();
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ active: 1, failed: 0 });
      serviceOf(map, 'a').stop();
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ active: 0, failed: 0 });
      fail = true;
      serviceOf(map, 'a').start();
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ active: 0, failed: 1 });
      map.delete('a');
      summary.check();
      expect(summary.values.at(-1)).toEqual({ total: 0, active: 0, loading: 0, retrying: 0, failed: 0, byKind: {} });
    });

    it('should count retrying services as loading and retrying, until they recover', () => {
      const scheduler = new VirtualTimeScheduler();
      const map = new ServiceMap(
        (_id, kind) => new Service(failing(kind === 'flaky' ? 2 : 0), { scheduler, retry: true }),
        idIsRequired,
      );
      const summary = watchSummary(map);
      map.create('a', 'flaky', { active: true, config: '{}' });
      summary.check();
      expect(summary.values.at(-1)).toMatchObject({ total: 1, active: 1, loading: 1, retrying: 1, failed: 0 });
      map.create('b', 'steady', { active: true, config: '{}' });
      summary.check();
      const count = summary.values.length;
      advanceTo(scheduler, 500); // the 2nd attempt fails too: still retrying, nothing to emit
      expect(statusOf(serviceOf(map, 'a').state)).toBe('retrying');
      expect(summary.values).toHaveLength(count);
      advanceTo(scheduler, 1250); // the 3rd attempt succeeds
      summary.check();
      expect(summary.values.at(-1)).toEqual({
        total: 2,
        active: 2,
        loading: 0,
        retrying: 0,
        failed: 0,
        byKind: { flaky: 1, steady: 1 },
      });
    });

    it('should drop a kind from byKind when its count reaches 0', () => {
      const map = plainMap();
      const summary = watchSummary(map);
      map.create('a', 'x');
      map.create('b', 'x');
      map.create('c', 'y');
      summary.check();
      expect(summary.values.at(-1)!.byKind).toEqual({ x: 2, y: 1 });
      map.delete('c');
      summary.check();
      expect(summary.values.at(-1)!.byKind).toEqual({ x: 2 });
      expect(summary.values.at(-1)!.byKind).not.toHaveProperty('y');
      map.delete('a');
      summary.check();
      expect(summary.values.at(-1)!.byKind).toEqual({ x: 1 });
      map.delete('b');
      summary.check();
      expect(summary.values.at(-1)!.byKind).toEqual({});
      expect(Object.keys(summary.values.at(-1)!.byKind)).toEqual([]);
    });

    it('should equal a recount after every step of a mixed sequence', () => {
      const scheduler = new VirtualTimeScheduler();
      const map = new ServiceMap(
        (_id, kind) =>
          new Service(kind === 'bad' ? failing(Infinity) : kind === 'flaky' ? failing(1) : () => {}, {
            scheduler,
            retry: kind === 'flaky' ? true : kind === 'bad' ? { maxAttempts: 2 } : false,
          }),
        idIsRequired,
      );
      const summary = watchSummary(map);
      const steps: (() => unknown)[] = [
        () => map.create('a', 'good', { active: true, config: '{}' }),
        () => map.create('b', 'flaky', { active: true, config: '{}' }),
        () => map.create('c', 'bad', { active: true, config: '{}' }),
        () => map.create('d', 'good'),
        () => advanceTo(scheduler, 500),
        () => serviceOf(map, 'd').start(),
        () => serviceOf(map, 'a').stop(),
        () => map.delete('b'),
        () => serviceOf(map, 'c').start(),
        () => advanceTo(scheduler, 2000),
        () => map.delete('a'),
        () => map.delete('c'),
        () => map.delete('d'),
      ];
      for (const step of steps) {
        step();
        summary.check();
      }
      expect(summary.values.at(-1)).toEqual({ total: 0, active: 0, loading: 0, retrying: 0, failed: 0, byKind: {} });
    });

    it('should stop emitting after unsubscribe', () => {
      const map = plainMap();
      const seen = record(map.summary$);
      map.create('a', 'x');
      seen.subscription.unsubscribe();
      map.create('b', 'x');
      expect(seen.values).toHaveLength(2);
    });
  });
});
