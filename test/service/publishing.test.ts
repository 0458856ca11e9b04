/** Service: publishing States (state$, stateChanges(), stateAndChanges()), unchanged States, re-entrancy, a throwing subscriber. */
import { VirtualTimeScheduler, config as rxConfig } from 'rxjs';
import { Service, type State } from 'rx-lifecycle';
import { advance, checkRecordedStates, observableApply, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('publishing', () => {
    it('should publish the loading State before the result known synchronously, for start() and configure()', () => {
      const { service, states } = setup(() => {});
      service.configure('{"a":1}');
      const started = service.start();
      const reconfigured = service.configure('{"a":2}');
      expect(states.map((s) => [s.active, s.loading, s.config])).toEqual([
        [false, false, undefined],
        [false, false, '{"a":1}'],
        [true, true, '{"a":1}'],
        [true, false, '{"a":1}'],
        [true, true, '{"a":2}'],
        [true, false, '{"a":2}'],
      ]);
      expect(states[3]).toBe(started);
      expect(states[5]).toBe(reconfigured);
    });

    it('should publish frozen States only', () => {
      const { scheduler, service, states } = setup(
        () => {
          throw new Error('x');
        },
        { retry: { maxAttempts: 2 } },
      );
      service.configure(new Uint8Array([123, 125]));
      service.start();
      advance(scheduler, 500);
      service.start();
      service.stop();
      expect(states.length).toBeGreaterThan(6);
      for (const s of states) {
        expect(Object.isFrozen(s)).toBe(true);
        expect(() => {
          (s as { active: boolean }).active = !s.active;
        }).toThrow(TypeError);
      }
    });

    it('should publish every State object exactly once and never mutate it', () => {
      const { scheduler, service, states } = setup(
        () => {
          throw new Error('x');
        },
        { retry: { maxAttempts: 3 } },
      );
      service.configure('{}');
      service.start();
      advance(scheduler, 500);
      advance(scheduler, 750);
      const copies = states.map((s) => ({ ...s }));
      service.start();
      service.stop();
      expect(new Set(states).size).toBe(states.length);
      states.slice(0, copies.length).forEach((s, i) => expect(s).toEqual(copies[i]));
    });

    describe('unchanged States', () => {
      it('should publish nothing and keep the State object for the same text at the same time', () => {
        const { service, states } = setup(() => {});
        const a = service.configure('{"a":1}');
        const b = service.configure('{"a":1}');
        expect(b).toBe(a);
        expect(service.state).toBe(a);
        expect(states).toHaveLength(2);
      });

      it('should compare byte configs by content', () => {
        const { service, states } = setup(() => {});
        const bytes = new Uint8Array([123, 125]);
        const a = service.configure(bytes);
        const b = service.configure(new Uint8Array([123, 125]));
        expect(b).toBe(a);
        expect(service.state.config).toBe(bytes);
        expect(states).toHaveLength(2);
        const c = service.configure(new Uint8Array([123, 32, 125]));
        expect(c).not.toBe(a);
        expect(states).toHaveLength(3);
      });

      it('should publish a change of time alone', () => {
        const { scheduler, service, states } = setup(() => {});
        service.configure('{}');
        advance(scheduler, 1);
        service.configure('{}');
        expect(states).toHaveLength(3);
        expect(states[2]!.lastConfigTime).toBe(1);
      });

      it('should tell errors apart by identity, not by message', () => {
        // With a clock that stands still, two crashes of a task differ only by the error object.
        const o = observableApply();
        const { service, states } = setup(o.apply, { now: () => 0, retry: true });
        service.configure('{}');
        service.start();
        o.subscribers[0]!.next(1);
        o.subscribers[0]!.error(new Error('same'));
        const first = service.state;
        expect(first).toMatchObject({ active: true, loading: true, failedAttempts: 1, nextAttemptTime: 500 });
        service.stop();
        service.start();
        o.subscribers[1]!.next(1);
        const count = states.length;
        o.subscribers[1]!.error(new Error('same'));
        const second = service.state;
        expect(states).toHaveLength(count + 1);
        expect(states[count]).toBe(second);
        expect(second).not.toBe(first);
        expect(second.error).not.toBe(first.error);
        expect(second.error?.message).toBe('same');
        expect({ ...second, error: undefined }).toEqual({ ...first, error: undefined });
      });

      it('should compare a Buffer and a Uint8Array by their bytes', () => {
        const { service, states } = setup(() => {});
        const a = service.configure(Buffer.from('{}'));
        expect(service.configure(new Uint8Array([123, 125]))).toBe(a);
        expect(states).toHaveLength(2);
      });
    });

    describe('state$', () => {
      it('should give a new subscriber the current State, then every change', () => {
        const { service } = setup(() => {});
        service.configure('{}');
        const seen: State[] = [];
        service.state$.subscribe((s) => seen.push(s));
        expect(seen).toEqual([service.state]);
        expect(seen[0]).toBe(service.state);
        service.start();
        expect(seen.map((x) => x.loading)).toEqual([false, true, false]);
        expect(seen[2]).toBe(service.state);
      });

      it('should not complete or error', () => {
        const { service } = setup(() => {
          throw new Error('x');
        });
        const events: string[] = [];
        service.state$.subscribe({ complete: () => events.push('complete'), error: () => events.push('error') });
        service.configure('{}');
        service.start();
        expect(events).toEqual([]);
      });

      it('should give every subscriber the same States', () => {
        const { service } = setup(() => {});
        const a: State[] = [];
        const b: State[] = [];
        service.state$.subscribe((s) => a.push(s));
        service.state$.subscribe((s) => b.push(s));
        service.configure('{}');
        service.start();
        expect(a).toHaveLength(4);
        a.forEach((s, i) => expect(b[i]).toBe(s));
      });
    });

    describe('stateChanges()', () => {
      it('should deliver future changes only', () => {
        const { service } = setup(() => {});
        service.configure('{}');
        const seen: State[] = [];
        service.stateChanges().subscribe((s) => seen.push(s));
        expect(seen).toEqual([]);
        const started = service.start();
        expect(seen.map((s) => s.loading)).toEqual([true, false]);
        expect(seen[1]).toBe(started);
      });

      it('should start at subscription, not at the call', () => {
        const { service } = setup(() => {});
        const changes = service.stateChanges();
        service.configure('{}');
        const seen: State[] = [];
        changes.subscribe((s) => seen.push(s));
        expect(seen).toEqual([]);
        service.start();
        expect(seen).toHaveLength(2);
      });

      it('should work on a service nobody subscribed to before', () => {
        const service = new Service(() => {});
        service.configure('{}');
        const seen: State[] = [];
        service.stateChanges().subscribe((s) => seen.push(s));
        service.start();
        expect(seen).toHaveLength(2);
        expect(seen[1]).toBe(service.state);
      });

      it('should stop delivering after unsubscribe', () => {
        const { service } = setup(() => {});
        const seen: State[] = [];
        const sub = service.stateChanges().subscribe((s) => seen.push(s));
        service.start();
        sub.unsubscribe();
        service.stop();
        expect(seen).toHaveLength(1);
      });
    });

    describe('stateAndChanges()', () => {
      it('should return the current State and a stream of the changes after it', () => {
        const { service } = setup(() => {});
        service.configure('{}');
        const [snapshot, changes] = service.stateAndChanges();
        expect(snapshot).toBe(service.state);
        const seen: State[] = [];
        changes.subscribe((s) => seen.push(s));
        expect(seen).toEqual([]);
        service.start();
        expect(seen).toHaveLength(2);
        expect(seen[1]).toBe(service.state);
      });

      it('should be lazy, and deliver the current State first when it changed before the subscription', () => {
        const { service } = setup(() => {});
        const [snapshot, changes] = service.stateAndChanges();
        const configured = service.configure('{}');
        expect(configured).not.toBe(snapshot);
        const seen: State[] = [];
        changes.subscribe((s) => seen.push(s));
        expect(seen).toEqual([configured]);
        expect(seen[0]).toBe(configured);
        service.start();
        expect(seen).toHaveLength(3);
      });

      it('should miss nothing on a service nobody subscribed to before', () => {
        const service = new Service(() => {});
        const [snapshot, changes] = service.stateAndChanges();
        service.configure('{}');
        service.start();
        const seen: State[] = [];
        changes.subscribe((s) => seen.push(s));
        expect(snapshot.active).toBe(false);
        expect(seen).toEqual([service.state]);
      });

      it('should deliver neither the snapshot nor an older State when called inside a notification', () => {
        const { service } = setup(() => {});
        const seen: State[] = [];
        let snapshot: State | undefined;
        let done = false;
        service.state$.subscribe((s) => {
          if (s.active && !done) {
            done = true;
            service.stop();
            const [snap, changes] = service.stateAndChanges();
            snapshot = snap;
            changes.subscribe((x) => seen.push(x));
          }
        });
        service.start();
        expect(snapshot).toBe(service.state);
        expect(snapshot!.active).toBe(false);
        expect(seen).toEqual([]);
        const restarted = service.start();
        expect(seen).toEqual([restarted]);
      });
    });

    describe('re-entrancy', () => {
      it('should give a state$ subscriber that joins inside a notification the current State, then later changes only', () => {
        const { service } = setup(() => {});
        const seen: State[] = [];
        let done = false;
        service.state$.subscribe((s) => {
          if (s.active && !done) {
            done = true;
            service.stop();
            service.state$.subscribe((x) => seen.push(x));
          }
        });
        const started = service.start();
        expect(started.active).toBe(true);
        expect(seen).toEqual([service.state]);
        expect(seen[0]!.active).toBe(false);
        service.start();
        expect(seen).toHaveLength(2);
        expect(seen[1]).toBe(service.state);
      });

      it('should give a stateChanges() subscriber that joins inside a notification only the changes after it', () => {
        const { service } = setup(() => {});
        const seen: State[] = [];
        let done = false;
        service.state$.subscribe((s) => {
          if (s.active && !done) {
            done = true;
            service.stop();
            service.stateChanges().subscribe((x) => seen.push(x));
          }
        });
        service.start();
        expect(seen).toEqual([]);
        const restarted = service.start();
        expect(seen).toEqual([restarted]);
      });

      /** Three subscribers; some call lifecycle methods from inside a notification. */
      function threeSubscribers(order: ('A' | 'B' | 'C')[]) {
        const { apply, calls } = recorder();
        const service = new Service(apply, { scheduler: new VirtualTimeScheduler() });
        service.configure('{"a":1}');
        const seen: Record<'A' | 'B' | 'C', State[]> = { A: [], B: [], C: [] };
        let aDone = false;
        let bDone = false;
        let loadedCount = 0;
        const handlers = {
          // A stops the service at the first State that is running
          A: (s: State) => {
            seen.A.push(s);
            if (!aDone && s.active && !s.loading) {
              aDone = true;
              service.stop();
            }
          },
          // B starts it again at the first stopped State after it ran
          B: (s: State) => {
            seen.B.push(s);
            if (!bDone && !s.active && s.lastActiveTime !== undefined) {
              bDone = true;
              service.start();
            }
          },
          // C reconfigures at the second running State
          C: (s: State) => {
            seen.C.push(s);
            if (s.active && !s.loading && ++loadedCount === 2) service.configure('{"a":2}');
          },
        };
        for (const name of order) service.state$.subscribe(handlers[name]);
        return { service, seen, calls };
      }

      it.each([
        [['A', 'B', 'C']],
        [['C', 'B', 'A']],
        [['B', 'A', 'C']],
      ] as ('A' | 'B' | 'C')[][][])(
        'should deliver every State to every subscriber exactly once, in commit order (%j)',
        (order) => {
          const { service, seen, calls } = threeSubscribers(order);
          const returned = service.start();
          expect(returned.active).toBe(true);
          const lists = [seen.A, seen.B, seen.C];
          for (const list of lists) {
            expect(list).toHaveLength(lists[0]!.length);
            list.forEach((s, i) => expect(s).toBe(lists[0]![i]));
            expect(new Set(list).size).toBe(list.length);
            expect(list[list.length - 1]).toBe(service.state);
          }
          expect(seen.A.map((s) => [s.active, s.loading, s.config])).toEqual([
            [false, false, '{"a":1}'], // configured
            [true, true, '{"a":1}'], // start(): loading
            [true, false, '{"a":1}'], // loaded -> A stops
            [false, false, '{"a":1}'], // stopped -> B starts
            [true, true, '{"a":1}'],
            [true, false, '{"a":1}'], // loaded again -> C configures
            [true, true, '{"a":2}'],
            [true, false, '{"a":2}'],
          ]);
          expect(calls.map((c) => c.config)).toEqual([{ a: 1 }, { a: 1 }, { a: 2 }]);
          expect(calls.map((c) => c.signal.aborted)).toEqual([true, false, false]);
          expect(service.state).toMatchObject({ active: true, loading: false, config: '{"a":2}' });
        },
      );

      it('should keep stateChanges() subscribers in commit order too', () => {
        const service = new Service(() => {}, { scheduler: new VirtualTimeScheduler() });
        service.configure('{}');
        const first: State[] = [];
        const second: State[] = [];
        let stopped = false;
        service.stateChanges().subscribe((s) => {
          first.push(s);
          if (!stopped && s.active && !s.loading) {
            stopped = true;
            service.stop();
          }
        });
        service.stateChanges().subscribe((s) => second.push(s));
        service.start();
        expect(first.map((s) => [s.active, s.loading])).toEqual([
          [true, true],
          [true, false],
          [false, false],
        ]);
        second.forEach((s, i) => expect(s).toBe(first[i]));
        expect(second).toHaveLength(3);
        expect(second[2]).toBe(service.state);
      });
    });

    describe('a subscriber that throws', () => {
      const saved = rxConfig.onUnhandledError;
      afterEach(() => {
        rxConfig.onUnhandledError = saved;
      });

      it('should not stop the others and be reported through config.onUnhandledError', async () => {
        const reported: unknown[] = [];
        rxConfig.onUnhandledError = (e) => reported.push(e);
        const { service } = setup(() => {});
        const a: State[] = [];
        const c: State[] = [];
        const thrown: Error[] = [];
        service.state$.subscribe((s) => a.push(s));
        service.state$.subscribe((s) => {
          const err = new Error(`subscriber failed at ${s.active}/${s.loading}`);
          thrown.push(err);
          throw err;
        });
        service.state$.subscribe((s) => c.push(s));
        service.configure('{}');
        const started = service.start();
        expect(started).toMatchObject({ active: true, loading: false });
        expect(a).toHaveLength(4);
        expect(c).toHaveLength(4);
        a.forEach((s, i) => expect(c[i]).toBe(s));
        await tick();
        expect(reported).toEqual(thrown);
        expect(reported).toHaveLength(4);
        // the service still works
        service.stop();
        expect(service.state.active).toBe(false);
        expect(c[c.length - 1]).toBe(service.state);
        expect(a[a.length - 1]).toBe(service.state);
        await tick();
        expect(reported).toHaveLength(5);
        expect(reported).toEqual(thrown);
      });
    });
  });
});
