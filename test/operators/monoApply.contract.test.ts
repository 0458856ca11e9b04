/**
 * The contract of an operator, checked for monoApply: one wrapper, many calls, at most one of
 * them live. Read for an ApplyFunc:
 * - synchronous results: the result of apply is handed back untouched, synchronously;
 * - early unsubscribe: the caller's signal aborting aborts the live call's signal at once;
 *   the next call aborts the previous one before apply runs;
 * - no leaked subscriptions: nothing stays on a long-lived caller's signal per call;
 * - per-wrapper state: two wrappers, or two callers with different signals, are apart;
 * - errors: what apply throws propagates as it is, and the call still counts as the live one.
 */
import { Observable, of } from 'rxjs';
import { monoApply } from 'rx-lifecycle';

/** An apply that records the signal of each call. */
function recording(result: (n: number) => void = () => undefined) {
  const signals: AbortSignal[] = [];
  const apply = (_config: unknown, signal: AbortSignal): void => result(signals.push(signal) - 1);
  return { apply, signals };
}

/** Counts the `abort` listeners added to and not yet removed from `signal`. */
function listenerCount(signal: AbortSignal): () => number {
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type === 'abort') count++;
    options?.signal?.addEventListener('abort', () => count--, { once: true });
    return add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener, options?: EventListenerOptions) => {
    if (type === 'abort') count--;
    return remove(type, listener, options);
  }) as typeof signal.removeEventListener;
  return () => count;
}

describe('monoApply: the operator contract', () => {
  describe('synchronous results', () => {
    it.each([
      ['undefined', () => undefined],
      ['a promise', () => Promise.resolve()],
      ['an Observable', () => of(1)],
    ])('should hand back %s from apply untouched', (_label, make) => {
      const result = make();
      const wrapped = monoApply(() => result);
      expect(wrapped({}, new AbortController().signal)).toBe(result);
    });

    it('should call apply synchronously, once per call', () => {
      const { apply, signals } = recording();
      const wrapped = monoApply(apply);
      const parent = new AbortController().signal;
      wrapped(1, parent);
      expect(signals).toHaveLength(1);
      wrapped(2, parent);
      expect(signals).toHaveLength(2);
    });
  });

  describe('early unsubscribe', () => {
    it("should abort the live call's signal, with the same reason, when the caller's signal aborts", () => {
      const { apply, signals } = recording();
      const wrapped = monoApply(apply);
      const parent = new AbortController();
      wrapped(1, parent.signal);
      const reason = new Error('stop');
      parent.abort(reason);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[0]!.reason).toBe(reason);
    });

    it("should hand an already aborted signal to a call whose caller's signal has aborted", () => {
      const { apply, signals } = recording();
      const parent = new AbortController();
      parent.abort(new Error('gone'));
      monoApply(apply)(1, parent.signal);
      expect(signals[0]!.aborted).toBe(true);
    });

    it('should abort the previous call before the next apply runs, also from inside apply', () => {
      const order: string[] = [];
      let wrapped!: (config: number, signal: AbortSignal) => void;
      const parent = new AbortController().signal;
      wrapped = monoApply((n: number, signal) => {
        signal.addEventListener('abort', () => order.push(`abort ${n}`));
        order.push(`apply ${n}`);
        if (n === 1) wrapped(2, parent); // a call from inside the previous one
      });
      wrapped(1, parent);
      expect(order).toEqual(['apply 1', 'abort 1', 'apply 2']);
    });

    it('should close an Observable task through its signal when the next call begins', () => {
      let open = 0;
      const wrapped = monoApply(
        (_config: unknown, signal: AbortSignal) =>
          new Observable<never>(() => {
            open++;
            const close = () => open--;
            signal.addEventListener('abort', close, { once: true });
            return () => signal.removeEventListener('abort', close);
          }),
      );
      const parent = new AbortController().signal;
      (wrapped(1, parent) as Observable<never>).subscribe();
      (wrapped(2, parent) as Observable<never>).subscribe();
      expect(open).toBe(1);
    });
  });

  describe('no leaked subscriptions', () => {
    it("should not keep a listener on a long-lived caller's signal for each call", () => {
      const parent = new AbortController();
      const listeners = listenerCount(parent.signal);
      const { apply, signals } = recording();
      const wrapped = monoApply(apply);
      for (let i = 0; i < 1000; i++) wrapped(i, parent.signal);
      expect(listeners()).toBeLessThanOrEqual(1);
      parent.abort();
      expect(signals[999]!.aborted).toBe(true);
    });
  });

  describe('per-wrapper state', () => {
    it('should keep two wrappers of the same apply apart', () => {
      const { apply, signals } = recording();
      const first = monoApply(apply);
      const second = monoApply(apply);
      const parent = new AbortController().signal;
      first(1, parent);
      second(2, parent);
      expect(signals.map((s) => s.aborted)).toEqual([false, false]);
      first(3, parent);
      expect(signals.map((s) => s.aborted)).toEqual([true, false, false]);
    });

    it("should not abort a later call when an earlier call's own caller signal aborts", () => {
      const { apply, signals } = recording();
      const wrapped = monoApply(apply);
      const p1 = new AbortController();
      const p2 = new AbortController();
      wrapped(1, p1.signal);
      wrapped(2, p2.signal);
      p1.abort();
      expect(signals.map((s) => s.aborted)).toEqual([true, false]);
      p2.abort();
      expect(signals[1]!.aborted).toBe(true);
    });
  });

  describe('errors', () => {
    it('should let what apply throws propagate as it is, and abort that call on the next one', () => {
      const thrown = 'not even an Error';
      const { apply, signals } = recording((n) => {
        if (n === 0) throw thrown;
      });
      const wrapped = monoApply(apply);
      const parent = new AbortController().signal;
      let caught: unknown;
      try {
        wrapped(1, parent);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBe(thrown);
      wrapped(2, parent);
      expect(signals[0]!.aborted).toBe(true);
      expect(signals[1]!.aborted).toBe(false);
    });
  });
});
