/** ServiceMap.of(): a fixed map of known services. */
import { ImmutableError, ServiceMap } from 'rx-lifecycle';
import { FakeLifecycle, brief, expectSameAsStates, listenToAll, plainService, recount, replay } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('of', () => {
    it('should hold the known services under ids "0", "1", ... with their constructor names as kinds', () => {
      const s0 = plainService();
      const s1 = new FakeLifecycle();
      const s2 = plainService();
      const map = ServiceMap.of([s0, s1, s2]);
      expect(map.values()).toEqual([
        { id: '0', kind: 'Service', service: s0 },
        { id: '1', kind: 'FakeLifecycle', service: s1 },
        { id: '2', kind: 'Service', service: s2 },
      ]);
      expect(map.get('1')?.service).toBe(s1);
      expect(map.states().map((r) => r.state)).toEqual([s0.state, s1.state, s2.state]);
    });

    it('should make an empty map of no services', () => {
      expect(ServiceMap.of([]).values()).toEqual([]);
    });

    it('should throw ImmutableError from create and delete, leaving the map as it is', () => {
      const s0 = plainService();
      s0.start();
      const map = ServiceMap.of([s0]);
      const seen = listenToAll(map);
      expect(() => map.create('x', 'w')).toThrow(ImmutableError);
      expect(() => map.create(undefined, 'w')).toThrow(ImmutableError);
      expect(() => map.delete('0')).toThrow(ImmutableError);
      expect(() => map.delete('nope')).toThrow(ImmutableError);
      expect(map.values()).toHaveLength(1);
      expect(s0.state.active).toBe(true);
      expect(seen.records).toEqual([]);
      expect(seen.stateChanges).toEqual([]);
    });

    it('should publish the State changes of the known services', () => {
      const s0 = plainService();
      const s1 = new FakeLifecycle();
      const map = ServiceMap.of([s0, s1]);
      const seen = listenToAll(map);
      s0.configure('{}');
      s0.start();
      s1.start();
      s0.stop();
      expect(seen.stateChanges.map(brief)).toEqual([
        'update 0 stopped',
        'update 0 starting',
        'update 0 running',
        'update 1 running',
        'update 0 stopped',
      ]);
      expectSameAsStates(map, replay(seen.snapshot, seen.stateChanges));
      expect(seen.states).toHaveLength(6);
      expectSameAsStates(map, seen.states.at(-1)!);
      expect(seen.summaries.at(-1)).toEqual(recount(map.states()));
      expect(seen.summaries.at(-1)).toMatchObject({ total: 2, active: 1, byKind: { Service: 1, FakeLifecycle: 1 } });
      expect(seen.records).toEqual([]);
      seen.unsubscribe();
      expect(s1.subscriptions).toBe(0);
    });
  });
});
