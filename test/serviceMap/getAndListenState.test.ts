/** ServiceMap: getAndListenState(), a snapshot and the State Changes of every record after it. */
import { VirtualTimeScheduler, map, type Observable } from 'rxjs';
import { Service, ServiceMap, idIsRequired, statusOf, type State } from 'rx-lifecycle';
import {
  FakeLifecycle,
  advanceTo,
  brief,
  expectSameAsStates,
  failing,
  plainMap,
  plainService,
  record,
  replay,
  serviceOf,
} from '../helpers/serviceMap';

/** Lets promise callbacks run. */
function flushPromises(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

describe('ServiceMap', () => {
  describe('getAndListenState', () => {
    it('should return a StateRecord per record with its current State', () => {
      const map = plainMap();
      map.create('a', 'x', { active: true, config: '{}' });
      map.create('b', 'y');
      const [snapshot] = map.getAndListenState();
      expect(snapshot).toEqual(map.states());
      const a = serviceOf(map, 'a');
      expect(snapshot[0]).toEqual({ id: 'a', kind: 'x', service: a, state: a.state });
      expect(snapshot[0]?.state).toBe(a.state);
    });

    it('should publish an add with the State at that moment, not the steps of the create', () => {
      const map = plainMap();
      const [, changes$] = map.getAndListenState();
      const seen = record(changes$);
      const { state } = map.create('a', 'w', { active: true, config: '{}' });
      expect(seen.values.map(brief)).toEqual(['add a running']);
      expect(seen.values[0]?.newValue?.state).toBe(state);
    });

    it('should publish an update with old and new StateRecords for each State change', () => {
      let clock = 0;
      const map = plainMap({ now: () => clock });
      map.create('a', 'w');
      map.create('b', 'v');
      const a = serviceOf(map, 'a');
      const b = serviceOf(map, 'b');
      const [snapshot, changes$] = map.getAndListenState();
      const seen = record(changes$);
      const published: State[] = [];
      a.stateChanges().subscribe((s) => published.push(s));
      clock = 5;
      a.start();
      clock = 6;
      a.configure('{}'); // a load: loading, then loaded
      clock = 7;
      b.configure('{}');
      a.stop();
      expect(published).toHaveLength(4);
      expect(seen.values.map(brief)).toEqual([
        'update a running',
        'update a starting',
        'update a running',
        'update b stopped',
        'update a stopped',
      ]);
      expect(seen.values.filter((c) => c.newValue!.id === 'a').map((c) => c.newValue!.state)).toEqual(published);
      seen.values
        .filter((c) => c.newValue!.id === 'a')
        .forEach((c, i) => {
          expect(c.newValue!.state).toBe(published[i]);
          expect(c.oldValue!.state).toBe(i === 0 ? snapshot[0]!.state : published[i - 1]);
          expect(c.newValue).toMatchObject({ id: 'a', kind: 'w', service: a });
          expect(c.oldValue).toMatchObject({ id: 'a', kind: 'w', service: a });
        });
      expect(seen.values.map((c) => c.changeTime)).toEqual([5, 6, 6, 7, 7]);
      expectSameAsStates(map, replay(snapshot, seen.values));
    });

    it('should publish the async State changes of retries on a virtual-time scheduler', () => {
      const scheduler = new VirtualTimeScheduler();
      const map = new ServiceMap(() => new Service(failing(2), { scheduler, retry: true }), idIsRequired, {
        now: () => scheduler.now(),
      });
      const [snapshot, changes$] = map.getAndListenState();
      const seen = record(changes$);
      map.create('a', 'w', { active: true, config: '{}' });
      const a = serviceOf(map, 'a');
      const published: State[] = [];
      a.stateChanges().subscribe((s) => published.push(s));
      expect(seen.values.map(brief)).toEqual(['add a retrying']);
      expect(a.state.nextAttemptTime).toBe(500);
      advanceTo(scheduler, 499);
      expect(seen.values).toHaveLength(1);
      advanceTo(scheduler, 500); // the 2nd attempt fails: wait 750
      expect(seen.values.map(brief)).toEqual(['add a retrying', 'update a retrying']);
      expect(seen.values[1]?.newValue?.state).toMatchObject({ failedAttempts: 2, nextAttemptTime: 1250 });
      expect(seen.values[1]?.changeTime).toBe(500);
      advanceTo(scheduler, 1250); // the 3rd attempt succeeds
      expect(seen.values.map(brief)).toEqual(['add a retrying', 'update a retrying', 'update a running']);
      expect(seen.values[2]?.changeTime).toBe(1250);
      expect(seen.values.slice(1).map((c) => c.newValue!.state)).toEqual(published);
      expect(seen.values[2]?.newValue?.state).toBe(a.state);
      expectSameAsStates(map, replay(snapshot, seen.values));
    });

    it('should publish the State change of a promise that settles later', async () => {
      let resolve!: () => void;
      const map = new ServiceMap(() => new Service(() => new Promise<void>((r) => (resolve = r))));
      map.create('a', 'w', { active: true, config: '{}' });
      const [snapshot, changes$] = map.getAndListenState();
      const seen = record(changes$);
      expect(statusOf(snapshot[0]!.state)).toBe('starting');
      resolve();
      await flushPromises();
      expect(seen.values.map(brief)).toEqual(['update a running']);
      expect(seen.values[0]?.oldValue?.state).toBe(snapshot[0]?.state);
      expect(seen.values[0]?.newValue?.state).toBe(serviceOf(map, 'a').state);
    });

    it('should publish a remove with the last State', () => {
      const map = plainMap();
      map.create('a', 'w', { active: true });
      const [snapshot, changes$] = map.getAndListenState();
      const seen = record(changes$);
      const state = map.delete('a');
      expect(seen.values.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      expect(seen.values[1]?.oldValue?.state).toBe(state);
      expect(seen.values[1]?.oldValue).toEqual(seen.values[0]?.newValue);
      expect(replay(snapshot, seen.values).size).toBe(0);
    });

    it('should publish nothing after unsubscribing', () => {
      const map = plainMap();
      map.create('a', 'w');
      const [, changes$] = map.getAndListenState();
      const seen = record(changes$);
      serviceOf(map, 'a').start();
      expect(seen.values).toHaveLength(1);
      seen.subscription.unsubscribe();
      serviceOf(map, 'a').stop();
      map.create('b', 'w', { active: true });
      serviceOf(map, 'b').stop();
      map.delete('a');
      expect(seen.values).toHaveLength(1);
    });

    it('should release every subscription to foreign Lifecycles when the last listener unsubscribes', () => {
      const fakes: FakeLifecycle[] = [];
      const map = new ServiceMap(() => {
        const fake = new FakeLifecycle();
        fakes.push(fake);
        return fake;
      }, idIsRequired);
      map.create('a', 'w');
      map.create('b', 'w', { active: true });
      const total = () => fakes.reduce((n, f) => n + f.subscriptions, 0);
      expect(total()).toBe(0);

      const [snapshot, changes$] = map.getAndListenState();
      expect(total()).toBe(0); // the stream is lazy
      const one = record(changes$);
      expect(fakes.map((f) => f.subscriptions)).toEqual([1, 1]);
      map.create('c', 'w');
      expect(fakes[2]!.subscriptions).toBe(1);
      const two = record(map.getAndListenState()[1]);
      const states = record(map.states$);
      const summaries = record(map.summary$);
      for (const f of fakes) expect(f.subscriptions).toBeGreaterThan(0);

      fakes[0]!.start();
      expect(one.values.map(brief)).toEqual(['add c stopped', 'update a running']);
      expect(two.values.map(brief)).toEqual(['update a running']);

      one.subscription.unsubscribe();
      two.subscription.unsubscribe();
      states.subscription.unsubscribe();
      expect(total()).toBeGreaterThan(0); // summary$ still listens
      summaries.subscription.unsubscribe();
      expect(fakes.map((f) => f.subscriptions)).toEqual([0, 0, 0]);

      fakes[1]!.stop();
      map.create('d', 'w');
      expect(total()).toBe(0);
      expect(one.values).toHaveLength(2);

      // Listening again tracks them again, and each change arrives once.
      const again = record(map.getAndListenState()[1]);
      expect(fakes.map((f) => f.subscriptions)).toEqual([1, 1, 1, 1]);
      fakes[3]!.start();
      expect(again.values.map(brief)).toEqual(['update d running']);
      again.subscription.unsubscribe();
      expect(total()).toBe(0);
      expect(replay(snapshot, one.values).size).toBe(3);
    });

    it('should not repeat events after unsubscribing and subscribing again', () => {
      const map = plainMap();
      map.create('a', 'w');
      map.create('b', 'w');
      for (let round = 0; round < 3; round++) {
        const [snapshot, changes$] = map.getAndListenState();
        const seen = record(changes$);
        serviceOf(map, 'a').start();
        serviceOf(map, 'b').configure(`{"round":${round}}`);
        serviceOf(map, 'a').stop();
        expect(seen.values.map(brief)).toEqual(['update a running', 'update b stopped', 'update a stopped']);
        expectSameAsStates(map, replay(snapshot, seen.values));
        seen.subscription.unsubscribe();
      }
    });

    it('should deliver each event exactly once to each of two concurrent listeners', () => {
      const map = plainMap();
      map.create('a', 'w');
      const [snap1, changes1$] = map.getAndListenState();
      const one = record(changes1$);
      map.create('b', 'w');
      const [snap2, changes2$] = map.getAndListenState();
      const two = record(changes2$);
      serviceOf(map, 'a').start();
      serviceOf(map, 'b').start();
      map.delete('a');
      expect(one.values.map(brief)).toEqual([
        'add b stopped',
        'update a running',
        'update b running',
        'update a stopped',
        'remove a stopped',
      ]);
      expect(two.values.map(brief)).toEqual(['update a running', 'update b running', 'update a stopped', 'remove a stopped']);
      for (let i = 0; i < two.values.length; i++) expect(two.values[i]).toEqual(one.values[i + 1]);
      expectSameAsStates(map, replay(snap1, one.values));
      expectSameAsStates(map, replay(snap2, two.values));
      one.subscription.unsubscribe();
      serviceOf(map, 'b').stop();
      expect(one.values).toHaveLength(5);
      expect(two.values.map(brief).slice(4)).toEqual(['update b stopped']);
    });

    it('should track one Service from two maps, each event once per map', () => {
      const shared = plainService();
      const first = new ServiceMap(() => shared);
      const second = new ServiceMap(() => shared);
      first.create('s', 'w');
      second.create('t', 'w');
      const one = record(first.getAndListenState()[1]);
      const two = record(second.getAndListenState()[1]);
      shared.start();
      expect(one.values.map(brief)).toEqual(['update s running']);
      expect(two.values.map(brief)).toEqual(['update t running']);
      one.subscription.unsubscribe();
      shared.stop();
      expect(one.values).toHaveLength(1);
      expect(two.values.map(brief)).toEqual(['update t running', 'update t stopped']);
      const again = record(first.getAndListenState()[1]);
      shared.start();
      expect(again.values.map(brief)).toEqual(['update s running']);
      expect(two.values.map(brief)).toEqual(['update t running', 'update t stopped', 'update t running']);
      two.subscription.unsubscribe();
      shared.stop();
      expect(again.values.map(brief)).toEqual(['update s running', 'update s stopped']);
      expect(two.values).toHaveLength(3);
    });

    it.each([
      ['its record is deleted', true, ['update a running', 'update a stopped', 'remove a stopped']],
      ['its listener leaves', false, ['update a running']],
    ])('should leave a Service it followed first working for its own subscribers once %s, and for the next map', (_label, deleted, heard) => {
      // The map follows the service before anyone else does: the service takes its record as
      // its outbox, and keeps it, for its own subscriber, after the map let go.
      const shared = plainService();
      const first = new ServiceMap(() => shared);
      first.create('a', 'w');
      const listener = record(first.getAndListenState()[1]);
      const own = record(shared.state$);
      shared.start();
      if (deleted) first.delete('a');
      else {
        listener.subscription.unsubscribe();
        shared.stop();
      }
      shared.start();
      const second = new ServiceMap(() => shared);
      second.create('b', 'w');
      const next = record(second.getAndListenState()[1]);
      shared.stop();
      expect(listener.values.map(brief)).toEqual(heard);
      expect(own.values.map((s) => s.active)).toEqual([false, true, false, true, false]);
      expect(next.values.map(brief)).toEqual(['update b stopped']);
    });

    it('should not take what a Lifecycle replays as it is subscribed for a change', () => {
      // A Lifecycle (not a Service) that hands out a copy on every read, and whose changes
      // stream begins with a copy of its current State.
      class Copying extends FakeLifecycle {
        override get state(): State {
          return { ...super.state };
        }
        override stateAndChanges(): [State, Observable<State>] {
          return [this.state, super.state$.pipe(map((s) => ({ ...s })))];
        }
      }
      const copies = new ServiceMap(() => new Copying(), idIsRequired);
      copies.create('x', 'w');
      const [snapshot, changes$] = copies.getAndListenState();
      const seen = record(changes$);
      copies.create('y', 'w');
      serviceOf(copies, 'x').start();
      expect(seen.values.map(brief)).toEqual(['add y stopped', 'update x running']);
      expectSameAsStates(copies, replay(snapshot, seen.values));
    });

    it('should track one Service held under two ids of one map', () => {
      const shared = plainService();
      const map = new ServiceMap(() => shared);
      map.create('a', 'w');
      map.create('b', 'w');
      const seen = record(map.getAndListenState()[1]);
      shared.start();
      expect(seen.values.map(brief).sort()).toEqual(['update a running', 'update b running']);
    });
  });
});
