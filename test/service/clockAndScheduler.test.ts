/** Service: the times of the State from now(), and retries timed on the injected scheduler. */
import { VirtualTimeScheduler } from 'rxjs';
import { Service, type RetryContext } from 'rx-lifecycle';
import { advance, checkRecordedStates, recorder, setup } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('clock and scheduler', () => {
    it('should take every State time from now()', () => {
      let t = 1_000_000;
      const err = new Error('x');
      const scheduler = new VirtualTimeScheduler();
      const contexts: RetryContext[] = [];
      const service = new Service(
        () => {
          throw err;
        },
        { scheduler, now: () => t, retry: { logger: (ctx) => void contexts.push(ctx) } },
      );
      expect(service.state.lastInactiveTime).toBe(1_000_000);
      t = 1_000_010;
      service.configure('{}');
      t = 1_000_020;
      service.start();
      expect(service.state).toMatchObject({
        lastConfigTime: 1_000_010,
        lastActiveTime: 1_000_020,
        lastLoadingStartTime: 1_000_020,
        lastErrorTime: 1_000_020,
        nextAttemptTime: 1_000_520,
      });
      t = 1_000_100;
      advance(scheduler, 500);
      expect(service.state).toMatchObject({ failedAttempts: 2, lastErrorTime: 1_000_100, nextAttemptTime: 1_000_850 });
      expect(contexts).toEqual([
        { attempt: 1, error: err, delay: 500, t0: 1_000_020 },
        { attempt: 2, error: err, delay: 750, t0: 1_000_020 },
      ]);
      t = 1_000_200;
      service.stop();
      expect(service.state).toMatchObject({ lastInactiveTime: 1_000_200, lastLoadingEndTime: 1_000_200 });
    });

    it('should time retries on the injected scheduler only', () => {
      const { apply, calls } = recorder(() => {
        throw new Error('x');
      });
      const { scheduler, service } = setup(apply, { retry: true, now: () => 42 });
      service.configure('{}');
      service.start();
      expect(service.state.nextAttemptTime).toBe(542);
      expect(scheduler.actions.map((a) => a.delay)).toEqual([500]);
      advance(scheduler, 500);
      expect(calls).toHaveLength(2);
    });

    it('should default now() to the scheduler clock', () => {
      const { scheduler, service } = setup(() => {});
      advance(scheduler, 321);
      expect(service.start().lastActiveTime).toBe(321);
    });
  });
});
