/** ServiceMap: delete() (the stop, the remove Change, errors of stop) and its re-entrant cases. */
import { Observable, map as rxMap } from 'rxjs';
import {
  AlreadyStoppedError,
  NotFoundError,
  Service,
  ServiceMap,
  idIsRequired,
  type Change,
  type Lifecycle,
  type RawConfig,
  type ServiceRecord,
  type State,
  type StateChange,
  type StateRecord,
} from 'rx-lifecycle';
import {
  FakeLifecycle,
  brief,
  expectSameAsStates,
  listenToAll,
  plainMap,
  plainService,
  recount,
  record,
  replay,
  replayRecords,
  serviceOf,
} from '../helpers/serviceMap';

/**
 * A Lifecycle that hands out copies of its Service's States: equal content, a new object at
 * every read, from the getter and from every stream.
 */
class CopyingLifecycle implements Lifecycle {
  readonly inner: Service;
  constructor(inner: Service = plainService()) {
    this.inner = inner;
  }
  static copy(state: State): State {
    return Object.freeze({ ...state });
  }
  start(): State {
    return CopyingLifecycle.copy(this.inner.start());
  }
  configure(data: RawConfig): State {
    return CopyingLifecycle.copy(this.inner.configure(data));
  }
  stop(): State {
    return CopyingLifecycle.copy(this.inner.stop());
  }
  get state(): State {
    return CopyingLifecycle.copy(this.inner.state);
  }
  get state$(): Observable<State> {
    return this.inner.state$.pipe(rxMap(CopyingLifecycle.copy));
  }
  stateChanges(): Observable<State> {
    return this.inner.stateChanges().pipe(rxMap(CopyingLifecycle.copy));
  }
  stateAndChanges(): [State, Observable<State>] {
    const [state, changes] = this.inner.stateAndChanges();
    return [CopyingLifecycle.copy(state), changes.pipe(rxMap(CopyingLifecycle.copy))];
  }
}

/** Every mirror of `map` agrees with `values()` and `states()`, each id at most once. */
function expectMirrorsAgree(
  map: ServiceMap,
  seen: ReturnType<typeof listenToAll>,
  recordsSnapshot: readonly ServiceRecord[],
  stateOf: ReadonlyMap<string, readonly (State | undefined)[]>,
): void {
  const ids = map.values().map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...replayRecords(recordsSnapshot, seen.records).keys()].sort()).toEqual([...ids].sort());
  expectSameAsStates(map, replay(seen.snapshot, seen.stateChanges));
  expectSameAsStates(map, seen.states[seen.states.length - 1]!);
  expect([...seen.states[seen.states.length - 1]!.keys()]).toEqual(map.states().map((r) => r.id));
  expect(seen.summaries[seen.summaries.length - 1]).toEqual(recount(map.states()));
  for (const [id, values] of stateOf) {
    expect(values[values.length - 1]).toBe(map.states().find((r) => r.id === id)?.state);
  }
}

describe('ServiceMap', () => {
  describe('delete', () => {
    it('should throw NotFoundError for an unknown id', () => {
      const map = plainMap();
      map.create('a', 'w');
      const seen = listenToAll(map);
      expect(() => map.delete('nope')).toThrow(NotFoundError);
      expect(map.values()).toHaveLength(1);
      expect(seen.records).toEqual([]);
      expect(seen.stateChanges).toEqual([]);
    });

    it('should stop an active service, remove its record and return its State', () => {
      let clock = 10;
      const map = plainMap({ now: () => clock });
      map.create('a', 'w', { active: true, config: '{}' });
      map.create('b', 'w');
      const service = serviceOf(map, 'a');
      const stop = jest.spyOn(service, 'stop');
      const seen = listenToAll(map);
      const activeRecord = seen.snapshot.find((r) => r.id === 'a')!;
      clock = 20;
      const state = map.delete('a');
      expect(stop).toHaveBeenCalledTimes(1);
      expect(state).toBe(service.state);
      expect(state.active).toBe(false);
      expect(map.get('a')).toBeUndefined();
      expect(map.values().map((r) => r.id)).toEqual(['b']);
      expect(seen.records).toEqual([
        { changeTime: 20, changeType: 'remove', oldValue: { id: 'a', kind: 'w', service }, newValue: undefined },
      ]);
      // The stop's update comes before the remove, whose oldValue is the last (inactive) record.
      expect(seen.stateChanges.map((c) => c.changeType)).toEqual(['update', 'remove']);
      const [update, remove] = seen.stateChanges as [StateChange, StateChange];
      expect(update.oldValue).toEqual(activeRecord);
      expect(update.oldValue?.state).toBe(activeRecord.state);
      expect(update.newValue?.state).toBe(state);
      expect(remove.oldValue).toEqual({ id: 'a', kind: 'w', service, state });
      expect(remove.oldValue?.state).toBe(state);
      expect(remove.oldValue?.state.active).toBe(false);
      expect(remove.newValue).toBeUndefined();
      expect(remove.changeTime).toBe(20);
      expectSameAsStates(map, replay(seen.snapshot, seen.stateChanges));
    });

    it('should remove a stopped service, ignoring its AlreadyStoppedError', () => {
      const map = plainMap();
      map.create('a', 'w');
      const service = serviceOf(map, 'a');
      const stop = jest.spyOn(service, 'stop');
      const seen = listenToAll(map);
      const state = map.delete('a');
      expect(stop).toHaveBeenCalledTimes(1);
      expect(stop.mock.results[0]?.type).toBe('throw');
      expect(stop.mock.results[0]?.value).toBeInstanceOf(AlreadyStoppedError);
      expect(state).toBe(service.state);
      expect(map.values()).toEqual([]);
      expect(seen.records.map((c) => c.changeType)).toEqual(['remove']);
      expect(seen.stateChanges.map(brief)).toEqual(['remove a stopped']);
      expect(seen.stateChanges[0]?.oldValue?.state).toBe(state);
    });

    it('should propagate another error of stop and keep the record', () => {
      const fake = new FakeLifecycle();
      const error = new Error('cannot stop');
      fake.stop = () => {
        throw error;
      };
      const map = new ServiceMap(() => fake);
      map.create('a', 'w');
      const seen = listenToAll(map);
      expect(() => map.delete('a')).toThrow(error);
      expect(map.get('a')?.service).toBe(fake);
      expect(seen.records).toEqual([]);
      expect(seen.stateChanges).toEqual([]);
    });

    it('should publish once when onStop deletes the same record', () => {
      let map: ServiceMap | undefined;
      const inner: unknown[] = [];
      map = new ServiceMap(
        (id) =>
          new Service(() => {}, {
            onStop: () => {
              try {
                map!.delete(id);
              } catch (err) {
                inner.push(err); // SPEC 4: delete removes the record, then stops the service
              }
            },
          }),
      );
      map.create('a', 'w', { active: true });
      map.create('b', 'w', { active: true });
      const seen = listenToAll(map);
      const state = map.delete('a');
      expect(inner).toHaveLength(1);
      expect(inner[0]).toBeInstanceOf(NotFoundError);
      expect(state.active).toBe(false);
      expect(map.values().map((r) => r.id)).toEqual(['b']);
      expect(seen.records.map((c) => `${c.changeType} ${c.oldValue?.id}`)).toEqual(['remove a']);
      expect(seen.stateChanges.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      expectSameAsStates(map, replay(seen.snapshot, seen.stateChanges));
      expect(seen.states).toHaveLength(3);
      expectSameAsStates(map, seen.states.at(-1)!);
    });

    it('should publish once when a Service subscriber tries to delete the record during the stop', () => {
      const map = plainMap();
      map.create('a', 'w', { active: true });
      const service = serviceOf(map, 'a');
      const seen = listenToAll(map);
      const found: (ServiceRecord | undefined)[] = [];
      service.stateChanges().subscribe((s) => {
        if (!s.active) found.push(map.get('a'));
      });
      map.delete('a');
      // SPEC 4: delete removes the record before it calls stop(), so the service's own
      // subscribers find it gone and have nothing left to delete.
      expect(found).toEqual([undefined]);
      expect(seen.records.map((c) => c.changeType)).toEqual(['remove']);
      expect(seen.stateChanges.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      expect(map.values()).toEqual([]);
    });

    it('should publish once when a state listener deletes the record it sees stopping', () => {
      const map = plainMap();
      map.create('a', 'w', { active: true });
      const seen = listenToAll(map);
      const [, changes$] = map.getAndListenState();
      changes$.subscribe((c) => {
        if (c.changeType === 'update' && !c.newValue!.state.active && map.get(c.newValue!.id)) map.delete(c.newValue!.id);
      });
      const service = serviceOf(map, 'a');
      service.stop(); // stopped directly, then deleted by the listener
      expect(map.values()).toEqual([]);
      expect(seen.records.map((c) => c.changeType)).toEqual(['remove']);
      expect(seen.stateChanges.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      expect(seen.stateChanges[1]?.oldValue?.state).toBe(service.state);
    });

    it('should release the change stream of a deleted foreign Lifecycle', () => {
      const fakes = new Map<string, FakeLifecycle>();
      const map = new ServiceMap((id) => {
        const fake = new FakeLifecycle();
        fakes.set(id, fake);
        return fake;
      });
      map.create('a', 'w', { active: true });
      map.create('b', 'w', { active: true });
      const seen = listenToAll(map);
      expect(fakes.get('a')!.subscriptions).toBeGreaterThan(0);
      map.delete('a');
      expect(fakes.get('a')!.subscriptions).toBe(0);
      expect(fakes.get('b')!.subscriptions).toBeGreaterThan(0);
      expect(seen.stateChanges.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      seen.unsubscribe();
    });
  });

  // Issue 15: lifetime and re-entrancy defects of delete(). Each test names the defect it covers.
  type Route = 'onStop' | 'an abort listener' | 'a state$ subscriber';

  /**
   * A map whose service of kind `first` re-creates its own id, once, from `route` during its
   * stop; with `thenDelete`, it deletes the new record again at once, and hands its service to it.
   */
  function recreatingMap(route: Route, thenDelete?: (reborn: Lifecycle) => void): ServiceMap {
    let recreated = false;
    const again = (): void => {
      if (recreated) return;
      recreated = true;
      map.create('a', 'reborn', { active: true, config: '{}' });
      if (thenDelete) {
        thenDelete(map.get('a')!.service);
        map.delete('a');
      }
    };
    const map: ServiceMap = new ServiceMap((_id, kind) => {
      if (kind === 'reborn') return plainService();
      const service = new Service(
        (_config: unknown, signal) => {
          if (route === 'an abort listener') signal.addEventListener('abort', again);
        },
        route === 'onStop' ? { onStop: again } : {},
      );
      if (route === 'a state$ subscriber') {
        service.stateChanges().subscribe((s) => {
          if (!s.active) again();
        });
      }
      return service;
    }, idIsRequired);
    return map;
  }

  it.each<Route>(['onStop', 'an abort listener', 'a state$ subscriber'])(
    'should publish the remove before the add when delete(id) re-creates id from %s (issue 15 #2)',
    (route) => {
      const map = recreatingMap(route);
      map.create('a', 'first', { active: true, config: '{}' });
      map.create('b', 'reborn');
      const [recordsSnapshot] = map.getAndListen();
      const seen = listenToAll(map);
      const stateOfA = record(map.stateOf$('a'));
      map.delete('a');
      expect(map.get('a')?.kind).toBe('reborn');
      expect(seen.records.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual(['remove a', 'add a']);
      const removeAt = seen.stateChanges.findIndex((c) => c.changeType === 'remove');
      const addAt = seen.stateChanges.findIndex((c) => c.changeType === 'add');
      expect(removeAt).toBeGreaterThanOrEqual(0);
      expect(addAt).toBeGreaterThan(removeAt);
      expect(seen.stateChanges[removeAt]!.oldValue!.kind).toBe('first');
      expectMirrorsAgree(map, seen, recordsSnapshot, new Map([['a', stateOfA.values]]));
    },
  );

  it.each<Route>(['onStop', 'an abort listener', 'a state$ subscriber'])(
    'should publish nothing of a record that re-creates the id being deleted from %s and is deleted before its add',
    (route) => {
      let reborn: Lifecycle | undefined;
      const map = recreatingMap(route, (service) => (reborn = service));
      map.create('a', 'first', { active: true, config: '{}' });
      const [recordsSnapshot] = map.getAndListen();
      const seen = listenToAll(map);
      const stateOfA = record(map.stateOf$('a'));
      map.delete('a');
      expect(map.get('a')).toBeUndefined();
      expect(reborn?.state.active).toBe(false);
      expect(seen.records.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual(['remove a']);
      expect(seen.stateChanges.map(brief)).toEqual(['update a stopped', 'remove a stopped']);
      expect(seen.stateChanges[1]!.oldValue!.kind).toBe('first');
      expectMirrorsAgree(map, seen, recordsSnapshot, new Map([['a', stateOfA.values]]));
    },
  );

  it.each([
    ['an active', { active: true, config: '{}' }],
    ['a stopped', {}],
  ])('should publish the remove of %s Lifecycle that copies its States within delete() (issue 15 #3)', (_label, initial) => {
    const map = new ServiceMap(() => new CopyingLifecycle(), idIsRequired);
    map.create('a', 'copy', initial);
    map.create('b', 'copy');
    const [recordsSnapshot] = map.getAndListen();
    const seen = listenToAll(map);
    const stateOfA = record(map.stateOf$('a'));
    map.delete('a');
    expect(seen.records.map((c) => `${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`)).toEqual(['remove a']);
    expect(seen.stateChanges[seen.stateChanges.length - 1]?.changeType).toBe('remove');
    expect(map.states().map((r) => r.id)).toEqual(['b']);
    expect(seen.summaries[seen.summaries.length - 1]?.total).toBe(1);
    expect(stateOfA.values[stateOfA.values.length - 1]).toBeUndefined();
    expectMirrorsAgree(map, seen, recordsSnapshot, new Map([['a', stateOfA.values]]));
  });

  it.each(['getAndListenState', 'getAndListen'] as const)(
    "should give a %s() listener that subscribes from inside the deleted service's onStop a snapshot its stream continues (issue 15, found by the map property)",
    (method) => {
      let seen: { snapshot: readonly (StateRecord | ServiceRecord)[]; changes: (StateChange | Change)[] } | undefined;
      const map: ServiceMap = new ServiceMap(
        (id) =>
          new Service(() => {}, {
            onStop: () => {
              if (id !== 'a' || seen !== undefined) return;
              const [snapshot, changes$] = method === 'getAndListenState' ? map.getAndListenState() : map.getAndListen();
              const changes: (StateChange | Change)[] = [];
              (changes$ as Observable<StateChange | Change>).subscribe((c) => changes.push(c));
              seen = { snapshot, changes };
            },
          }),
        idIsRequired,
      );
      map.create('a', 'w', { active: true, config: '{}' });
      map.create('b', 'w');
      map.delete('a');
      expect(seen).toBeDefined();
      // Replayed, snapshot and stream give the map: no remove of a record the snapshot lacked.
      if (method === 'getAndListenState') {
        expectSameAsStates(map, replay(seen!.snapshot as StateRecord[], seen!.changes as StateChange[]));
      } else {
        expect([...replayRecords(seen!.snapshot, seen!.changes as Change[]).keys()]).toEqual(['b']);
      }
    },
  );

  it('should keep the order of the map when a delete fails (issue 15 #10)', () => {
    const error = new Error('cannot stop');
    const map = new ServiceMap((_id, kind) => {
      const fake = new FakeLifecycle();
      if (kind === 'stubborn') {
        fake.stop = () => {
          throw error;
        };
      }
      return fake;
    }, idIsRequired);
    map.create('a', 'stubborn');
    map.create('b', 'plain');
    map.create('c', 'plain');
    const seen = listenToAll(map);
    expect(() => map.delete('a')).toThrow(error);
    expect(map.values().map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(map.states().map((r) => r.id)).toEqual(['a', 'b', 'c']);
    // states$ iterates in the trie's order (docs/decisions.md), so its ids are compared as a set.
    expect([...seen.states[seen.states.length - 1]!.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  // Found by the property tests of test/properties/. Each case names its minimal counterexample
  // (and, where the property found it first, the seed and path that replayed it on the code of
  // that time: `FC_SEED=... FC_PATH=... FC_REPLAY_PATH=... npx jest <file>`) and the rule of
  // SPEC.md it checks.
  describe('ServiceMap.delete from inside a notification of the same service', () => {
    // Found by serviceMap.property.test.ts: FC_SEED=-2086549918 FC_PATH=10:3:4:10:11:11:15:2:4:6:5:5:5:5:5:5
    // FC_REPLAY_PATH='/JD////Hin:7L': create a (running), listen(state), the listener will
    // delete a, then a.configure().
    // SPEC 4 getAndListenState(): "update (old and new StateRecord) for each state change of any
    // tracked service". start() commits two States (loading, then loaded); a listener that
    // deletes the record on the first one makes the map jump from 'loading' to the stopped
    // State: the listener never sees 'loaded'.
    it('should publish every State of the service up to its removal', () => {
      const map = new ServiceMap(() => new Service(() => {}));
      map.create('a', 'worker', { config: '{}' });
      const service = map.get('a')!.service;
      const seen: string[] = [];
      let deleted = false;
      const [, changes] = map.getAndListenState();
      changes.subscribe((c) => {
        const s = (c.newValue ?? c.oldValue)!.state;
        seen.push(`${c.changeType} ${s.active ? 'active' : 'inactive'}${s.loading ? ' loading' : ''}`);
        if (!deleted) {
          deleted = true;
          map.delete('a');
        }
      });
      service.start();
      expect(seen).toEqual([
        'update active loading',
        'update active', // before the fix: missing, the loaded State is skipped
        'update inactive',
        'remove inactive',
      ]);
    });
  });

  describe('ServiceMap.delete from inside a notification of the same Lifecycle that is not a Service', () => {
    // Found by serviceMap.property.test.ts after the fix above, which covers Services only:
    // FC_SEED=190084849 FC_PATH=51:4:10:12:12:8:9:9:10:10:10:6:6 FC_REPLAY_PATH='Kg/F:N':
    // create a of a Lifecycle that wraps a Service (followed through stateAndChanges()),
    // listen(state), the listener will delete a, then a.configure(). Same rule: every State
    // change of a tracked service is an update, up to its removal.
    class Wrapper implements Lifecycle {
      constructor(readonly inner: Service<unknown>) {}
      start(): State {
        return this.inner.start();
      }
      configure(data: RawConfig): State {
        return this.inner.configure(data);
      }
      stop(): State {
        return this.inner.stop();
      }
      get state(): State {
        return this.inner.state;
      }
      get state$(): Observable<State> {
        return this.inner.state$;
      }
      stateChanges(): Observable<State> {
        return this.inner.stateChanges();
      }
      stateAndChanges(): [State, Observable<State>] {
        return this.inner.stateAndChanges();
      }
    }

    it('should publish every State of the service up to its removal', () => {
      const map = new ServiceMap(() => new Wrapper(new Service(() => {})));
      map.create('a', 'worker', { config: '{}' });
      const service = map.get('a')!.service;
      const seen: string[] = [];
      let deleted = false;
      const [, changes] = map.getAndListenState();
      changes.subscribe((c) => {
        const s = (c.newValue ?? c.oldValue)!.state;
        seen.push(`${c.changeType} ${s.active ? 'active' : 'inactive'}${s.loading ? ' loading' : ''}`);
        if (!deleted) {
          deleted = true;
          map.delete('a');
        }
      });
      service.start();
      // A Lifecycle that is not a Service cannot tell which of its States its stream has not
      // delivered yet, and delete() publishes its remove within the call (issue 15 #3: it never
      // waits for a State object to come through). So the loaded State, still queued in the
      // wrapped service when the listener deleted the record, is not published; the final
      // State and the remove are (docs/decisions.md, ServiceMap). A Service hands its queued
      // States over (the case above).
      expect(seen).toEqual(['update active loading', 'update inactive', 'remove inactive']);
    });
  });

  describe('ServiceMap.delete and a listener that reacts to the remove', () => {
    // Found by serviceMap.property.test.ts (with the two bugs above masked): create a,
    // listen(state), the listener will start a, delete(a).
    // SPEC 4 delete: "calls stop() ..., publishes a remove Change, returns the State". create()
    // and the Service methods return the State their own work produced (docs/decisions.md:
    // a reaction from inside a notification "is published after the method's States, and the
    // method's return value does not include it"); delete() returns service.state read after
    // its listeners ran, so a listener's start() shows up as an active State from delete().
    it('should return the State of the stop, not what a listener did afterwards', () => {
      const map = new ServiceMap(() => new Service(() => {}));
      map.create('a', 'worker', { active: true, config: '{}' });
      const service = map.get('a')!.service;
      const [, changes] = map.getAndListenState();
      let restarted = false;
      changes.subscribe(() => {
        if (!restarted) {
          restarted = true;
          service.start();
        }
      });
      const returned = map.delete('a');
      expect(service.state.active).toBe(true); // the listener restarted it
      expect(returned.active).toBe(false); // before the fix: delete returned the restarted State
    });
  });
});
