/** ServiceMap: the reads get(), values() and states(). */
import { ServiceMap } from 'rx-lifecycle';
import { listenToAll, plainMap, plainService, serviceOf } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('get', () => {
    it('should return the record of an id, or undefined', () => {
      const service = plainService();
      const map = new ServiceMap(() => service);
      map.create('a', 'worker');
      expect(map.get('a')).toEqual({ id: 'a', kind: 'worker', service });
      expect(map.get('a')?.service).toBe(service);
      expect(map.get('b')).toBeUndefined();
      map.delete('a');
      expect(map.get('a')).toBeUndefined();
    });

    it('should hand out records without the methods generic code calls on what has them', () => {
      // A record is also the map's hook on its service, and may be the service's outbox: no
      // "close whatever can be closed" helper may reach into that.
      const map = plainMap();
      map.create('a', 'worker');
      map.getAndListenState()[1].subscribe(() => {});
      const record = map.get('a') as unknown as Record<string, unknown>;
      for (const name of ['open', 'close', 'push', 'flush', 'send', 'add', 'remove', 'join', 'subscribe', 'unsubscribe', 'dispose', 'destroy']) {
        expect([name, record[name]]).toEqual([name, undefined]);
      }
      expect(Object.keys(record)).toEqual(['id', 'kind', 'service']);
    });
  });

  describe('values', () => {
    it('should return every record in the order they were added', () => {
      const map = plainMap();
      map.create('b', 'x');
      map.create('a', 'y');
      map.create('c', 'x');
      map.delete('a');
      map.create('d', 'z');
      expect(map.values().map((r) => [r.id, r.kind])).toEqual([
        ['b', 'x'],
        ['c', 'x'],
        ['d', 'z'],
      ]);
      for (const r of map.values()) expect(r).toBe(map.get(r.id));
    });
  });

  describe('states', () => {
    it('should return a StateRecord per record with the current State', () => {
      const map = plainMap();
      map.create('a', 'x');
      map.create('b', 'y', { active: true });
      const a = serviceOf(map, 'a');
      const b = serviceOf(map, 'b');
      a.configure('{}');
      a.start();
      b.stop();
      const states = map.states();
      expect(states).toEqual([
        { id: 'a', kind: 'x', service: a, state: a.state },
        { id: 'b', kind: 'y', service: b, state: b.state },
      ]);
      expect(states[0]?.state).toBe(a.state);
      expect(states[1]?.state).toBe(b.state);
    });

    it('should return current States while listened to', () => {
      const map = plainMap();
      map.create('a', 'x');
      const seen = listenToAll(map);
      const a = serviceOf(map, 'a');
      a.start();
      expect(map.states()[0]?.state).toBe(a.state);
      a.configure('{}');
      expect(map.states()[0]?.state).toBe(a.state);
      seen.unsubscribe();
      a.stop();
      expect(map.states()[0]?.state).toBe(a.state);
    });
  });
});
