/** Service: state$ over time, as marble diagrams on the RxJS TestScheduler. */
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Service, type State } from 'rx-lifecycle';

describe('Service', () => {
  describe('state$ marbles', () => {
    let testScheduler: TestScheduler;

    beforeEach(() => {
      testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    });

    const label = (s: State): string =>
      !s.active
        ? s.error && s.lastErrorTime! >= s.lastInactiveTime!
          ? `failed after ${s.failedAttempts}`
          : s.lastActiveTime === undefined
            ? 'new'
            : 'stopped'
        : s.loading
          ? s.nextAttemptTime !== undefined
            ? `retry ${s.failedAttempts} at ${s.nextAttemptTime}`
            : 'loading'
          : `running after ${s.failedAttempts}`;

    it('should publish the start, retries at 500, 750, 1125 ms, the recovery and the stop', () => {
      testScheduler.run(({ expectObservable }) => {
        let calls = 0;
        const service = new Service(
          () => {
            if (++calls <= 3) throw new Error('down');
          },
          { scheduler: testScheduler, retry: true },
        );
        service.configure('{}');
        expectObservable(service.state$.pipe(map(label))).toBe('c 9ms (lw) 496ms x 749ms y 1124ms a 614ms s', {
          c: 'new',
          l: 'loading',
          w: 'retry 1 at 510',
          x: 'retry 2 at 1260',
          y: 'retry 3 at 2385',
          a: 'running after 3',
          s: 'stopped',
        });
        testScheduler.schedule(() => service.start(), 10);
        testScheduler.schedule(() => service.stop(), 3000);
      });
    });

    it('should publish an Observable task: its success, a crash as one State, a retry and a give-up', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const err1 = new Error('crash');
        const err2 = new Error('again');
        const tasks = [cold('-a 99ms #', undefined, err1), cold('-#', undefined, err2)];
        let n = 0;
        const service = new Service(() => tasks[n++]!, { scheduler: testScheduler, retry: { maxAttempts: 2 } });
        service.configure('{}');
        expectObservable(service.state$.pipe(map(label))).toBe('c 9ms la 99ms r 500ms f', {
          c: 'new',
          l: 'loading',
          a: 'running after 0',
          r: 'retry 1 at 611',
          f: 'failed after 2',
        });
        testScheduler.schedule(() => service.start(), 10);
        expectSubscriptions(tasks[0]!.subscriptions).toBe('10ms ^ 100ms !');
        expectSubscriptions(tasks[1]!.subscriptions).toBe('611ms ^!');
      });
    });

    it('should publish a timeout and its retry', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        const service = new Service(() => cold('300ms a'), { scheduler: testScheduler, applyTimeout: 200, retry: { maxAttempts: 2 } });
        service.configure('{}');
        expectObservable(service.state$.pipe(map(label))).toBe('(cl) 196ms r 699ms f', {
          c: 'new',
          l: 'loading',
          r: 'retry 1 at 700',
          f: 'failed after 2',
        });
        testScheduler.schedule(() => service.start(), 0);
      });
    });
  });
});
