import { AbortRetryError } from '../../src/errors';
import { backoffDelay, backoffPolicy, defaultPolicy, noRetryPolicy, Streak, type BackoffPolicy } from '../../src/internal/backoff';

const policy = (overrides: Partial<BackoffPolicy> = {}): BackoffPolicy => ({ ...defaultPolicy, ...overrides });

describe('backoffPolicy', () => {
  it('should fill in the spec defaults', () => {
    const p = backoffPolicy({});
    expect(p).toEqual({
      initialDelay: 500,
      factor: 1.5,
      maxDelay: 30000,
      minDelay: 500,
      maxAttempts: 0,
      jitter: 0,
      random: Math.random,
      resetAfter: 0,
      log: undefined,
      field: 'options',
    });
  });

  it('should return the defaults for undefined options', () => {
    expect(backoffPolicy(undefined)).toEqual(defaultPolicy);
    expect(defaultPolicy.initialDelay).toBe(500);
    expect(defaultPolicy.maxAttempts).toBe(0);
  });

  it('should keep the given values', () => {
    const random = () => 0.25;
    const p = backoffPolicy({ initialDelay: 100, factor: 2, maxDelay: 1000, minDelay: 10, maxAttempts: 4, jitter: 0.5, random, resetAfter: 60 });
    expect(p).toEqual({ initialDelay: 100, factor: 2, maxDelay: 1000, minDelay: 10, maxAttempts: 4, jitter: 0.5, random, resetAfter: 60, log: undefined, field: 'options' });
  });

  it('should accept the edge values', () => {
    expect(() => backoffPolicy({ initialDelay: 0, factor: 1, maxDelay: 0, minDelay: 0, maxAttempts: 0, jitter: 0, resetAfter: 0 })).not.toThrow();
    expect(() => backoffPolicy({ jitter: 1 })).not.toThrow();
  });

  describe('validation', () => {
    const delays = ['initialDelay', 'maxDelay', 'minDelay', 'resetAfter'] as const;

    it.each(delays)('should throw a RangeError naming %s for a negative value', (field) => {
      expect(() => backoffPolicy({ [field]: -1 })).toThrow(RangeError);
      expect(() => backoffPolicy({ [field]: -1 })).toThrow(field);
    });

    it.each(delays)('should throw a RangeError naming %s for NaN and Infinity', (field) => {
      for (const value of [NaN, Infinity, -Infinity]) {
        expect(() => backoffPolicy({ [field]: value })).toThrow(RangeError);
        expect(() => backoffPolicy({ [field]: value })).toThrow(field);
      }
    });

    it.each(delays)('should throw a TypeError naming %s for a non-number', (field) => {
      expect(() => backoffPolicy({ [field]: '500' } as never)).toThrow(TypeError);
      expect(() => backoffPolicy({ [field]: '500' } as never)).toThrow(field);
    });

    it('should throw a RangeError naming factor when it is below 1', () => {
      expect(() => backoffPolicy({ factor: 0.99 })).toThrow(RangeError);
      expect(() => backoffPolicy({ factor: 0.99 })).toThrow('factor');
      expect(() => backoffPolicy({ factor: NaN })).toThrow('factor');
    });

    it('should throw a RangeError naming jitter outside 0..1', () => {
      for (const jitter of [-0.1, 1.1, NaN]) {
        expect(() => backoffPolicy({ jitter })).toThrow(RangeError);
        expect(() => backoffPolicy({ jitter })).toThrow('jitter');
      }
    });

    it('should throw a RangeError naming maxAttempts for a non-integer or a negative count', () => {
      for (const maxAttempts of [1.5, -1, NaN, Infinity]) {
        expect(() => backoffPolicy({ maxAttempts })).toThrow(RangeError);
        expect(() => backoffPolicy({ maxAttempts })).toThrow('maxAttempts');
      }
    });

    it('should throw a TypeError naming random and logger when they are not functions', () => {
      expect(() => backoffPolicy({ random: 0.5 } as never)).toThrow(TypeError);
      expect(() => backoffPolicy({ random: 0.5 } as never)).toThrow('random');
      expect(() => backoffPolicy({ logger: 'console' } as never)).toThrow(TypeError);
      expect(() => backoffPolicy({ logger: 'console' } as never)).toThrow('logger');
    });

    it('should throw a TypeError for options that are not an object', () => {
      expect(() => backoffPolicy(null as never)).toThrow(TypeError);
      expect(() => backoffPolicy(5 as never)).toThrow(TypeError);
    });

    it('should prefix the field with the given path', () => {
      expect(() => backoffPolicy({ factor: 0 }, 'options.retry')).toThrow('options.retry.factor');
    });

    it('should name the rejected value', () => {
      expect(() => backoffPolicy({ initialDelay: -5 })).toThrow('-5');
    });
  });
});

describe('backoffDelay', () => {
  it('should grow from initialDelay by factor per failure', () => {
    const p = policy();
    expect(backoffDelay(p, 1)).toBe(500);
    expect(backoffDelay(p, 2)).toBe(750);
    expect(backoffDelay(p, 3)).toBe(1125);
    expect(backoffDelay(p, 4)).toBe(1687.5);
  });

  it('should follow initialDelay * factor^(failures-1)', () => {
    const p = policy({ initialDelay: 1000, factor: 2, maxDelay: 1e9 });
    for (let n = 1; n <= 10; n++) expect(backoffDelay(p, n)).toBe(1000 * 2 ** (n - 1));
  });

  it('should stay at initialDelay with factor 1', () => {
    const p = policy({ initialDelay: 800, factor: 1 });
    expect([1, 2, 3, 50].map((n) => backoffDelay(p, n))).toEqual([800, 800, 800, 800]);
  });

  it('should cap at maxDelay', () => {
    const p = policy({ initialDelay: 1000, factor: 2, maxDelay: 5000 });
    expect([1, 2, 3, 4, 5, 100].map((n) => backoffDelay(p, n))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('should cap at the default 30 s', () => {
    expect(backoffDelay(policy(), 1000)).toBe(30000);
  });

  it('should raise to minDelay after the cap', () => {
    expect(backoffDelay(policy({ initialDelay: 10, minDelay: 500 }), 1)).toBe(500);
    // the floor wins over a lower cap
    expect(backoffDelay(policy({ initialDelay: 10, maxDelay: 100, minDelay: 500 }), 1)).toBe(500);
    expect(backoffDelay(policy({ initialDelay: 0, minDelay: 0 }), 3)).toBe(0);
  });

  it('should default minDelay to 500', () => {
    expect(backoffDelay(policy({ initialDelay: 100 }), 1)).toBe(500);
  });

  describe('jitter', () => {
    it('should take up to jitter of the delay off at random', () => {
      expect(backoffDelay(policy({ jitter: 0.5, random: () => 0 }), 1)).toBe(500);
      expect(backoffDelay(policy({ jitter: 0.5, random: () => 0.5 }), 1)).toBe(375);
      expect(backoffDelay(policy({ jitter: 0.5, random: () => 0.999 }), 1)).toBeCloseTo(250.25, 10);
      expect(backoffDelay(policy({ jitter: 1, random: () => 0.5 }), 2)).toBe(375);
    });

    it('should apply after the floor, so it may go below minDelay', () => {
      expect(backoffDelay(policy({ initialDelay: 100, minDelay: 400, jitter: 0.5, random: () => 0.5 }), 1)).toBe(300);
    });

    it('should apply after the cap', () => {
      expect(backoffDelay(policy({ initialDelay: 1000, factor: 10, maxDelay: 2000, jitter: 0.25, random: () => 1 - 2 ** -20 }), 5)).toBeGreaterThan(1500);
      expect(backoffDelay(policy({ initialDelay: 1000, factor: 10, maxDelay: 2000, jitter: 0.25, random: () => 0.5 }), 5)).toBe(1750);
    });

    it('should stay within (delay * (1 - jitter), delay] for any random in [0, 1)', () => {
      const p0 = policy({ initialDelay: 1000, factor: 2 });
      for (let i = 0; i < 100; i++) {
        const r = i / 100;
        const p = { ...p0, jitter: 0.3, random: () => r };
        for (let n = 1; n <= 5; n++) {
          const full = backoffDelay(p0, n);
          const d = backoffDelay(p, n);
          expect(d).toBeLessThanOrEqual(full);
          expect(d).toBeGreaterThan(full * 0.7);
        }
      }
    });

    it('should call random once per delay with jitter', () => {
      const random = jest.fn(() => 0.5);
      backoffDelay(policy({ jitter: 0.1, random }), 1);
      expect(random).toHaveBeenCalledTimes(1);
    });
  });
});

/** Whether failure number `n` of a fresh streak ends the retries. */
function givesUpAt(p: BackoffPolicy, n: number): boolean {
  const streak = new Streak(p, 0);
  let verdict = streak.failed(new Error('x'), 0);
  for (let i = 1; i < n; i++) verdict = streak.failed(new Error('x'), 0);
  return !verdict.retry;
}

describe('Streak', () => {
  it('should never give up with maxAttempts 0', () => {
    for (const n of [1, 2, 100, 1000]) expect(givesUpAt(policy({ maxAttempts: 0 }), n)).toBe(false);
  });

  it('should give up at the maxAttempts-th failure', () => {
    const p = policy({ maxAttempts: 3 });
    expect(givesUpAt(p, 1)).toBe(false);
    expect(givesUpAt(p, 2)).toBe(false);
    expect(givesUpAt(p, 3)).toBe(true);
  });

  it('should give up at the first failure when retry is off', () => {
    expect(givesUpAt(noRetryPolicy, 1)).toBe(true);
  });

  it('should give up at an AbortRetryError with its cause, unwrapped', () => {
    const cause = new Error('fatal');
    const verdict = new Streak(policy(), 0).failed(new AbortRetryError(cause), 5);
    expect(verdict).toEqual({ retry: false, cause, context: { attempt: 1, error: cause, delay: 0, t0: 0 } });
  });

  it('should count from zero again after running resetAfter, with t0 at the failure', () => {
    const streak = new Streak(policy({ resetAfter: 100 }), 0);
    streak.failed(new Error('a'), 10);
    streak.succeeded(20);
    expect(streak.failed(new Error('b'), 50).context).toMatchObject({ attempt: 2, t0: 50 });
    streak.succeeded(60);
    expect(streak.failed(new Error('c'), 160).context).toMatchObject({ attempt: 1, t0: 160 });
  });

  it('should give up, naming the field, when random returns a value outside [0, 1)', () => {
    const verdict = new Streak(policy({ jitter: 0.5, random: () => Number.NaN, field: 'options.retry' }), 0).failed(new Error('x'), 0);
    expect(verdict.retry).toBe(false);
    expect(verdict.context.error).toBeInstanceOf(RangeError);
    expect(verdict.context.error!.message).toMatch(/^options\.retry\.random must return a number in \[0, 1\)/);
    expect(Object.isFrozen(verdict.context.error)).toBe(true);
  });
});
