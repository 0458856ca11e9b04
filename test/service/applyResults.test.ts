/** Service: what each kind of apply result (void, promise, throw, Observable...) makes of the State; errors the library makes. */
import { EMPTY, NEVER, concat, of, throwError } from 'rxjs';
import { TimeoutError, type RetryContext } from 'rx-lifecycle';
import { advance, catchUnhandledErrors, checkRecordedStates, deferred, observableApply, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('apply results', () => {
    it('should succeed at once for void, before start() returns', () => {
      const { service, states } = setup(() => undefined);
      service.configure('{}');
      const s = service.start();
      expect(s.loading).toBe(false);
      expect(s.lastLoadingEndTime).toBe(0);
      expect(states.map((x) => x.loading)).toEqual([false, false, true, false]);
      expect(states[3]).toBe(s);
    });

    it('should succeed at once for a value that is neither a promise nor an Observable', () => {
      const { service } = setup((() => 42) as never);
      service.configure('{}');
      expect(service.start()).toMatchObject({ active: true, loading: false, error: undefined });
    });

    it('should succeed when a promise resolves', async () => {
      const d = deferred();
      const { scheduler, service, states } = setup(() => d.promise);
      service.configure('{}');
      expect(service.start().loading).toBe(true);
      advance(scheduler, 30);
      await tick();
      expect(service.state.loading).toBe(true);
      d.resolve();
      await tick();
      expect(service.state).toMatchObject({ active: true, loading: false, lastLoadingStartTime: 0, lastLoadingEndTime: 30, failedAttempts: 0 });
      expect(states.map((x) => x.loading)).toEqual([false, false, true, false]);
    });

    it('should adopt any thenable', async () => {
      let onFulfilled: (() => void) | undefined;
      const thenable: PromiseLike<void> = {
        then(resolve) {
          onFulfilled = () => resolve?.(undefined);
          return thenable as never;
        },
      };
      const { service } = setup(() => thenable);
      service.configure('{}');
      service.start();
      await tick();
      expect(service.state.loading).toBe(true);
      onFulfilled!();
      await tick();
      expect(service.state.loading).toBe(false);
      expect(service.state.active).toBe(true);
    });

    it('should fail when a promise rejects', async () => {
      const err = new Error('rejected');
      const d = deferred();
      const { scheduler, service } = setup(() => d.promise);
      service.configure('{}');
      service.start();
      advance(scheduler, 40);
      d.reject(err);
      await tick();
      expect(service.state).toMatchObject({
        active: false,
        loading: false,
        error: err,
        failedAttempts: 1,
        lastErrorTime: 40,
        lastInactiveTime: 40,
        lastLoadingEndTime: 40,
      });
    });

    it('should fail for a synchronous throw, before start() returns', () => {
      const err = new Error('sync');
      const { service, states } = setup(() => {
        throw err;
      });
      service.configure('{}');
      const s = service.start();
      expect(s).toMatchObject({ active: false, loading: false, error: err, failedAttempts: 1 });
      expect(states.map((x) => [x.active, x.loading])).toEqual([
        [false, false],
        [false, false],
        [true, true],
        [false, false],
      ]);
    });

    it('should report a non-Error failure as an Error', async () => {
      const { service } = setup(() => Promise.reject('plain'));
      service.configure('{}');
      service.start();
      await tick();
      expect(service.state.error).toBeInstanceOf(Error);
      expect(service.state.active).toBe(false);
    });

    describe('Observable', () => {
      it('should succeed at its first value and stay subscribed', () => {
        const o = observableApply();
        const { scheduler, service } = setup(o.apply);
        service.configure('{}');
        service.start();
        expect(service.state.loading).toBe(true);
        advance(scheduler, 15);
        o.subscribers[0]!.next('ready');
        expect(service.state).toMatchObject({ active: true, loading: false, lastLoadingEndTime: 15 });
        expect(o.subscribers[0]!.closed).toBe(false);
        expect(o.signals[0]!.aborted).toBe(false);
        o.subscribers[0]!.next('more');
        expect(service.state.lastLoadingEndTime).toBe(15);
      });

      it('should succeed at once for an Observable that emits synchronously', () => {
        const { service } = setup(() => concat(of(1), NEVER));
        service.configure('{}');
        expect(service.start()).toMatchObject({ active: true, loading: false });
      });

      it('should succeed at its completion without a value', () => {
        const o = observableApply();
        const { scheduler, service } = setup(o.apply);
        service.configure('{}');
        service.start();
        advance(scheduler, 5);
        o.subscribers[0]!.complete();
        expect(service.state).toMatchObject({ active: true, loading: false, lastLoadingEndTime: 5, error: undefined });
      });

      it('should succeed for EMPTY before start() returns', () => {
        const { service } = setup(() => EMPTY);
        service.configure('{}');
        expect(service.start()).toMatchObject({ active: true, loading: false });
      });

      it('should fail when it errors before its first value', () => {
        const err = new Error('early');
        const o = observableApply();
        const { service } = setup(o.apply);
        service.configure('{}');
        service.start();
        o.subscribers[0]!.error(err);
        expect(service.state).toMatchObject({ active: false, loading: false, error: err, failedAttempts: 1 });
        expect(o.signals[0]!.aborted).toBe(true);
      });

      it('should fail before start() returns for an Observable that errors on subscription', () => {
        const err = new Error('at once');
        const { service } = setup(() => throwError(() => err));
        service.configure('{}');
        expect(service.start()).toMatchObject({ active: false, loading: false, error: err, failedAttempts: 1 });
      });

      it('should publish a crash after its success as ONE State: reloading with the failure, then retry', () => {
        const err = new Error('crash');
        const o = observableApply();
        const logged: RetryContext[] = [];
        const { scheduler, service, states } = setup(o.apply, { retry: { logger: (c) => void logged.push(c) } });
        service.configure('{}');
        service.start();
        advance(scheduler, 10);
        o.subscribers[0]!.next(1);
        const loaded = service.state;
        expect(loaded.loading).toBe(false);
        advance(scheduler, 90);
        const count = states.length;
        o.subscribers[0]!.error(err);
        expect(states).toHaveLength(count + 1);
        expect(states[count]).toEqual({
          ...loaded,
          loading: true,
          lastLoadingStartTime: 100,
          lastLoadingEndTime: undefined,
          error: err,
          lastErrorTime: 100,
          failedAttempts: 1,
          nextAttemptTime: 600,
        });
        expect(o.signals[0]!.aborted).toBe(true);
        expect(o.signals).toHaveLength(1);
        advance(scheduler, 500);
        expect(o.signals).toHaveLength(2);
        expect(o.signals[1]!.aborted).toBe(false);
        o.subscribers[1]!.next(1);
        expect(service.state).toMatchObject({ active: true, loading: false, failedAttempts: 1, error: err, lastLoadingEndTime: 600 });
        expect(logged).toEqual([
          { attempt: 0, error: undefined, delay: 0, t0: 0 },
          { attempt: 1, error: err, delay: 500, t0: 100 },
          { attempt: 1, error: undefined, delay: 0, t0: 100 },
        ]);
      });

      it('should count each crash after a success from 1 again', () => {
        const o = observableApply();
        const { scheduler, service } = setup(o.apply, { retry: { maxAttempts: 2 } });
        service.configure('{}');
        service.start();
        for (let i = 0; i < 3; i++) {
          o.subscribers[i]!.next(1);
          o.subscribers[i]!.error(new Error(`crash ${i}`));
          expect(service.state).toMatchObject({ active: true, loading: true, failedAttempts: 1 });
          advance(scheduler, 500);
        }
        expect(o.subscribers).toHaveLength(4);
      });

      it('should give up on a crash after its success without retry, in ONE State', () => {
        const err = new Error('crash');
        const o = observableApply();
        const { scheduler, service, states } = setup(o.apply);
        service.configure('{}');
        service.start();
        o.subscribers[0]!.next(1);
        advance(scheduler, 50);
        const count = states.length;
        o.subscribers[0]!.error(err);
        expect(states).toHaveLength(count + 1);
        expect(service.state).toMatchObject({
          active: false,
          loading: false,
          error: err,
          failedAttempts: 1,
          lastErrorTime: 50,
          lastInactiveTime: 50,
          lastLoadingStartTime: 50,
          lastLoadingEndTime: 50,
          nextAttemptTime: undefined,
        });
        expect(o.signals[0]!.aborted).toBe(true);
      });

      it("should close the old subscription and abort its signal when the next load begins (switch)", () => {
        const o = observableApply();
        const abortedWhenNextApplied: boolean[] = [];
        const apply = (config: unknown, signal: AbortSignal) => {
          if (o.signals.length > 0) abortedWhenNextApplied.push(o.signals[o.signals.length - 1]!.aborted);
          return o.apply(config, signal);
        };
        const { service } = setup(apply);
        service.start();
        service.configure('{"a":1}');
        o.subscribers[0]!.next(1);
        service.configure('{"a":2}');
        expect(o.teardowns).toEqual([0]);
        expect(o.subscribers[0]!.closed).toBe(true);
        expect(o.signals[0]!.aborted).toBe(true);
        expect(abortedWhenNextApplied).toEqual([true]);
        expect(o.signals[1]!.aborted).toBe(false);
        o.subscribers[1]!.next(1);
        expect(service.state.loading).toBe(false);
      });

      it('should close the subscription and abort its signal on stop', () => {
        const o = observableApply();
        const { service } = setup(o.apply);
        service.configure('{}');
        service.start();
        o.subscribers[0]!.next(1);
        service.stop();
        expect(o.teardowns).toEqual([0]);
        expect(o.signals[0]!.aborted).toBe(true);
      });

      it('should close the subscription of an attempt still loading on stop', () => {
        const o = observableApply();
        const { service } = setup(o.apply);
        service.configure('{}');
        service.start();
        service.stop();
        expect(o.teardowns).toEqual([0]);
        expect(o.signals[0]!.aborted).toBe(true);
      });
    });
  });

  // Issue 15: lifetime and re-entrancy defects. Each test names the defect it covers; each checks
  // a promise of SPEC.md, whatever the implementation.
  describe('errors made by the library (#8)', () => {
    // As for every issue-15 test: errors that RxJS reports are caught during each test.
    catchUnhandledErrors();

    it('should freeze the Error that wraps a thrown string (issue 15 #8)', () => {
      const { service } = setup(() => {
        throw 'plain text'; // eslint-disable-line @typescript-eslint/only-throw-error
      });
      service.configure('{}');
      service.start();
      const error = service.state.error;
      expect(error).toBeInstanceOf(Error);
      expect(Object.isFrozen(error)).toBe(true);
    });

    it('should freeze a TimeoutError (issue 15 #8)', () => {
      const { service, scheduler } = setup(() => new Promise<void>(() => {}), { applyTimeout: 100 });
      service.configure('{}');
      service.start();
      advance(scheduler, 100);
      const error = service.state.error;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(Object.isFrozen(error)).toBe(true);
    });

    it('should freeze the error about a bad retry.random (issue 15 #8)', () => {
      const { service } = setup(
        () => {
          throw new Error('down');
        },
        { retry: { jitter: 0.5, random: () => Number.NaN } },
      );
      service.configure('{}');
      service.start();
      expect(service.state.error).toBeDefined();
      expect(service.state.error?.message).toMatch(/options\.retry\.random/);
      expect(Object.isFrozen(service.state.error)).toBe(true);
    });

    it("should leave the caller's own error unfrozen (issue 15 #8)", () => {
      const own = new Error('mine');
      const { service } = setup(() => {
        throw own;
      });
      service.configure('{}');
      service.start();
      expect(service.state.error).toBe(own);
      expect(Object.isFrozen(own)).toBe(false);
    });
  });
});
