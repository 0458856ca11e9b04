/** ServiceMap: listen() and getAndListen(), the record Changes (adds and removes). */
import { type Change, type ServiceRecord } from 'rx-lifecycle';
import { plainMap, record, replayRecords, serviceOf } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('listen', () => {
    it('should publish adds and removes, not State updates, with changeTime from options.now', () => {
      let clock = 100;
      const map = plainMap({ now: () => clock });
      map.create('before', 'w');
      const seen = record(map.listen());
      clock = 200;
      map.create('a', 'x', { active: true, config: '{}' });
      const a = serviceOf(map, 'a');
      clock = 300;
      a.stop();
      a.start();
      serviceOf(map, 'before').start();
      clock = 400;
      map.delete('a');
      expect(seen.values).toEqual([
        { changeTime: 200, changeType: 'add', oldValue: undefined, newValue: { id: 'a', kind: 'x', service: a } },
        { changeTime: 400, changeType: 'remove', oldValue: { id: 'a', kind: 'x', service: a }, newValue: undefined },
      ]);
    });

    it('should deliver to every listener and stop after unsubscribe', () => {
      const map = plainMap();
      const one = record(map.listen());
      const two = record(map.listen());
      map.create('a', 'w');
      one.subscription.unsubscribe();
      map.create('b', 'w');
      map.delete('a');
      expect(one.values.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual(['add a']);
      expect(two.values.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual([
        'add a',
        'add b',
        'remove a',
      ]);
    });
  });

  describe('getAndListen', () => {
    it('should return the current records and a stream of later changes', () => {
      const map = plainMap();
      map.create('a', 'w');
      map.create('b', 'w');
      const [records, changes$] = map.getAndListen();
      const seen = record(changes$);
      expect(records.map((r) => r.id)).toEqual(['a', 'b']);
      expect(records[0]).toBe(map.get('a'));
      map.create('c', 'w');
      map.delete('a');
      serviceOf(map, 'b').start();
      expect(seen.values.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual(['add c', 'remove a']);
      const view = replayRecords(records, seen.values);
      expect([...view.values()]).toEqual(map.values());
    });

    it('should miss and repeat nothing when subscribed from inside a notification', () => {
      const map = plainMap();
      // The first listener reacts to "a" by creating "b" (and "c", deleting "b" later).
      map.listen().subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          map.create('b', 'w');
          map.create('c', 'w');
        }
        if (c.changeType === 'add' && c.newValue!.id === 'c') map.delete('b');
      });
      // The second, seeing "a", starts listening with getAndListen.
      let late: { records: ServiceRecord[]; changes: Change[] } | undefined;
      map.listen().subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          const [records, changes$] = map.getAndListen();
          late = { records, changes: [] };
          changes$.subscribe((change) => late!.changes.push(change));
        }
      });
      map.create('a', 'w');
      map.create('d', 'w');
      const view = replayRecords(late!.records, late!.changes);
      expect([...view.keys()].sort()).toEqual(map.values().map((r) => r.id).sort());
    });
  });
});
