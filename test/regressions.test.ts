/**
 * Regression tests for bugs found by the property tests in test/properties/. Each names the
 * minimal counterexample (and, where the property finds it first, the seed and path that
 * replay it: `FC_SEED=... FC_PATH=... FC_REPLAY_PATH=... npx jest <file>`) and the rule of
 * SPEC.md it checks.
 */
import { Observable, VirtualTimeScheduler } from 'rxjs';
import {
  AlreadyExistsError,
  Service,
  ServiceMap,
  retryBackoff,
  type Lifecycle,
  type RawConfig,
  type State,
  type StateChange,
} from 'rx-lifecycle';

describe('regressions', () => {
  describe('a subscriber that calls the service from inside the notification of a retry that succeeded', () => {
    // Found by service.property.test.ts: FC_SEED=-1671878073 FC_PATH=368:0:0:0:0:0:0:9:10:12:12
    // FC_REPLAY_PATH='ACAd:K': retry on, apply an Observable that is up at once, its first
    // attempt fails; a subscriber will stop() (or configure()); advance to the retry.
    // SPEC 2.1 stop(): "Every signal that was passed to apply during the run aborts."
    // SPEC 2.2: an Observable apply "stays open, as the background task, until the run ends or
    // the next load of this service begins (switch semantics: the old subscription is closed
    // and its signal aborts)".
    function setup() {
      const scheduler = new VirtualTimeScheduler();
      const signals: AbortSignal[] = [];
      const running = new Set<number>();
      const service = new Service(
        (_config: unknown, signal) => {
          const n = signals.push(signal) - 1;
          if (n === 0) throw new Error('first attempt fails');
          // The background task: up at once, then runs until unsubscribed.
          return new Observable<string>((subscriber) => {
            running.add(n);
            subscriber.next('up');
            return () => running.delete(n);
          });
        },
        { retry: true, scheduler },
      );
      service.configure('{"a":1}');
      service.start(); // attempt 0 fails; a retry is pending
      return { scheduler, signals, running, service };
    }

    function onceRunning(service: Service<unknown>, react: () => void): void {
      let reacted = false;
      service.stateChanges().subscribe((s) => {
        if (!reacted && s.active && !s.loading) {
          reacted = true;
          react();
        }
      });
    }

    it('should close the task and abort its signal when the subscriber stops the service', () => {
      const { scheduler, signals, running, service } = setup();
      onceRunning(service, () => service.stop());
      scheduler.flush(); // the retry's task comes up; the subscriber stops the service
      expect(service.state.active).toBe(false);
      expect(signals).toHaveLength(2);
      expect(running.size).toBe(0); // before the fix: task 1 is still subscribed after stop()
      expect(signals[1]!.aborted).toBe(true); // before the fix: its signal never aborts
    });

    it('should close the old task when the subscriber begins the next load', () => {
      const { scheduler, signals, running, service } = setup();
      onceRunning(service, () => service.configure('{"a":2}'));
      scheduler.flush();
      expect(signals).toHaveLength(3);
      expect([...running]).toEqual([2]); // before the fix: tasks 1 and 2 both run
      expect(signals[1]!.aborted).toBe(true);
    });
  });

  describe('the signal of a successful load', () => {
    // Found by service.property.test.ts: FC_SEED=145886429 FC_PATH=251:1:1:1:1:1:1:5:4:8:13:6:6:6:6
    // FC_REPLAY_PATH='ANc3:K': a hanging promise apply; start, configure; a subscriber will
    // configure() again; the promise resolves.
    // SPEC 2.2: the signal "aborts when the attempt fails or the run ends"; docs/decisions.md:
    // "The signal of a successful promise or void load stays live until the run ends, even
    // while later loads of the same run take place."
    it('should stay live when a subscriber begins the next load from inside the success notification', async () => {
      const signals: AbortSignal[] = [];
      let resolveFirst!: () => void;
      const service = new Service((_config: unknown, signal) => {
        signals.push(signal);
        if (signals.length === 1) return new Promise<void>((resolve) => (resolveFirst = resolve));
        return undefined;
      });
      service.configure('{"a":1}');
      service.start();
      let reacted = false;
      service.stateChanges().subscribe((s) => {
        if (!reacted && s.active && !s.loading) {
          reacted = true;
          service.configure('{"a":2}');
        }
      });
      resolveFirst();
      await new Promise((resolve) => setImmediate(resolve));
      expect(signals).toHaveLength(2);
      expect(service.state.active).toBe(true);
      expect(signals[0]!.aborted).toBe(false); // before the fix: aborted although the run goes on
    });

    it('should stay live when the next load begins after the notification (control)', async () => {
      const signals: AbortSignal[] = [];
      let resolveFirst!: () => void;
      const service = new Service((_config: unknown, signal) => {
        signals.push(signal);
        if (signals.length === 1) return new Promise<void>((resolve) => (resolveFirst = resolve));
        return undefined;
      });
      service.configure('{"a":1}');
      service.start();
      resolveFirst();
      await new Promise((resolve) => setImmediate(resolve));
      service.configure('{"a":2}');
      expect(signals).toHaveLength(2);
      expect(signals[0]!.aborted).toBe(false);
    });
  });

  describe('retry delays after many failures with initialDelay 0', () => {
    // Found by service.property.test.ts (a long run, with the two bugs above masked): retry
    // {initialDelay: 0, minDelay: 0}, an apply that always throws, start, configure, advance.
    // SPEC 2.2 step 4: delay = initialDelay * factor^(failures-1), capped at maxDelay, raised to
    // minDelay: 0 * 1.5^1751 is 0, but computed as 0 * Infinity it is NaN, and NaN survives
    // Math.min/Math.max. nextAttemptTime becomes NaN and the retry is scheduled with a NaN delay
    // (never, on a VirtualTimeScheduler; after 1 ms, in a tight loop, with setTimeout).
    it('should keep a finite delay (minDelay) for ever', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(
        () => {
          throw new Error('down');
        },
        { retry: { initialDelay: 0 }, scheduler }, // minDelay 500: a retry every 500 ms
      );
      service.configure('{}');
      service.start();
      scheduler.maxFrames = 1000 * 500; // 1000 retries
      scheduler.flush();
      expect(service.state.failedAttempts).toBe(1001);
      scheduler.maxFrames = 2000 * 500;
      scheduler.flush();
      expect(service.state.failedAttempts).toBe(2001); // before the fix: stuck at 1752
      expect(Number.isFinite(service.state.nextAttemptTime)).toBe(true); // before the fix: NaN
    });

    it('should keep retrying in retryBackoff too', () => {
      const scheduler = new VirtualTimeScheduler();
      let subscriptions = 0;
      const source = new Observable<never>((subscriber) => {
        subscriptions++;
        subscriber.error(new Error('down'));
      });
      source.pipe(retryBackoff({ initialDelay: 0, minDelay: 1, scheduler })).subscribe({ error: () => {} });
      scheduler.maxFrames = 3000; // a retry every 1 ms for 3 s
      scheduler.flush();
      expect(subscriptions).toBe(3001); // before the fix: 1752, then nothing is scheduled any more
      expect(scheduler.actions).toHaveLength(1);
    });
  });

  describe('ServiceMap.create that throws after a re-entrant create succeeded', () => {
    // Found by serviceMap.property.test.ts: FC_SEED=-709561385 FC_PATH=0:3:2:2:3:1:1
    // FC_REPLAY_PATH='ZbGMQ:V': listen(state), then create a with a factory that creates a.
    // SPEC 4 create: "On success an add Change is published". The outer create throws (here
    // AlreadyExistsError, as docs/decisions.md says) and skips its flush, so the add of the
    // nested create, which succeeded and is in the map, stays queued until some later change.
    function setup() {
      const map: ServiceMap = new ServiceMap((id, kind) => {
        if (kind === 'outer') map.create(id, 'inner'); // e.g. a factory that registers a helper
        return new Service(() => {});
      });
      const records: string[] = [];
      map.listen().subscribe((c) => records.push(`${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`));
      const [, changes] = map.getAndListenState();
      const states: string[] = [];
      changes.subscribe((c: StateChange) => states.push(`${c.changeType} ${(c.newValue ?? c.oldValue)!.id}`));
      return { map, records, states };
    }

    it('should publish the add of the record that the nested create added', () => {
      const { map, records, states } = setup();
      expect(() => map.create('a', 'outer')).toThrow(AlreadyExistsError);
      expect(map.get('a')).toBeDefined();
      expect(states).toEqual(['add a']); // before the fix: []
      expect(records).toEqual(['add a']); // before the fix: []
    });

    it('should not deliver that add late, with the next unrelated change', () => {
      const { map, records } = setup();
      expect(() => map.create('a', 'outer')).toThrow(AlreadyExistsError);
      const before = records.length;
      map.create('b', 'inner');
      expect(records.slice(before)).toEqual(['add b']); // before the fix: ['add a', 'add b']
    });
  });

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
      expect(seen).toEqual([
        'update active loading',
        'update active', // fails: missing, the loaded State is skipped
        'update inactive',
        'remove inactive',
      ]);
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
