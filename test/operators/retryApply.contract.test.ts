/**
 * The contract of an operator, checked for retryApply: the ApplyFunc it returns is called once
 * per load, so the cases of an RxJS operator's contract read, for it:
 * - synchronous attempts: a result known at once settles the promise without a wait;
 * - early unsubscribe: the caller's signal aborting ends it at once, whenever it aborts, and
 *   nothing more is called or scheduled;
 * - no leaked subscriptions: nothing left on the caller's signal or on the scheduler once it
 *   settled; an Observable task is closed when the caller's signal aborts;
 * - per-call state: each call has its own failure count;
 * - errors after the limit: the last error, as it was.
 * The options themselves are in retryApply.test.ts and retryBackoff.test.ts.
 */
import { Observable, VirtualTimeScheduler } from 'rxjs';
import { retryApply, type RetryContext } from 'rx-lifecycle';

/** Lets every pending promise callback run. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** How a promise settled, as far as it has. */
function watch(promise: Promise<void>): { readonly outcome: { settled: boolean; error?: unknown; resolved?: boolean } } {
  const outcome: { settled: boolean; error?: unknown; resolved?: boolean } = { settled: false };
  promise.then(
    () => Object.assign(outcome, { settled: true, resolved: true }),
    (error: unknown) => Object.assign(outcome, { settled: true, resolved: false, error }),
  );
  return { outcome };
}

/** Alternates promise callbacks and due waits, `rounds` times. */
async function run(scheduler: VirtualTimeScheduler, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    scheduler.flush();
  }
}

/** Counts the `abort` listeners added to and removed from `signal`. */
function listenerCount(signal: AbortSignal): () => number {
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, ...rest: Parameters<typeof add> extends [unknown, ...infer R] ? R : never) => {
    if (type === 'abort') count++;
    return add(type, ...(rest as [EventListener]));
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, ...rest: Parameters<typeof remove> extends [unknown, ...infer R] ? R : never) => {
    if (type === 'abort') count--;
    return remove(type, ...(rest as [EventListener]));
  }) as typeof signal.removeEventListener;
  return () => count;
}

describe('retryApply: the operator contract', () => {
  let scheduler: VirtualTimeScheduler;
  let controller: AbortController;

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    controller = new AbortController();
  });

  describe('synchronous attempts', () => {
    it('should call apply synchronously, once, and resolve without a wait when it returns at once', async () => {
      const apply = jest.fn();
      const w = watch(retryApply(apply, { scheduler })({ a: 1 }, controller.signal));
      expect(apply).toHaveBeenCalledTimes(1);
      await tick();
      expect(w.outcome).toEqual({ settled: true, resolved: true });
      expect(scheduler.actions).toHaveLength(0);
    });

    it('should retry a synchronous throw after the wait, with a fresh signal, and resolve on success', async () => {
      const signals: AbortSignal[] = [];
      const apply = (_config: unknown, signal: AbortSignal) => {
        signals.push(signal);
        if (signals.length < 3) throw new Error(`failure ${signals.length}`);
      };
      const w = watch(retryApply(apply, { scheduler, initialDelay: 100, minDelay: 0 })({}, controller.signal));
      expect(signals).toHaveLength(1);
      expect(scheduler.actions.map((a) => a.delay)).toEqual([100]);
      await run(scheduler);
      expect(w.outcome).toEqual({ settled: true, resolved: true });
      expect(signals).toHaveLength(3);
      expect(signals.map((s) => s.aborted)).toEqual([true, true, false]); // failed attempts abort
      expect(new Set(signals).size).toBe(3);
    });
  });

  describe("the caller's signal (early unsubscribe)", () => {
    it('should reject at once without calling apply when the signal has already aborted', async () => {
      const reason = new Error('too late');
      controller.abort(reason);
      const apply = jest.fn();
      const w = watch(retryApply(apply, { scheduler })({}, controller.signal));
      await tick();
      expect(w.outcome).toEqual({ settled: true, resolved: false, error: reason });
      expect(apply).not.toHaveBeenCalled();
    });

    it('should reject with the reason during a wait, and call and schedule nothing more', async () => {
      const reason = new Error('stop');
      const apply = jest.fn(() => {
        throw new Error('down');
      });
      const w = watch(retryApply(apply, { scheduler })({}, controller.signal));
      expect(scheduler.actions).toHaveLength(1);
      controller.abort(reason);
      expect(scheduler.actions).toHaveLength(0);
      await run(scheduler);
      expect(w.outcome).toEqual({ settled: true, resolved: false, error: reason });
      expect(apply).toHaveBeenCalledTimes(1);
    });

    it("should reject with the reason during an attempt, and abort that attempt's signal with it", async () => {
      const reason = new Error('stop');
      const signals: AbortSignal[] = [];
      const apply = (_config: unknown, signal: AbortSignal) => {
        signals.push(signal);
        return new Promise<void>(() => {});
      };
      const w = watch(retryApply(apply, { scheduler })({}, controller.signal));
      controller.abort(reason);
      await run(scheduler);
      expect(w.outcome).toEqual({ settled: true, resolved: false, error: reason });
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[0]!.reason).toBe(reason);
    });
  });

  describe('no leaked subscriptions', () => {
    it.each([
      ['resolved', () => undefined],
      [
        'rejected',
        () => {
          throw new Error('down');
        },
      ],
    ])("should leave no listener on the caller's signal and nothing scheduled once it %s", async (label, apply) => {
      const listeners = listenerCount(controller.signal);
      const w = watch(retryApply(apply, { scheduler, maxAttempts: 3 })({}, controller.signal));
      await run(scheduler);
      expect(w.outcome.settled).toBe(true);
      expect(w.outcome.resolved).toBe(label === 'resolved');
      expect(listeners()).toBe(0);
      expect(scheduler.actions).toHaveLength(0);
    });

    it("should keep an Observable task subscribed after its success, until the caller's signal aborts", async () => {
      let open = 0;
      const apply = () =>
        new Observable<string>((subscriber) => {
          open++;
          subscriber.next('up');
          return () => open--;
        });
      const w = watch(retryApply(apply, { scheduler })({}, controller.signal));
      await tick();
      expect(w.outcome).toEqual({ settled: true, resolved: true });
      expect(open).toBe(1);
      controller.abort(new Error('stop'));
      expect(open).toBe(0);
      await run(scheduler);
      expect(scheduler.actions).toHaveLength(0);
    });
  });

  describe('per-call state', () => {
    it('should count the failures of each call apart, when the calls overlap', async () => {
      const calls = { a: 0, b: 0 };
      const logs: [string, number][] = [];
      const apply = (config: 'a' | 'b') => {
        calls[config]++;
        throw new Error(`${config} down`);
      };
      const retried = retryApply(apply, {
        scheduler,
        maxAttempts: 3,
        logger: (ctx: RetryContext) => logs.push([ctx.error!.message, ctx.attempt]),
      });
      const a = watch(retried('a', controller.signal));
      await run(scheduler, 1); // a has failed twice before b begins
      const b = watch(retried('b', controller.signal));
      await run(scheduler);
      expect(calls).toEqual({ a: 3, b: 3 });
      expect(a.outcome.settled && b.outcome.settled).toBe(true);
      expect(logs.filter(([m]) => m === 'b down').map(([, n]) => n)).toEqual([1, 2, 3]);
      expect(logs.filter(([m]) => m === 'a down').map(([, n]) => n)).toEqual([1, 2, 3]);
    });
  });

  describe('errors after the limit', () => {
    it('should reject with the very last error after maxAttempts attempts', async () => {
      const errors = [new Error('e1'), new Error('e2'), new Error('e3')];
      let n = 0;
      const apply = () => Promise.reject(errors[n++]!);
      const w = watch(retryApply(apply, { scheduler, maxAttempts: 3 })({}, controller.signal));
      await run(scheduler);
      expect(w.outcome).toEqual({ settled: true, resolved: false, error: errors[2] });
      expect(n).toBe(3);
    });

    it('should reject with a non-Error failure as it was', async () => {
      const w = watch(retryApply(() => Promise.reject('plain'), { scheduler, maxAttempts: 1 })({}, controller.signal));
      await run(scheduler);
      expect(w.outcome).toEqual({ settled: true, resolved: false, error: 'plain' });
    });
  });
});
