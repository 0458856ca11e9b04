/** Service: retry after a failure (giving up, delays, jitter, the logger), resetAfter, and retry.random. */
import { VirtualTimeScheduler, concat, config as rxConfig, mergeMap, of, throwError, timer } from 'rxjs';
import { AbortRetryError, Service, abortRetry, type RetryContext } from 'rx-lifecycle';
import { advance, catchUnhandledErrors, checkRecordedStates, deferred, recorded, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('retry', () => {
    it('should give up at the first failure without retry (Go: apply failure without retry)', () => {
      const err = new Error('apply failed');
      const { apply, calls } = recorder(() => {
        throw err;
      });
      const { scheduler, service } = setup(apply);
      advance(scheduler, 1);
      service.configure('{}');
      advance(scheduler, 1);
      const s = service.start();
      expect(s).toEqual({
        active: false,
        config: '{}',
        loading: false,
        error: err,
        failedAttempts: 1,
        lastInactiveTime: 2,
        lastActiveTime: 2,
        lastErrorTime: 2,
        lastConfigTime: 1,
        lastLoadingStartTime: 2,
        lastLoadingEndTime: 2,
      });
      expect(calls[0]!.signal.aborted).toBe(true);
      expect(scheduler.actions).toHaveLength(0);
    });

    it('should give up at the first failure with retry: false', () => {
      const { service } = setup(
        () => {
          throw new Error('x');
        },
        { retry: false },
      );
      service.configure('{}');
      expect(service.start().active).toBe(false);
    });

    it('should schedule a retry (Go: apply failure with retry)', () => {
      const err = new Error('apply failed');
      const { apply, calls } = recorder(() => {
        throw err;
      });
      const { scheduler, service } = setup(apply, { retry: true });
      service.configure('{}');
      advance(scheduler, 3);
      const s = service.start();
      expect(s).toEqual({
        active: true,
        config: '{}',
        loading: true,
        error: err,
        failedAttempts: 1,
        lastInactiveTime: 0,
        lastActiveTime: 3,
        lastErrorTime: 3,
        lastConfigTime: 0,
        lastLoadingStartTime: 3,
        nextAttemptTime: 503,
      });
      expect(calls).toHaveLength(1);
      advance(scheduler, 499);
      expect(calls).toHaveLength(1);
      advance(scheduler, 1);
      expect(calls).toHaveLength(2);
      expect(service.state).toMatchObject({ failedAttempts: 2, nextAttemptTime: 503 + 750, lastErrorTime: 503 });
    });

    it('should keep the error and the failure count after a successful retry', () => {
      const err = new Error('flaky');
      let calls = 0;
      const { scheduler, service, states } = setup(
        () => {
          if (++calls <= 2) throw err;
        },
        { retry: true },
      );
      service.configure('{}');
      service.start();
      advance(scheduler, 500);
      advance(scheduler, 750);
      expect(calls).toBe(3);
      expect(service.state).toEqual({
        active: true,
        config: '{}',
        loading: false,
        error: err,
        failedAttempts: 2,
        lastInactiveTime: 0,
        lastActiveTime: 0,
        lastErrorTime: 500,
        lastConfigTime: 0,
        lastLoadingStartTime: 0,
        lastLoadingEndTime: 1250,
        nextAttemptTime: undefined,
      });
      expect(states.map((s) => [s.loading, s.failedAttempts, s.nextAttemptTime])).toEqual([
        [false, 0, undefined],
        [false, 0, undefined],
        [true, 0, undefined],
        [true, 1, 500],
        [true, 2, 1250],
        [false, 2, undefined],
      ]);
    });

    it('should tell the logger each attempt (Go: retry with logger)', () => {
      const contexts: RetryContext[] = [];
      const e1 = new Error('e1');
      const e2 = new Error('e2');
      let calls = 0;
      const { scheduler, service } = setup(
        () => {
          calls++;
          if (calls === 1) throw e1;
          if (calls === 2) throw e2;
        },
        { retry: { logger: (ctx) => void contexts.push(ctx) } },
      );
      service.configure('{}');
      advance(scheduler, 100);
      service.start();
      expect(contexts).toEqual([{ attempt: 1, error: e1, delay: 500, t0: 100 }]);
      advance(scheduler, 500);
      expect(contexts).toEqual([
        { attempt: 1, error: e1, delay: 500, t0: 100 },
        { attempt: 2, error: e2, delay: 750, t0: 100 },
      ]);
      advance(scheduler, 750);
      expect(contexts).toEqual([
        { attempt: 1, error: e1, delay: 500, t0: 100 },
        { attempt: 2, error: e2, delay: 750, t0: 100 },
        { attempt: 2, error: undefined, delay: 0, t0: 100 },
      ]);
    });

    it('should tell the logger a first-time success with attempt 0', () => {
      const logger = jest.fn();
      const { service } = setup(() => {}, { retry: { logger } });
      service.configure('{}');
      service.start();
      expect(logger).toHaveBeenCalledTimes(1);
      expect(logger).toHaveBeenCalledWith({ attempt: 0, error: undefined, delay: 0, t0: 0 });
    });

    it('should give up at maxAttempts, ending the run', () => {
      const contexts: RetryContext[] = [];
      const errors = [new Error('e1'), new Error('e2'), new Error('e3')];
      const { apply, calls } = recorder((n) => {
        throw errors[n - 1];
      });
      const { scheduler, service } = setup(apply, { retry: { maxAttempts: 3, logger: (c) => void contexts.push(c) } });
      service.configure('{}');
      service.start();
      advance(scheduler, 500);
      advance(scheduler, 750);
      expect(calls).toHaveLength(3);
      expect(service.state).toEqual({
        active: false,
        config: '{}',
        loading: false,
        error: errors[2],
        failedAttempts: 3,
        lastInactiveTime: 1250,
        lastActiveTime: 0,
        lastErrorTime: 1250,
        lastConfigTime: 0,
        lastLoadingStartTime: 0,
        lastLoadingEndTime: 1250,
        nextAttemptTime: undefined,
      });
      expect(contexts[2]).toEqual({ attempt: 3, error: errors[2], delay: 0, t0: 0 });
      expect(scheduler.actions).toHaveLength(0);
      expect(calls.every((c) => c.signal.aborted)).toBe(true);
    });

    it('should give up at once for an AbortRetryError, reporting its cause', () => {
      const cause = new Error('bad credentials');
      const contexts: RetryContext[] = [];
      const { apply, calls } = recorder(() => {
        throw abortRetry(cause);
      });
      const { service } = setup(apply, { retry: { logger: (c) => void contexts.push(c) } });
      service.configure('{}');
      const s = service.start();
      expect(s).toMatchObject({ active: false, loading: false, error: cause, failedAttempts: 1 });
      expect(s.error).not.toBeInstanceOf(AbortRetryError);
      expect(contexts).toEqual([{ attempt: 1, error: cause, delay: 0, t0: 0 }]);
      expect(calls).toHaveLength(1);
    });

    it('should give up for an AbortRetryError rejected after retries', async () => {
      const cause = new Error('fatal');
      const { apply, calls } = recorder((n) => Promise.reject(n === 1 ? new Error('transient') : new AbortRetryError(cause)));
      const { scheduler, service } = setup(apply, { retry: true });
      service.configure('{}');
      service.start();
      await tick();
      expect(service.state.failedAttempts).toBe(1);
      advance(scheduler, 500);
      await tick();
      expect(service.state).toMatchObject({ active: false, error: cause, failedAttempts: 2, lastErrorTime: 500 });
      expect(calls).toHaveLength(2);
    });

    it('should keep nextAttemptTime while the retry attempt runs, until it settles', async () => {
      const ds = [deferred(), deferred()];
      const { apply } = recorder((n) => ds[n - 1]!.promise);
      const { scheduler, service } = setup(apply, { retry: true });
      service.configure('{}');
      service.start();
      advance(scheduler, 10);
      ds[0]!.reject(new Error('x'));
      await tick();
      expect(service.state.nextAttemptTime).toBe(510);
      advance(scheduler, 500);
      expect(service.state).toMatchObject({ loading: true, nextAttemptTime: 510 });
      advance(scheduler, 100);
      ds[1]!.resolve();
      await tick();
      expect(service.state).toMatchObject({ loading: false, nextAttemptTime: undefined, lastLoadingEndTime: 610, failedAttempts: 1 });
    });

    it('should follow the delay options', () => {
      const { scheduler, service } = setup(
        () => {
          throw new Error('x');
        },
        { retry: { initialDelay: 1000, factor: 2, maxDelay: 3000, minDelay: 0 } },
      );
      service.configure('{}');
      service.start();
      const next: (number | undefined)[] = [service.state.nextAttemptTime];
      for (let i = 0; i < 4; i++) {
        advance(scheduler, service.state.nextAttemptTime! - scheduler.now());
        next.push(service.state.nextAttemptTime);
      }
      expect(next).toEqual([1000, 3000, 6000, 9000, 12000]);
    });

    it('should jitter the delay with the given random', () => {
      const { service } = setup(
        () => {
          throw new Error('x');
        },
        { retry: { jitter: 0.5, random: () => 0.5 } },
      );
      service.configure('{}');
      service.start();
      expect(service.state.nextAttemptTime).toBe(375);
    });

    it('should start the failure count again for a new config', () => {
      const { scheduler, service } = setup(
        (config: { ok: boolean }) => {
          if (!config.ok) throw new Error('x');
        },
        { retry: { maxAttempts: 3 } },
      );
      service.configure('{"ok":false}');
      service.start();
      advance(scheduler, 500);
      expect(service.state.failedAttempts).toBe(2);
      advance(scheduler, 750);
      expect(service.state.active).toBe(false);
      service.start();
      expect(service.state.failedAttempts).toBe(1);
    });

    it('should report a logger exception and keep retrying', async () => {
      const saved = rxConfig.onUnhandledError;
      const reported: unknown[] = [];
      rxConfig.onUnhandledError = (e) => reported.push(e);
      try {
        const thrown = new Error('logger broke');
        let calls = 0;
        const { scheduler, service } = setup(
          () => {
            if (++calls < 3) throw new Error('x');
          },
          {
            retry: {
              logger: () => {
                throw thrown;
              },
            },
          },
        );
        service.configure('{}');
        service.start();
        advance(scheduler, 500);
        advance(scheduler, 750);
        expect(calls).toBe(3);
        expect(service.state).toMatchObject({ active: true, loading: false, failedAttempts: 2 });
        await tick();
        expect(reported).toEqual([thrown, thrown, thrown]);
      } finally {
        rxConfig.onUnhandledError = saved;
      }
    });
  });

  describe('resetAfter', () => {
    /** An Observable apply that emits at once and crashes after `runs[n]` ms on the scheduler. */
    function crashing(scheduler: VirtualTimeScheduler, runs: number[]) {
      let n = 0;
      return () => {
        const ran = runs[n++] ?? 1e9;
        return concat(of(1), timer(ran, scheduler).pipe(mergeMap(() => throwError(() => new Error(`crash after ${ran}`)))));
      };
    }

    it('should restart the count only when the task ran at least resetAfter since its first value', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(crashing(scheduler, [100, 100, 1000, 999]), { scheduler, retry: { resetAfter: 1000 } });
      const retries: [number, number | undefined][] = [];
      const successes: number[] = [];
      service.state$.subscribe((s) => {
        recorded.push(s);
        if (s.loading && s.nextAttemptTime !== undefined) retries.push([s.failedAttempts, s.nextAttemptTime]);
        if (s.active && !s.loading) successes.push(s.failedAttempts);
      });
      service.configure('{}');
      service.start();
      advance(scheduler, 100); // crash 1 at 100
      advance(scheduler, 500); // retry at 600, crash 2 at 700 (ran 100)
      advance(scheduler, 100);
      advance(scheduler, 750); // retry at 1450, crash 3 at 2450 (ran exactly 1000: reset)
      advance(scheduler, 1000);
      advance(scheduler, 500); // retry at 2950, crash 4 at 3949 (ran 999)
      advance(scheduler, 999);
      expect(retries).toEqual([
        [1, 600],
        [2, 1450],
        [1, 2950],
        [2, 4699],
      ]);
      expect(successes).toEqual([0, 1, 2, 1]);
    });

    it('should restart the count at every success without resetAfter', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(crashing(scheduler, [100, 100, 100]), { scheduler, retry: true });
      const retries: [number, number | undefined][] = [];
      service.state$.subscribe((s) => {
        recorded.push(s);
        if (s.nextAttemptTime !== undefined) retries.push([s.failedAttempts, s.nextAttemptTime]);
      });
      service.configure('{}');
      service.start();
      advance(scheduler, 100);
      advance(scheduler, 600);
      advance(scheduler, 600);
      expect(retries).toEqual([
        [1, 600],
        [1, 1200],
        [1, 1800],
      ]);
    });

    it('should give up at maxAttempts when short runs keep the count going', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(crashing(scheduler, [10, 10, 10]), { scheduler, retry: { resetAfter: 1000, maxAttempts: 3 } });
      service.state$.subscribe((s) => void recorded.push(s));
      service.configure('{}');
      service.start();
      advance(scheduler, 10);
      advance(scheduler, 510);
      advance(scheduler, 760);
      expect(service.state).toMatchObject({ active: false, loading: false, failedAttempts: 3, lastErrorTime: 1280 });
      expect(service.state.error?.message).toBe('crash after 10');
    });
  });

  // Issue 15: lifetime and re-entrancy defects. Each test names the defect it covers; each checks
  // a promise of SPEC.md, whatever the implementation.
  describe('retry.random (#6, #7)', () => {
    /** Errors reported through RxJS's `config.onUnhandledError` during a test. */
    const reported = catchUnhandledErrors();

    const failingApply = () => {
      throw new Error('down');
    };

    it('should record the failure of a retry.random that throws, and not stay loading (issue 15 #6)', async () => {
      const thrown = new Error('no entropy');
      const { service, scheduler } = setup(failingApply, {
        retry: {
          jitter: 0.5,
          random: () => {
            throw thrown;
          },
        },
      });
      service.configure('{}');
      const returned = service.start();
      expect(returned).toBe(service.state);
      const error = service.state.error;
      expect(error === thrown || error?.cause === thrown).toBe(true);
      // Not stuck: either a retry is pending or the load ended.
      expect(service.state.loading === false || service.state.nextAttemptTime !== undefined).toBe(true);
      advance(scheduler, 60_000);
      expect(() => service.configure('{"b":1}')).not.toThrow();
      await tick();
      expect(reported).toEqual([]); // recorded in the State, not reported elsewhere
    });

    it.each([
      ['NaN', Number.NaN],
      ['undefined', undefined],
      ['1', 1],
      ['-0.5', -0.5],
      ['2', 2],
    ])('should give up with an error naming options.retry.random when it returns %s (issue 15 #7)', (_label, value) => {
      const { service, scheduler } = setup(failingApply, {
        retry: { jitter: 0.5, random: () => value as number },
      });
      service.configure('{}');
      service.start();
      expect(service.state.active).toBe(false);
      expect(service.state.loading).toBe(false);
      expect(service.state.nextAttemptTime).toBeUndefined();
      expect(service.state.error?.message).toMatch(/options\.retry\.random/);
      expect(scheduler.actions).toHaveLength(0);
      expect(() => service.configure('{"b":1}')).not.toThrow();
    });
  });

  // Found by the property tests of test/properties/. Each case names its minimal counterexample
  // (and, where the property found it first, the seed and path that replayed it on the code of
  // that time: `FC_SEED=... FC_PATH=... FC_REPLAY_PATH=... npx jest <file>`) and the rule of
  // SPEC.md it checks.
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
  });
});
