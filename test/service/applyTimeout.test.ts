/** Service: the applyTimeout option, which fails an attempt that has not settled in time. */
import { TimeoutError } from 'rx-lifecycle';
import { advance, checkRecordedStates, deferred, observableApply, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('applyTimeout', () => {
    it('should fail an attempt that has not settled in time with a TimeoutError, aborting its signal', () => {
      const { apply, calls } = recorder(() => new Promise<void>(() => {}));
      const { scheduler, service } = setup(apply, { applyTimeout: 1000 });
      service.configure('{}');
      service.start();
      advance(scheduler, 999);
      expect(service.state.loading).toBe(true);
      expect(calls[0]!.signal.aborted).toBe(false);
      advance(scheduler, 1);
      const s = service.state;
      expect(s).toMatchObject({ active: false, loading: false, failedAttempts: 1, lastErrorTime: 1000, lastLoadingEndTime: 1000 });
      expect(s.error).toBeInstanceOf(TimeoutError);
      expect((s.error as TimeoutError).timeout).toBe(1000);
      expect((s.error as TimeoutError).code).toBe('ERR_APPLY_TIMEOUT');
      expect(calls[0]!.signal.aborted).toBe(true);
      expect(calls[0]!.signal.reason).toBe(s.error);
    });

    it('should retry a timed-out attempt per the policy', () => {
      const { apply, calls } = recorder(() => new Promise<void>(() => {}));
      const { scheduler, service } = setup(apply, { applyTimeout: 1000, retry: { maxAttempts: 3 } });
      service.configure('{}');
      service.start();
      advance(scheduler, 1000);
      expect(service.state).toMatchObject({ loading: true, failedAttempts: 1, nextAttemptTime: 1500 });
      expect(service.state.error).toBeInstanceOf(TimeoutError);
      advance(scheduler, 500);
      expect(calls).toHaveLength(2);
      advance(scheduler, 1000);
      expect(service.state).toMatchObject({ loading: true, failedAttempts: 2, nextAttemptTime: 3250, lastErrorTime: 2500 });
      advance(scheduler, 750 + 1000);
      expect(calls).toHaveLength(3);
      expect(service.state).toMatchObject({ active: false, failedAttempts: 3, lastErrorTime: 4250 });
      expect(service.state.error).toBeInstanceOf(TimeoutError);
      expect(calls.every((c) => c.signal.aborted)).toBe(true);
    });

    it('should ignore a success that comes after the timeout', async () => {
      const ds = [deferred(), deferred()];
      const logger = jest.fn();
      const { apply, calls } = recorder((n) => ds[n - 1]!.promise);
      const { scheduler, service, states } = setup(apply, { applyTimeout: 1000, retry: { logger } });
      service.configure('{}');
      service.start();
      advance(scheduler, 1000);
      const timedOut = service.state;
      const count = states.length;
      ds[0]!.resolve();
      await tick();
      expect(service.state).toBe(timedOut);
      expect(states).toHaveLength(count);
      expect(logger).toHaveBeenCalledTimes(1);
      advance(scheduler, 500);
      expect(calls).toHaveLength(2);
      ds[1]!.resolve();
      await tick();
      expect(service.state).toMatchObject({ active: true, loading: false, failedAttempts: 1 });
    });

    it('should not fail an attempt that settled in time', async () => {
      const d = deferred();
      const { scheduler, service, states } = setup(() => d.promise, { applyTimeout: 1000 });
      service.configure('{}');
      service.start();
      advance(scheduler, 999);
      d.resolve();
      await tick();
      const loaded = service.state;
      expect(loaded).toMatchObject({ active: true, loading: false, error: undefined });
      const count = states.length;
      advance(scheduler, 10_000);
      expect(service.state).toBe(loaded);
      expect(states).toHaveLength(count);
    });

    it('should not time out an Observable task after its first value', () => {
      const o = observableApply();
      const { scheduler, service } = setup(o.apply, { applyTimeout: 100 });
      service.configure('{}');
      service.start();
      advance(scheduler, 50);
      o.subscribers[0]!.next(1);
      advance(scheduler, 10_000);
      expect(service.state).toMatchObject({ active: true, loading: false, error: undefined });
      expect(o.signals[0]!.aborted).toBe(false);
    });

    it('should time out an Observable without a first value', () => {
      const o = observableApply();
      const { scheduler, service } = setup(o.apply, { applyTimeout: 100 });
      service.configure('{}');
      service.start();
      advance(scheduler, 100);
      expect(service.state.error).toBeInstanceOf(TimeoutError);
      expect(o.teardowns).toEqual([0]);
    });
  });
});
