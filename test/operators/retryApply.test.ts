import { Observable, VirtualTimeScheduler } from 'rxjs';
import { AbortRetryError, abortRetry, retryApply, type RetryContext } from 'rx-lifecycle';

/** Lets every pending promise callback run. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Tracks how a promise settled, without leaving a rejection unhandled. */
function track(promise: unknown): { settled: () => boolean; result: Promise<void> } {
  let done = false;
  expect(promise).toBeInstanceOf(Promise);
  const result = promise as Promise<void>;
  result.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, result };
}

/** Alternates promise callbacks and due timers until `promise` settles (bounded). */
async function drive(scheduler: VirtualTimeScheduler, promise: unknown, steps = 50): Promise<void> {
  const t = track(promise);
  for (let i = 0; i < steps && !t.settled(); i++) {
    await tick();
    if (!t.settled()) scheduler.flush();
  }
  return t.result;
}

describe('retryApply', () => {
  let scheduler: VirtualTimeScheduler;
  let controller: AbortController;

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    controller = new AbortController();
  });

  it('should resolve when the first attempt succeeds (void)', async () => {
    const apply = jest.fn();
    const config = { a: 1 };
    await expect(retryApply(apply, { scheduler })(config, controller.signal)).resolves.toBeUndefined();
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0][0]).toBe(config);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('should resolve when the first attempt succeeds (promise)', async () => {
    const apply = jest.fn(() => Promise.resolve());
    await expect(retryApply(apply, { scheduler })(1, controller.signal)).resolves.toBeUndefined();
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('should return a promise', () => {
    const result = retryApply(() => {}, { scheduler })(1, controller.signal);
    expect(result).toBeInstanceOf(Promise);
  });

  it('should retry with delays of 500, 750 ms until an attempt succeeds', async () => {
    const times: number[] = [];
    let calls = 0;
    const apply = () => {
      times.push(scheduler.now());
      return ++calls < 3 ? Promise.reject(new Error(`e${calls}`)) : Promise.resolve();
    };
    const p = retryApply(apply, { scheduler })(1, controller.signal);
    await drive(scheduler, p);
    expect(times).toEqual([0, 500, 1250]);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('should wait on the scheduler, not before the delay', async () => {
    let calls = 0;
    const p = retryApply(
      () => {
        calls++;
        return Promise.reject(new Error('x'));
      },
      { scheduler, maxAttempts: 2 },
    )(1, controller.signal);
    const t = track(p);
    await tick();
    expect(calls).toBe(1);
    expect(scheduler.actions.map((a) => a.delay)).toEqual([500]);
    scheduler.maxFrames = 499;
    scheduler.flush();
    expect(calls).toBe(1);
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(calls).toBe(2);
    await expect(t.result).rejects.toThrow('x');
  });

  it('should retry a synchronous throw', async () => {
    let calls = 0;
    const apply = () => {
      if (++calls < 3) throw new Error('sync');
    };
    const p = retryApply(apply, { scheduler, initialDelay: 100, minDelay: 0, factor: 2 })(1, controller.signal);
    await drive(scheduler, p);
    expect(calls).toBe(3);
    expect(scheduler.now()).toBe(300);
  });

  it('should follow the retry options', async () => {
    const times: number[] = [];
    const apply = () => {
      times.push(scheduler.now());
      return Promise.reject(new Error('x'));
    };
    const p = retryApply(apply, { scheduler, initialDelay: 1000, factor: 3, maxDelay: 5000, maxAttempts: 5 })(1, controller.signal);
    await expect(drive(scheduler, p)).rejects.toThrow('x');
    expect(times).toEqual([0, 1000, 4000, 9000, 14000]);
  });

  it('should reject with the cause of an AbortRetryError, at once', async () => {
    const cause = new Error('bad credentials');
    let calls = 0;
    const apply = () => (++calls === 1 ? Promise.reject(new Error('transient')) : Promise.reject(abortRetry(cause)));
    const p = retryApply(apply, { scheduler })(1, controller.signal);
    await expect(drive(scheduler, p)).rejects.toBe(cause);
    expect(calls).toBe(2);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('should reject with the cause of a thrown AbortRetryError', async () => {
    const cause = new Error('fatal');
    const apply = jest.fn(() => {
      throw new AbortRetryError(cause);
    });
    await expect(drive(scheduler, retryApply(apply, { scheduler })(1, controller.signal))).rejects.toBe(cause);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('should reject with the last error at maxAttempts', async () => {
    const errors = [new Error('e1'), new Error('e2'), new Error('e3')];
    let calls = 0;
    const apply = () => Promise.reject(errors[calls++]);
    const p = retryApply(apply, { scheduler, maxAttempts: 3 })(1, controller.signal);
    await expect(drive(scheduler, p)).rejects.toBe(errors[2]);
    expect(calls).toBe(3);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('should not retry with maxAttempts 1', async () => {
    const err = new Error('once');
    const apply = jest.fn(() => Promise.reject(err));
    await expect(drive(scheduler, retryApply(apply, { scheduler, maxAttempts: 1 })(1, controller.signal))).rejects.toBe(err);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  describe('signal', () => {
    it('should reject with signal.reason when the signal aborts during a wait, and cancel the retry', async () => {
      const apply = jest.fn(() => Promise.reject(new Error('x')));
      const t = track(retryApply(apply, { scheduler })(1, controller.signal));
      await tick();
      expect(scheduler.actions).toHaveLength(1);
      const reason = new Error('stopped');
      controller.abort(reason);
      await expect(t.result).rejects.toBe(reason);
      expect(scheduler.actions).toHaveLength(0);
      scheduler.flush();
      await tick();
      expect(apply).toHaveBeenCalledTimes(1);
    });

    it('should reject with signal.reason when the signal aborts during an attempt', async () => {
      const signals: AbortSignal[] = [];
      let resolveAttempt: () => void = () => {};
      const apply = (_: unknown, signal: AbortSignal) => {
        signals.push(signal);
        return new Promise<void>((resolve) => (resolveAttempt = resolve));
      };
      const t = track(retryApply(apply, { scheduler })(1, controller.signal));
      await tick();
      const reason = new Error('stopped');
      controller.abort(reason);
      await expect(t.result).rejects.toBe(reason);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[0]!.reason).toBe(reason);
      resolveAttempt();
      await tick();
      expect(signals).toHaveLength(1);
    });

    it('should reject at once, without calling apply, when the signal is already aborted', async () => {
      const apply = jest.fn();
      const reason = new Error('too late');
      controller.abort(reason);
      await expect(retryApply(apply, { scheduler })(1, controller.signal)).rejects.toBe(reason);
      expect(apply).not.toHaveBeenCalled();
    });

    it('should give each attempt a fresh signal that aborts when the attempt fails', async () => {
      const signals: AbortSignal[] = [];
      const abortedAtFailure: boolean[] = [];
      let calls = 0;
      const apply = (_: unknown, signal: AbortSignal) => {
        signals.push(signal);
        if (signals.length > 1) abortedAtFailure.push(signals[signals.length - 2]!.aborted);
        return ++calls < 3 ? Promise.reject(new Error('x')) : Promise.resolve();
      };
      await drive(scheduler, retryApply(apply, { scheduler })(1, controller.signal));
      expect(signals).toHaveLength(3);
      expect(new Set(signals).size).toBe(3);
      expect(signals).not.toContain(controller.signal);
      expect(abortedAtFailure).toEqual([true, true]);
      expect(signals.map((s) => s.aborted)).toEqual([true, true, false]);
    });

    it('should abort the signal of a failed attempt before the retry is even due', async () => {
      const signals: AbortSignal[] = [];
      const apply = (_: unknown, signal: AbortSignal) => {
        signals.push(signal);
        return Promise.reject(new Error('x'));
      };
      const t = track(retryApply(apply, { scheduler })(1, controller.signal));
      await tick();
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(true);
      controller.abort();
      await expect(t.result).rejects.toBe(controller.signal.reason);
    });

    it("should abort a successful attempt's signal when the parent aborts", async () => {
      const signals: AbortSignal[] = [];
      await retryApply((_: unknown, signal) => void signals.push(signal), { scheduler })(1, controller.signal);
      expect(signals[0]!.aborted).toBe(false);
      const reason = new Error('run ended');
      controller.abort(reason);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[0]!.reason).toBe(reason);
    });
  });

  describe('Observable apply', () => {
    it('should resolve at the first value and keep the Observable until the signal aborts', async () => {
      let torn = false;
      const apply = () =>
        new Observable<number>((subscriber) => {
          subscriber.next(1);
          return () => (torn = true);
        });
      await expect(retryApply(apply, { scheduler })(1, controller.signal)).resolves.toBeUndefined();
      expect(torn).toBe(false);
      controller.abort();
      expect(torn).toBe(true);
    });

    it('should resolve at completion without a value', async () => {
      const apply = () => new Observable<never>((subscriber) => subscriber.complete());
      await expect(retryApply(apply, { scheduler })(1, controller.signal)).resolves.toBeUndefined();
    });

    it('should retry an Observable that errors before its first value', async () => {
      let calls = 0;
      const apply = () =>
        new Observable<number>((subscriber) => {
          if (++calls < 2) subscriber.error(new Error('x'));
          else subscriber.next(calls);
        });
      await drive(scheduler, retryApply(apply, { scheduler })(1, controller.signal));
      expect(calls).toBe(2);
      expect(scheduler.now()).toBe(500);
      controller.abort();
    });
  });

  describe('logger', () => {
    it('should be told each failure with its delay, then the success', async () => {
      const contexts: RetryContext[] = [];
      const errors = [new Error('e1'), new Error('e2')];
      let calls = 0;
      const apply = () => (calls < 2 ? Promise.reject(errors[calls++]) : Promise.resolve());
      await drive(scheduler, retryApply(apply, { scheduler, logger: (ctx) => void contexts.push(ctx) })(1, controller.signal));
      expect(contexts).toEqual([
        { attempt: 1, error: errors[0], delay: 500, t0: 0 },
        { attempt: 2, error: errors[1], delay: 750, t0: 0 },
        { attempt: 2, error: undefined, delay: 0, t0: 0 },
      ]);
    });

    it('should be told the give-up with delay 0', async () => {
      const contexts: RetryContext[] = [];
      const err = new Error('x');
      const p = retryApply(() => Promise.reject(err), { scheduler, maxAttempts: 2, logger: (ctx) => void contexts.push(ctx) })(
        1,
        controller.signal,
      );
      await expect(drive(scheduler, p)).rejects.toBe(err);
      expect(contexts).toEqual([
        { attempt: 1, error: err, delay: 500, t0: 0 },
        { attempt: 2, error: err, delay: 0, t0: 0 },
      ]);
    });
  });

  describe('arguments', () => {
    it('should throw a TypeError naming apply for a non-function', () => {
      expect(() => retryApply(42 as never)).toThrow(TypeError);
      expect(() => retryApply(42 as never)).toThrow('apply');
    });

    it('should throw at call time for bad options, naming the field', () => {
      expect(() => retryApply(() => {}, { factor: 0 })).toThrow(RangeError);
      expect(() => retryApply(() => {}, { factor: 0 })).toThrow('factor');
      expect(() => retryApply(() => {}, { maxAttempts: 0.5 })).toThrow('maxAttempts');
      expect(() => retryApply(() => {}, { jitter: 1.5 })).toThrow('jitter');
      expect(() => retryApply(() => {}, { initialDelay: -1 })).toThrow('initialDelay');
      expect(() => retryApply(() => {}, { scheduler: 5 } as never)).toThrow(TypeError);
      expect(() => retryApply(() => {}, { scheduler: 5 } as never)).toThrow('scheduler');
    });
  });

  describe('a signal that aborts during the first synchronous attempt (issue 15 #5)', () => {
    it('should reject with signal.reason and leave no timer (issue 15 #5)', async () => {
      const reason = new Error('cancelled by the caller');
      let calls = 0;
      const retried = retryApply(
        () => {
          calls++;
          controller.abort(reason);
          throw new Error('down');
        },
        { scheduler, initialDelay: 100 },
      );
      const t = track(retried({}, controller.signal));
      await tick();
      expect(t.settled()).toBe(true); // before the fix: it waits for a retry, for ever
      await expect(t.result).rejects.toBe(reason);
      expect(scheduler.actions).toHaveLength(0);
      scheduler.flush();
      expect(calls).toBe(1);
    });
  });
});
