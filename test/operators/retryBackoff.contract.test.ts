/**
 * The contract every RxJS operator meets, checked for retryBackoff: what RxJS's own `retry`
 * and the backoff operators of other libraries are tested for, written for this API.
 * - synchronous sources: values, errors and completion delivered as they come;
 * - early unsubscribe, synchronous included: the source stops at once, nothing is scheduled;
 * - no leaked subscriptions: every subscription to the source is closed when the result ends;
 * - per-subscription state: each subscriber has its own failure count and clock;
 * - errors after the limit: the last error, as it was, and nothing after it.
 * The options themselves (delays, jitter, resetAfter, logger) are in retryBackoff.test.ts.
 */
import { EMPTY, NEVER, Observable, VirtualTimeScheduler, concat, config as rxConfig, defer, from, of, take, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { retryBackoff, type RetryContext } from 'rx-lifecycle';

let testScheduler: TestScheduler;

beforeEach(() => {
  testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/**
 * A synchronous source that counts its subscriptions, the ones open, and the values it made.
 * Its n-th subscription (from 0) runs `body(n, subscriber)`; at most `limit` values per
 * subscription, so that a test of a broken operator ends.
 */
function syncSource(body: (n: number, emit: (value: number) => boolean) => 'error' | 'complete' | 'hang', limit = 1000) {
  const stats = { subscriptions: 0, open: 0, made: 0 };
  const source = new Observable<number>((subscriber) => {
    const n = stats.subscriptions++;
    stats.open++;
    let budget = limit;
    const emit = (value: number): boolean => {
      if (subscriber.closed || budget-- <= 0) return false;
      stats.made++;
      subscriber.next(value);
      return !subscriber.closed;
    };
    const end = body(n, emit);
    if (end === 'error') subscriber.error(new Error(`failure ${n}`));
    else if (end === 'complete') subscriber.complete();
    return () => stats.open--;
  });
  return { source, stats };
}

describe('retryBackoff: the operator contract', () => {
  describe('synchronous sources', () => {
    it('should deliver the values and completion of a synchronous source before subscribe() returns', () => {
      const seen: unknown[] = [];
      of(1, 2, 3)
        .pipe(retryBackoff())
        .subscribe({ next: (v) => seen.push(v), complete: () => seen.push('done') });
      expect(seen).toEqual([1, 2, 3, 'done']);
    });

    it('should resubscribe to a source that errors synchronously after each wait, then give up', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('#');
        expectObservable(source.pipe(retryBackoff({ maxAttempts: 3 }))).toBe('1250ms #');
        expectSubscriptions(source.subscriptions).toBe(['(^!)', '500ms (^!)', '1250ms (^!)']);
      });
    });

    it('should deliver the synchronous values before each synchronous error, again after each wait', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        // A value resets the count: the wait is initialDelay every time, and it never gives up.
        const source = cold('(ab#)');
        expectObservable(source.pipe(retryBackoff({ maxAttempts: 2 }), take(5))).toBe('(ab) 496ms (ab) 496ms (a|)');
        expectSubscriptions(source.subscriptions).toBe(['(^!)', '500ms (^!)', '1000ms (^!)']);
      });
    });

    it('should stop an endless synchronous source retried after an error once take() has its values', () => {
      const { source, stats } = syncSource((n, emit) => {
        if (n === 0) return 'error';
        for (let i = 0; emit(i); i++);
        return 'hang';
      });
      const scheduler = new VirtualTimeScheduler();
      const seen: number[] = [];
      source.pipe(retryBackoff({ scheduler }), take(3)).subscribe((v) => seen.push(v));
      scheduler.flush();
      expect(seen).toEqual([0, 1, 2]);
      expect(stats.made).toBe(3);
      expect(stats.open).toBe(0);
    });

    it('should read no more of a synchronous iterable than take() asks for', () => {
      let read = 0;
      function* endless(): Generator<number> {
        // Bounded so that a broken operator ends the test instead of hanging it.
        for (let i = 0; i < 10_000; i++) {
          read++;
          yield i;
        }
      }
      const seen: number[] = [];
      from(endless())
        .pipe(retryBackoff(), take(3))
        .subscribe((v) => seen.push(v));
      expect(seen).toEqual([0, 1, 2]);
      expect(read).toBe(3);
    });
  });

  describe('early unsubscribe', () => {
    it('should close the subscriber the source sees as soon as the consumer unsubscribes synchronously', () => {
      let closedAfterTake: boolean | undefined;
      const source = new Observable<number>((subscriber) => {
        subscriber.next(1);
        closedAfterTake = subscriber.closed;
        subscriber.next(2);
      });
      const seen: number[] = [];
      source.pipe(retryBackoff(), take(1)).subscribe((v) => seen.push(v));
      expect(seen).toEqual([1]);
      expect(closedAfterTake).toBe(true);
    });

    it('should run the teardown of a synchronous source when take() ends it during subscribe()', () => {
      const { source, stats } = syncSource((_n, emit) => {
        emit(1);
        return 'hang';
      });
      source.pipe(retryBackoff(), take(1)).subscribe();
      expect(stats.subscriptions).toBe(1);
      expect(stats.open).toBe(0);
    });

    it('should unsubscribe from the source and schedule nothing more when unsubscribed during a wait', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        expectObservable(source.pipe(retryBackoff()), '^ 300ms !').toBe('-');
        expectSubscriptions(source.subscriptions).toBe(['^!']);
      });
    });

    it('should leave no action on the scheduler once unsubscribed during a wait', () => {
      const scheduler = new VirtualTimeScheduler();
      const { source, stats } = syncSource(() => 'error');
      const subscription = source.pipe(retryBackoff({ scheduler })).subscribe({ error: () => {} });
      expect(scheduler.actions).toHaveLength(1);
      subscription.unsubscribe();
      expect(scheduler.actions).toHaveLength(0);
      scheduler.flush();
      expect(stats.subscriptions).toBe(1);
    });

    it('should unsubscribe from a running source, after retries too', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const retried = cold('-a-b-c-');
        let n = 0;
        const result = defer(() => (n++ === 0 ? source : retried)).pipe(retryBackoff());
        expectObservable(result, '^ 504ms !').toBe('- 500ms -a-b');
        expectSubscriptions(source.subscriptions).toBe(['^!']);
        expectSubscriptions(retried.subscriptions).toBe(['501ms ^---!']);
      });
    });
  });

  describe('no leaked subscriptions', () => {
    it.each([
      ['completes after retries', 'complete'],
      ['errors after the last attempt', 'error'],
    ] as const)('should have closed every subscription to the source when it %s', (_label, end) => {
      const scheduler = new VirtualTimeScheduler();
      const { source, stats } = syncSource((n, emit) => {
        if (n < 2 || end === 'error') return 'error';
        emit(n);
        return 'complete';
      });
      source.pipe(retryBackoff({ scheduler, maxAttempts: 3 })).subscribe({ error: () => {} });
      scheduler.flush();
      expect(stats.subscriptions).toBe(3);
      expect(stats.open).toBe(0);
      expect(scheduler.actions).toHaveLength(0);
    });

    it('should mirror EMPTY and NEVER without scheduling anything', () => {
      testScheduler.run(({ expectObservable }) => {
        expectObservable(EMPTY.pipe(retryBackoff())).toBe('|');
        expectObservable(NEVER.pipe(retryBackoff())).toBe('');
      });
    });
  });

  describe('per-subscription state', () => {
    it('should give each subscriber its own failure count and waits', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const result = source.pipe(retryBackoff({ initialDelay: 10, minDelay: 0, maxAttempts: 3 }));
        // First: fails at 1, 12 (after 10) and 28 (after 15). Second, from 5: 6, 17, 33.
        expectObservable(result).toBe('28ms #');
        expectObservable(result, '5ms ^').toBe('33ms #');
        expectSubscriptions(source.subscriptions).toBe(['^!', '5ms ^!', '11ms ^!', '16ms ^!', '27ms ^!', '32ms ^!']);
      });
    });

    it("should tell the logger each subscription's own t0 and attempts", () => {
      const logs: RetryContext[] = [];
      testScheduler.run(({ cold, expectObservable }) => {
        const result = cold('-#').pipe(retryBackoff({ initialDelay: 10, minDelay: 0, maxAttempts: 2, logger: (c) => logs.push(c) }));
        expectObservable(result).toBe('12ms #');
        expectObservable(result, '100ms ^').toBe('112ms #');
      });
      expect(logs.map((c) => [c.t0, c.attempt, c.delay])).toEqual([
        [0, 1, 10],
        [0, 2, 0],
        [100, 1, 10],
        [100, 2, 0],
      ]);
    });

    it('should start the count again for a new subscription after the first one gave up', () => {
      const scheduler = new VirtualTimeScheduler();
      const { source, stats } = syncSource(() => 'error');
      const result = source.pipe(retryBackoff({ scheduler, maxAttempts: 2 }));
      const errors: unknown[] = [];
      result.subscribe({ error: (e) => errors.push(e) });
      scheduler.flush();
      result.subscribe({ error: (e) => errors.push(e) });
      scheduler.flush();
      expect(stats.subscriptions).toBe(4);
      expect(errors.map((e) => (e as Error).message)).toEqual(['failure 1', 'failure 3']);
    });
  });

  describe('errors after the limit', () => {
    it('should give up with the very last error, and deliver nothing after it', () => {
      const errors = [new Error('e1'), new Error('e2')];
      testScheduler.run(({ cold, expectObservable }) => {
        let n = 0;
        // Each attempt errors at its first frame; nothing may follow the last error.
        const source = defer(() => concat(throwError(() => errors[n++]!), cold('a')));
        expectObservable(source.pipe(retryBackoff({ maxAttempts: 2 }))).toBe('500ms #', undefined, errors[1]);
      });
    });

    it('should not retry at all with maxAttempts 1', () => {
      testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#');
        expectObservable(source.pipe(retryBackoff({ maxAttempts: 1 }))).toBe('--#');
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });

    it('should error with what a throwing random threw, and leave nothing scheduled', async () => {
      const reported: unknown[] = [];
      const saved = rxConfig.onUnhandledError;
      rxConfig.onUnhandledError = (err) => reported.push(err);
      try {
        randomThrows();
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 0)); // RxJS reports on a timeout
        rxConfig.onUnhandledError = saved;
      }
      expect(reported).toEqual([]);
    });

    function randomThrows(): void {
      const scheduler = new VirtualTimeScheduler();
      const thrown = new Error('no entropy');
      const errors: unknown[] = [];
      const { source, stats } = syncSource(() => 'error');
      source
        .pipe(
          retryBackoff({
            scheduler,
            jitter: 0.5,
            random: () => {
              throw thrown;
            },
          }),
        )
        .subscribe({ error: (e) => errors.push(e) });
      expect(errors).toHaveLength(1);
      const error = errors[0] as Error;
      expect(error === thrown || error.cause === thrown).toBe(true);
      expect(scheduler.actions).toHaveLength(0);
      expect(stats.open).toBe(0);
    }
  });

  it('should not touch a source that does not fail: same values, same subscription', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-(c|)');
      expectObservable(source.pipe(retryBackoff())).toBe('a-b-(c|)');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});
