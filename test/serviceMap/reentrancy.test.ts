/** ServiceMap: listeners and Service subscribers that change the map or start listening from inside a notification. */
import { statusOf, type ServiceMapSummary, type State, type StateChange, type StateRecord } from 'rx-lifecycle';
import { brief, expectSameAsStates, plainMap, recount, record, replay, serviceOf } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('re-entrancy', () => {
    it('should give every listener the same events in the same order when listeners change the map', () => {
      const map = plainMap();
      const logs: StateChange[][] = [[], [], []];
      const snapshots: StateRecord[][] = [];
      const subscribe = (i: number, react: (c: StateChange) => void) => {
        const [snapshot, changes$] = map.getAndListenState();
        snapshots.push(snapshot);
        changes$.subscribe((c) => {
          logs[i]!.push(c);
          react(c);
        });
      };
      subscribe(0, (c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          serviceOf(map, 'a').start();
          map.create('b', 'w');
        }
        if (c.changeType === 'add' && c.newValue!.id === 'b') map.delete('a');
      });
      subscribe(1, (c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'b') serviceOf(map, 'b').start();
        if (c.changeType === 'update' && c.newValue!.id === 'b' && c.newValue!.state.active && !c.newValue!.state.config) {
          serviceOf(map, 'b').configure('{}');
        }
      });
      subscribe(2, () => {});
      const records = record(map.listen());

      map.create('a', 'w');

      const expected = [
        'add a stopped',
        'update a running',
        'add b stopped',
        'update a stopped',
        'remove a stopped',
        'update b running',
        'update b starting',
        'update b running',
      ];
      for (let i = 0; i < 3; i++) {
        expect(logs[i]!.map(brief)).toEqual(expected);
        expect(logs[i]).toEqual(logs[0]);
        logs[i]!.forEach((c, j) => expect(c).toBe(logs[0]![j]));
        expectSameAsStates(map, replay(snapshots[i]!, logs[i]!));
      }
      expect(records.values.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual([
        'add a',
        'add b',
        'remove a',
      ]);
    });

    it('should keep listeners consistent when a Service subscriber changes its service', () => {
      const map = plainMap();
      map.create('a', 'w');
      const a = serviceOf(map, 'a');
      const [snap1, changes1$] = map.getAndListenState();
      const one = record(changes1$);
      // Configures the service as soon as it starts without config, from inside a notification.
      a.stateChanges().subscribe((s) => {
        if (s.active && s.config === undefined) a.configure('{}');
      });
      const published: State[] = [];
      a.stateChanges().subscribe((s) => published.push(s));
      const [snap2, changes2$] = map.getAndListenState();
      const two = record(changes2$);
      a.start();
      expect(published.map(statusOf)).toEqual(['running', 'starting', 'running']);
      for (const [snap, seen] of [
        [snap1, one],
        [snap2, two],
      ] as const) {
        expect(seen.values.map((c) => c.newValue!.state)).toEqual(published);
        seen.values.forEach((c, i) => expect(c.newValue!.state).toBe(published[i]));
        expectSameAsStates(map, replay(snap, seen.values));
      }
    });

    it('should miss and repeat nothing for getAndListenState called from inside a notification', () => {
      const map = plainMap();
      map.getAndListenState()[1].subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          serviceOf(map, 'a').start();
          map.create('b', 'w');
        }
      });
      let late: { snapshot: StateRecord[]; changes: StateChange[] } | undefined;
      map.getAndListenState()[1].subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          const [snapshot, changes$] = map.getAndListenState();
          late = { snapshot, changes: [] };
          changes$.subscribe((change) => late!.changes.push(change));
        }
      });
      map.create('a', 'w');
      serviceOf(map, 'b').start();
      expectSameAsStates(map, replay(late!.snapshot, late!.changes));
    });

    it('should give states$ and summary$ subscribed from inside a notification the current map', () => {
      const map = plainMap();
      map.getAndListenState()[1].subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          serviceOf(map, 'a').start();
          map.create('b', 'w');
        }
      });
      let states: ReadonlyMap<string, StateRecord>[] = [];
      let summaries: ServiceMapSummary[] = [];
      map.getAndListenState()[1].subscribe((c) => {
        if (c.changeType === 'add' && c.newValue!.id === 'a') {
          states = record(map.states$).values;
          summaries = record(map.summary$).values;
        }
      });
      map.create('a', 'w');
      expectSameAsStates(map, states.at(-1)!);
      // Both changes of this turn were made before the subscription: the first emission has them.
      expect(states).toHaveLength(1);
      expect(summaries.at(-1)).toEqual(recount(map.states()));
      expect(summaries.at(-1)).toMatchObject({ total: 2, active: 1 });
      serviceOf(map, 'b').start();
      expectSameAsStates(map, states.at(-1)!);
      expect(summaries.at(-1)).toEqual(recount(map.states()));
    });

    it('should miss and repeat nothing for getAndListenState called from inside a Service notification', () => {
      const map = plainMap();
      map.create('a', 'w', { active: true });
      const a = serviceOf(map, 'a');
      // While a "running" State is delivered, one subscriber begins a load (two more States)
      // and the next one starts listening to the map.
      a.stateChanges().subscribe((s) => {
        if (s.active && s.config === undefined) a.configure('{}');
      });
      let late: { snapshot: StateRecord[]; changes: StateChange[] } | undefined;
      a.stateChanges().subscribe((s) => {
        if (late !== undefined || !s.active) return;
        const [snapshot, changes$] = map.getAndListenState();
        late = { snapshot, changes: [] };
        changes$.subscribe((change) => late!.changes.push(change));
      });
      a.stop();
      a.start();
      expectSameAsStates(map, replay(late!.snapshot, late!.changes));
    });
  });
});
