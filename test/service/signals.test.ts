/** Service: the AbortSignal of each attempt, results from ended runs, and runs ended from inside apply, listeners, subscribers. */
import { Observable, VirtualTimeScheduler } from 'rxjs';
import { Service, statusOf } from 'rx-lifecycle';
import { advance, catchUnhandledErrors, checkRecordedStates, deferred, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('signals', () => {
    it('should give each attempt a fresh signal', () => {
      const { apply, calls } = recorder((n) => {
        if (n < 3) throw new Error('x');
      });
      const { scheduler, service } = setup(apply, { retry: true });
      service.configure('{}');
      service.start();
      advance(scheduler, 500);
      advance(scheduler, 750);
      expect(calls).toHaveLength(3);
      expect(new Set(calls.map((c) => c.signal)).size).toBe(3);
      expect(calls.map((c) => c.signal.aborted)).toEqual([true, true, false]);
    });

    it('should abort the signal of a failed attempt when it fails', async () => {
      const d = deferred();
      const { apply, calls } = recorder(() => d.promise);
      const { service } = setup(apply, { retry: true });
      service.configure('{}');
      service.start();
      d.reject(new Error('x'));
      await tick();
      expect(service.state.loading).toBe(true);
      expect(calls[0]!.signal.aborted).toBe(true);
    });

    it('should not abort the signal of a successful load when the next load begins', () => {
      const { apply, calls } = recorder();
      const { service } = setup(apply);
      service.start();
      service.configure('{"a":1}');
      service.configure('{"a":2}');
      expect(calls.map((c) => c.signal.aborted)).toEqual([false, false]);
    });

    it('should abort every signal of the run on stop, earlier successful loads included', async () => {
      const { apply, calls } = recorder((n) => (n === 2 ? Promise.resolve() : undefined));
      const { service } = setup(apply);
      service.start();
      service.configure('{"a":1}');
      service.configure('{"a":2}');
      await tick();
      service.configure('{"a":3}');
      expect(calls.map((c) => c.signal.aborted)).toEqual([false, false, false]);
      service.stop();
      expect(calls.map((c) => c.signal.aborted)).toEqual([true, true, true]);
    });

    it('should abort every signal of the run when a load gives up', () => {
      const { apply, calls } = recorder((n) => {
        if (n === 2) throw new Error('x');
      });
      const { service } = setup(apply);
      service.start();
      service.configure('{"a":1}');
      expect(calls[0]!.signal.aborted).toBe(false);
      service.configure('{"a":2}');
      expect(service.state.active).toBe(false);
      expect(calls.map((c) => c.signal.aborted)).toEqual([true, true]);
    });

    it('should abort the signal of an apply that stops its own service', () => {
      let service!: Service;
      const { apply, calls } = recorder((n) => {
        if (n === 1) service.stop();
      });
      ({ service } = setup(apply));
      service.configure('{}');
      const s = service.start();
      expect(s).toMatchObject({ active: false, loading: false });
      expect(service.state).toBe(s);
      expect(calls[0]!.signal.aborted).toBe(true);
    });

    it('should give a new run signals that the old run does not abort', () => {
      const { apply, calls } = recorder();
      const { service } = setup(apply);
      service.configure('{}');
      service.start();
      service.stop();
      service.start();
      expect(calls.map((c) => c.signal.aborted)).toEqual([true, false]);
      service.stop();
      expect(calls.map((c) => c.signal.aborted)).toEqual([true, true]);
    });
  });

  describe('results from ended runs', () => {
    it('should ignore a promise that resolves after stop: no State, no logger call', async () => {
      const d = deferred();
      const logger = jest.fn();
      const { service, states } = setup(() => d.promise, { retry: { logger } });
      service.configure('{}');
      service.start();
      const stopped = service.stop();
      const count = states.length;
      d.resolve();
      await tick();
      expect(service.state).toBe(stopped);
      expect(states).toHaveLength(count);
      expect(logger).not.toHaveBeenCalled();
    });

    it('should ignore a promise that rejects after stop: no State, no logger call', async () => {
      const d = deferred();
      const logger = jest.fn();
      const { scheduler, service, states } = setup(() => d.promise, { retry: { logger } });
      service.configure('{}');
      service.start();
      const stopped = service.stop();
      const count = states.length;
      d.reject(new Error('late'));
      await tick();
      advance(scheduler, 10_000);
      expect(service.state).toBe(stopped);
      expect(states).toHaveLength(count);
      expect(logger).not.toHaveBeenCalled();
    });

    it('should not let a late result of an earlier run end the load of a new run', async () => {
      const ds = [deferred(), deferred()];
      const { apply, calls } = recorder((n) => ds[n - 1]!.promise);
      const { service } = setup(apply);
      service.configure('{}');
      service.start();
      service.stop();
      service.start();
      expect(calls).toHaveLength(2);
      ds[0]!.resolve();
      await tick();
      expect(service.state).toMatchObject({ active: true, loading: true });
      ds[0]!.reject(new Error('ignored anyway'));
      ds[1]!.resolve();
      await tick();
      expect(service.state).toMatchObject({ active: true, loading: false });
    });

    it('should not let a late failure of an earlier run fail a new run', async () => {
      const ds = [deferred(), deferred()];
      const { apply } = recorder((n) => ds[n - 1]!.promise);
      const { service } = setup(apply);
      service.configure('{}');
      service.start();
      service.stop();
      const restarted = service.start();
      ds[0]!.reject(new Error('late'));
      await tick();
      expect(service.state).toBe(restarted);
    });
  });

  // Issue 15: lifetime and re-entrancy defects. Each test names the defect it covers; each checks
  // a promise of SPEC.md, whatever the implementation.
  /** An Observable task per call, with the calls, their signals and the open subscriptions. */
  function tasks() {
    const calls: { config: unknown; signal: AbortSignal; activeAtCall: boolean }[] = [];
    const open = new Set<number>();
    const task = (n: number) =>
      new Observable<number>((subscriber) => {
        open.add(n);
        subscriber.next(n);
        return () => open.delete(n);
      });
    return { calls, open, task };
  }

  describe('a run ends with stop() (#1, #9)', () => {
    // As for every issue-15 test: errors that RxJS reports are caught during each test.
    catchUnhandledErrors();

    it('should not run a load begun after stop() from an abort listener (issue 15 #1)', () => {
      const { calls, open, task } = tasks();
      const ctx: ReturnType<typeof setup<unknown>> = setup((config: unknown, signal) => {
        const n = calls.push({ config, signal, activeAtCall: ctx.service.state.active }) - 1;
        signal.addEventListener('abort', () => {
          if (ctx.service.state.active) ctx.service.stop();
        });
        return task(n);
      });
      const { service, scheduler } = ctx;
      service.configure('{"a":1}');
      service.start();
      const returned = service.configure('{"a":2}'); // aborts load 1, whose listener stops the service
      expect(returned.active).toBe(false);
      expect(service.state.active).toBe(false);
      expect(service.state.loading).toBe(false);
      expect(calls.every((c) => c.activeAtCall)).toBe(true); // no apply on a stopped service
      expect(calls.every((c) => c.signal.aborted)).toBe(true); // every signal of the run aborted
      expect(open.size).toBe(0); // no task subscribed after the stop
      const made = calls.length;
      scheduler.flush();
      expect(calls).toHaveLength(made);
      expect(service.state).toBe(ctx.states[ctx.states.length - 1]);
    });

    it('should end a load that an abort listener began with configure() when the service stops (issue 15 #1)', async () => {
      const calls: { n: number; signal: AbortSignal }[] = [];
      const pending: ReturnType<typeof deferred>[] = [];
      const ctx = setup(
        (config: { n: number }, signal) => {
          calls.push({ n: config.n, signal });
          if (config.n === 1) signal.addEventListener('abort', () => ctx.service.configure('{"n":3}'), { once: true });
          const d = deferred();
          pending.push(d);
          return d.promise;
        },
        { whileLoading: 'switch', retry: { initialDelay: 100 } },
      );
      const { service, scheduler } = ctx;
      service.configure('{"n":1}');
      service.start();
      service.configure('{"n":2}'); // switch: aborts load 1, whose listener configures n 3
      expect(service.state.loading).toBe(true);
      // ApplyFunc: at most one attempt of a service is in flight at a time.
      expect(calls.filter((c) => !c.signal.aborted)).toHaveLength(1);
      const stopped = service.stop();
      expect(stopped.active).toBe(false);
      expect(stopped.loading).toBe(false);
      expect(calls.map((c) => c.signal.aborted)).toEqual(calls.map(() => true));
      const made = calls.length;
      for (const d of pending) d.reject(new Error('late failure'));
      await tick();
      advance(scheduler, 60_000);
      // An apply that settles after its run ended changes nothing: no State, no retry.
      expect(service.state).toBe(stopped);
      expect(calls).toHaveLength(made);
      expect(statusOf(service.state)).toBe('stopped');
    });

    it('should change nothing when a load begun from an abort listener fails after the run gave up (issue 15 #1)', async () => {
      const pending: ReturnType<typeof deferred>[] = [];
      const ctx = setup(
        (config: { n: number }, signal) => {
          if (config.n === 1) signal.addEventListener('abort', () => ctx.service.configure('{"n":3}'), { once: true });
          const d = deferred();
          pending.push(d);
          return d.promise;
        },
        { whileLoading: 'switch' },
      );
      const { service, states } = ctx;
      service.configure('{"n":1}');
      service.start();
      service.configure('{"n":2}'); // switch: aborts load 1, whose listener configures n 3
      // The newest attempt fails first: no retry, so the load gives up and the run ends.
      const [, ...rest] = pending;
      rest[rest.length - 1]!.reject(new Error('newest'));
      await tick();
      const gaveUp = service.state;
      expect(gaveUp.active).toBe(false);
      expect(gaveUp.error?.message).toBe('newest');
      const published = states.length;
      // Every other attempt of that run now fails: they belong to an ended run.
      for (const d of pending) d.reject(new Error('late'));
      await tick();
      expect(service.state).toBe(gaveUp);
      expect(states).toHaveLength(published);
      for (const s of states) if (s.loading) expect(s.active).toBe(true);
    });

    it('should abort the signal of an apply that stops the service from inside itself (issue 15 #1)', () => {
      const signals: AbortSignal[] = [];
      let abortedWhenStopReturned: boolean | undefined;
      const ctx: ReturnType<typeof setup<unknown>> = setup((_config: unknown, signal) => {
        signals.push(signal);
        if (signals.length === 1) {
          ctx.service.stop();
          abortedWhenStopReturned = signal.aborted;
        }
      });
      const { service } = ctx;
      service.configure('{}');
      const returned = service.start();
      expect(service.state.active).toBe(false);
      expect(returned.loading).toBe(false);
      expect(signals).toHaveLength(1);
      // After stop() returns, every signal of the run has aborted: this one too.
      expect(abortedWhenStopReturned).toBe(true);
    });

    it('should not leave unhandled the rejection of a promise returned by an apply that stopped the service (issue 15 #1)', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const ctx: ReturnType<typeof setup<unknown>> = setup(() => {
          ctx.service.stop(); // from inside apply: the promise it returns belongs to an ended run
          return Promise.reject(new Error('late failure'));
        });
        ctx.service.configure('{}');
        const stopped = ctx.service.start();
        await tick();
        await tick();
        expect(unhandled).toEqual([]);
        expect(ctx.service.state).toBe(stopped); // and it changed nothing
        expect(stopped.error).toBeUndefined();
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it("should abort the attempt of an apply that begins the next load from inside itself, before the next apply runs (issue 15 #1)", () => {
      const calls: { signal: AbortSignal; earlierLive: boolean }[] = [];
      const ctx: ReturnType<typeof setup<unknown>> = setup(
        (_config: unknown, signal) => {
          calls.push({ signal, earlierLive: calls.some((c) => !c.signal.aborted) });
          if (calls.length === 1) ctx.service.configure('{"b":2}');
        },
        { whileLoading: 'switch' },
      );
      const { service } = ctx;
      service.configure('{"a":1}');
      service.start();
      expect(calls).toHaveLength(2);
      expect(calls[0]!.signal.aborted).toBe(true); // the switch aborts the running attempt
      expect(calls[1]!.earlierLive).toBe(false); // at most one attempt in flight
      expect(service.state).toMatchObject({ active: true, loading: false, config: '{"b":2}' });
    });

    it('should return the inactive State of its own work when an abort listener restarts the service (issue 15 #9)', () => {
      let onStops = 0;
      let restarted = false;
      const ctx = setup(
        (_config: unknown, signal) => {
          signal.addEventListener('abort', () => {
            if (!restarted) {
              restarted = true;
              ctx.service.start();
            }
          });
        },
        { onStop: () => onStops++ },
      );
      const { service, states } = ctx;
      service.configure('{}');
      service.start();
      const returned = service.stop();
      expect(restarted).toBe(true);
      expect(returned.active).toBe(false);
      expect(returned.loading).toBe(false);
      expect(onStops).toBe(1); // once for the one successful stop
      expect(states[states.length - 1]).toBe(service.state);
    });
  });

  // Found by the property tests of test/properties/. Each case names its minimal counterexample
  // (and, where the property found it first, the seed and path that replayed it on the code of
  // that time: `FC_SEED=... FC_PATH=... FC_REPLAY_PATH=... npx jest <file>`) and the rule of
  // SPEC.md it checks.
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
});
