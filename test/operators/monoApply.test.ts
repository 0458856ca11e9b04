import { of } from 'rxjs';
import { monoApply } from 'rx-lifecycle';

describe('monoApply', () => {
  it('should throw a TypeError naming apply for a non-function', () => {
    for (const bad of [undefined, null, 1, 'apply', {}]) {
      expect(() => monoApply(bad as never)).toThrow(TypeError);
      expect(() => monoApply(bad as never)).toThrow('apply');
    }
  });

  it('should pass the config through', () => {
    const apply = jest.fn();
    const wrapped = monoApply<{ a: number }>(apply);
    const config = { a: 1 };
    wrapped(config, new AbortController().signal);
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0][0]).toBe(config);
  });

  it('should give each call a fresh signal, not the parent itself', () => {
    const signals: AbortSignal[] = [];
    const wrapped = monoApply((_: unknown, signal) => void signals.push(signal));
    const parent = new AbortController().signal;
    wrapped(1, parent);
    wrapped(2, parent);
    expect(signals).toHaveLength(2);
    expect(signals[0]).not.toBe(parent);
    expect(signals[1]).not.toBe(parent);
    expect(signals[0]).not.toBe(signals[1]);
  });

  it("should abort the previous call's signal on each call", () => {
    const signals: AbortSignal[] = [];
    const wrapped = monoApply((_: unknown, signal) => void signals.push(signal));
    const parent = new AbortController().signal;
    wrapped(1, parent);
    expect(signals[0]!.aborted).toBe(false);
    wrapped(2, parent);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    wrapped(3, parent);
    expect(signals[1]!.aborted).toBe(true);
    expect(signals[2]!.aborted).toBe(false);
    expect(parent.aborted).toBe(false);
  });

  it('should abort the previous signal before the next apply runs', () => {
    const seen: boolean[] = [];
    let previous: AbortSignal | undefined;
    const wrapped = monoApply((_: unknown, signal) => {
      seen.push(previous?.aborted ?? true);
      previous = signal;
    });
    const parent = new AbortController().signal;
    wrapped(1, parent);
    wrapped(2, parent);
    expect(seen).toEqual([true, true]);
  });

  it("should abort the previous call's signal even when the calls have different parents", () => {
    const signals: AbortSignal[] = [];
    const wrapped = monoApply((_: unknown, signal) => void signals.push(signal));
    wrapped(1, new AbortController().signal);
    wrapped(2, new AbortController().signal);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('should propagate a parent abort, with its reason', () => {
    const signals: AbortSignal[] = [];
    const wrapped = monoApply((_: unknown, signal) => void signals.push(signal));
    const parent = new AbortController();
    wrapped(1, parent.signal);
    const reason = new Error('stopped');
    parent.abort(reason);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBe(reason);
  });

  it('should hand out an aborted signal when the parent is already aborted', () => {
    const signals: AbortSignal[] = [];
    const wrapped = monoApply((_: unknown, signal) => void signals.push(signal));
    const parent = new AbortController();
    const reason = new Error('gone');
    parent.abort(reason);
    wrapped(1, parent.signal);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBe(reason);
  });

  it('should pass the result through: void, promise and Observable', () => {
    const promise = Promise.resolve();
    const obs = of(1);
    const parent = new AbortController().signal;
    expect(monoApply(() => undefined)(1, parent)).toBeUndefined();
    expect(monoApply(() => promise)(1, parent)).toBe(promise);
    expect(monoApply(() => obs)(1, parent)).toBe(obs);
  });

  it('should let an exception from apply through', () => {
    const err = new Error('boom');
    const wrapped = monoApply(() => {
      throw err;
    });
    expect(() => wrapped(1, new AbortController().signal)).toThrow(err);
  });

  it('should keep separate generations for separately wrapped applies', () => {
    const a: AbortSignal[] = [];
    const b: AbortSignal[] = [];
    const wa = monoApply((_: unknown, s) => void a.push(s));
    const wb = monoApply((_: unknown, s) => void b.push(s));
    const parent = new AbortController().signal;
    wa(1, parent);
    wb(1, parent);
    expect(a[0]!.aborted).toBe(false);
    wb(2, parent);
    expect(a[0]!.aborted).toBe(false);
    expect(b[0]!.aborted).toBe(true);
  });
});
