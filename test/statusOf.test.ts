import { VirtualTimeScheduler } from 'rxjs';
import { Service, statusOf, type State } from 'rx-lifecycle';

/** An apply that throws on its first `failures` calls, then succeeds. */
function failing(failures: number): () => void {
  let calls = 0;
  return () => {
    calls++;
    if (calls <= failures) throw new Error(`failure ${calls}`);
  };
}

/** Runs the scheduler's actions due at or before `time`. */
function advanceTo(scheduler: VirtualTimeScheduler, time: number): void {
  scheduler.maxFrames = time;
  scheduler.flush();
}

const base: State = Object.freeze({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 0 });

describe('statusOf', () => {
  describe('of a real Service', () => {
    it('should be stopped for a new service', () => {
      const service = new Service(() => {});
      expect(statusOf(service.state)).toBe('stopped');
    });

    it('should be running for an active service without config', () => {
      const service = new Service(() => {});
      expect(statusOf(service.start())).toBe('running');
    });

    it('should be running once a load has succeeded', () => {
      const service = new Service(() => {});
      service.configure('{}');
      expect(statusOf(service.start())).toBe('running');
    });

    it('should be starting while the first attempt runs', () => {
      const service = new Service(() => new Promise<void>(() => {}));
      service.configure('{}');
      const state = service.start();
      expect(state.loading).toBe(true);
      expect(statusOf(state)).toBe('starting');
      expect(statusOf(service.stop())).toBe('stopped');
    });

    it('should be retrying while a retry waits and while the retried attempt runs', () => {
      const scheduler = new VirtualTimeScheduler();
      let calls = 0;
      const service = new Service(
        () => {
          calls++;
          if (calls === 1) throw new Error('first');
          return new Promise<void>(() => {}); // the retry never settles
        },
        { scheduler, retry: true },
      );
      service.configure('{}');
      const waiting = service.start();
      expect(waiting.nextAttemptTime).toBe(500);
      expect(statusOf(waiting)).toBe('retrying');
      advanceTo(scheduler, 500);
      expect(calls).toBe(2);
      expect(service.state.loading).toBe(true);
      expect(statusOf(service.state)).toBe('retrying');
      service.stop();
    });

    it('should be failed when a load gives up without retry', () => {
      const service = new Service(failing(1));
      service.configure('{}');
      const state = service.start();
      expect(state.active).toBe(false);
      expect(statusOf(state)).toBe('failed');
    });

    it('should be failed when a load gives up after maxAttempts', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(failing(10), { scheduler, retry: { maxAttempts: 2 } });
      service.configure('{}');
      expect(statusOf(service.start())).toBe('retrying');
      advanceTo(scheduler, 10_000);
      expect(service.state.active).toBe(false);
      expect(statusOf(service.state)).toBe('failed');
    });

    it('should be running, with the last error kept, after a retry succeeded', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(failing(1), { scheduler, retry: true });
      service.configure('{}');
      service.start();
      advanceTo(scheduler, 500);
      expect(service.state.error).toBeInstanceOf(Error);
      expect(statusOf(service.state)).toBe('running');
    });

    it('should be stopped when stopped by the user after recovering from an error', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(failing(1), { scheduler, retry: true });
      service.configure('{}');
      service.start();
      advanceTo(scheduler, 500);
      scheduler.schedule(() => service.stop(), 100); // a later millisecond
      advanceTo(scheduler, 600);
      expect(service.state.active).toBe(false);
      expect(service.state.error).toBeInstanceOf(Error);
      expect(statusOf(service.state)).toBe('stopped');
    });

    it('should be stopped when stopped by the user during a retry wait, later than the failure', () => {
      const scheduler = new VirtualTimeScheduler();
      const service = new Service(failing(10), { scheduler, retry: true });
      service.configure('{}');
      service.start();
      scheduler.schedule(() => service.stop(), 100);
      advanceTo(scheduler, 100);
      expect(service.state.error).toBeInstanceOf(Error);
      expect(statusOf(service.state)).toBe('stopped');
    });

    it('should be failed when stopped in the same millisecond as the last failure', () => {
      const service = new Service(failing(10), { now: () => 1000, scheduler: new VirtualTimeScheduler(), retry: true });
      service.configure('{}');
      expect(statusOf(service.start())).toBe('retrying');
      const stopped = service.stop();
      expect(stopped.lastErrorTime).toBe(1000);
      expect(stopped.lastInactiveTime).toBe(1000);
      expect(statusOf(stopped)).toBe('failed');
    });

    it('should be running again after a failed service is restarted', () => {
      let fail = true;
      const service = new Service(() => {
        if (fail) throw new Error('boom');
      });
      service.configure('{}');
      expect(statusOf(service.start())).toBe('failed');
      fail = false;
      expect(statusOf(service.start())).toBe('running');
      expect(statusOf(service.stop())).toBe('stopped');
    });
  });

  describe('of a hand-built State', () => {
    it('should be stopped for an inactive State without error', () => {
      expect(statusOf(base)).toBe('stopped');
    });

    it('should be starting for a loading State without nextAttemptTime', () => {
      expect(statusOf({ ...base, active: true, loading: true })).toBe('starting');
    });

    it('should be retrying for a loading State with nextAttemptTime', () => {
      expect(statusOf({ ...base, active: true, loading: true, nextAttemptTime: 0 })).toBe('retrying');
      expect(statusOf({ ...base, active: true, loading: true, nextAttemptTime: 5, error: new Error('x'), lastErrorTime: 1 })).toBe(
        'retrying',
      );
    });

    it('should be running for an active State that is not loading, error or not', () => {
      expect(statusOf({ ...base, active: true })).toBe('running');
      expect(statusOf({ ...base, active: true, error: new Error('x'), lastErrorTime: 5, failedAttempts: 2 })).toBe('running');
    });

    it('should be failed when the error is at or after the last inactive time', () => {
      const error = new Error('gave up');
      expect(statusOf({ ...base, error, lastErrorTime: 2000, lastInactiveTime: 2000 })).toBe('failed');
      expect(statusOf({ ...base, error, lastErrorTime: 2001, lastInactiveTime: 2000 })).toBe('failed');
    });

    it('should be stopped when the error is before the last inactive time (stopped after recovery)', () => {
      const error = new Error('old');
      expect(statusOf({ ...base, error, lastErrorTime: 1999, lastInactiveTime: 2000, lastActiveTime: 1000 })).toBe('stopped');
    });

    it('should be a pure function that leaves the State as it is', () => {
      const state: State = Object.freeze({ ...base, error: new Error('x'), lastErrorTime: 7, lastInactiveTime: 7 });
      const copy = { ...state };
      expect(statusOf(state)).toBe('failed');
      expect(statusOf(state)).toBe('failed');
      expect(state).toEqual(copy);
      expect(Object.keys(state).sort()).toEqual(Object.keys(copy).sort());
    });
  });
});
