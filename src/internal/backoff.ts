import { AbortRetryError } from '../errors.js';
import type { RetryContext, RetryOptions } from '../RetryOptions.js';
import { callSafely, frozenError, toError } from './reportError.js';
import { optionalCount, optionalDelay, optionalFraction, optionalFunction, optionalNumber, optionalObject } from './validate.js';

/**
 * A retry policy as a value: validated once, then asked after each failure. The loops that
 * wait and try again (the Service's own, and the `retryBackoff` operator's) keep their count
 * in a {@link Streak} of it.
 */
export interface BackoffPolicy {
  readonly initialDelay: number;
  readonly factor: number;
  readonly maxDelay: number;
  readonly minDelay: number;
  /** Failures after which the retries stop; 0 = never. */
  readonly maxAttempts: number;
  readonly jitter: number;
  readonly random: () => number;
  /** How long a source must have run after its first value for a failure to count from 0. */
  readonly resetAfter: number;
  /** Told of every attempt's outcome; never throws (what it throws is reported). */
  readonly log: ((ctx: RetryContext) => void) | undefined;
  /** Where the options came from, to name `random` in an error. */
  readonly field: string;
}

const DEFAULTS: BackoffPolicy = Object.freeze({
  initialDelay: 500,
  factor: 1.5,
  maxDelay: 30_000,
  minDelay: 500,
  maxAttempts: 0,
  jitter: 0,
  random: Math.random,
  resetAfter: 0,
  log: undefined,
  field: 'options',
});

/** The default policy (`retry: true`). */
export const defaultPolicy: BackoffPolicy = DEFAULTS;

/** No retries at all: the first failure ends the load (retry absent or `false`). */
export const noRetryPolicy: BackoffPolicy = Object.freeze({ ...DEFAULTS, maxAttempts: 1 });

/**
 * Validates `options` and fills in the defaults.
 * @throws TypeError or RangeError naming the field, for a bad option.
 */
export function backoffPolicy(options: RetryOptions | undefined, field = 'options'): BackoffPolicy {
  if (options === undefined) return DEFAULTS;
  optionalObject(field, options);
  optionalDelay(`${field}.initialDelay`, options.initialDelay);
  optionalNumber(`${field}.factor`, options.factor, 1);
  optionalDelay(`${field}.maxDelay`, options.maxDelay);
  optionalDelay(`${field}.minDelay`, options.minDelay);
  optionalCount(`${field}.maxAttempts`, options.maxAttempts);
  optionalFraction(`${field}.jitter`, options.jitter);
  optionalFunction(`${field}.random`, options.random);
  optionalFunction(`${field}.logger`, options.logger);
  optionalNumber(`${field}.resetAfter`, options.resetAfter, 0);
  const logger = options.logger;
  return {
    initialDelay: options.initialDelay ?? DEFAULTS.initialDelay,
    factor: options.factor ?? DEFAULTS.factor,
    maxDelay: options.maxDelay ?? DEFAULTS.maxDelay,
    minDelay: options.minDelay ?? DEFAULTS.minDelay,
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    jitter: options.jitter ?? DEFAULTS.jitter,
    random: options.random ?? DEFAULTS.random,
    resetAfter: options.resetAfter ?? DEFAULTS.resetAfter,
    log: logger && ((ctx: RetryContext) => callSafely(logger, ctx)),
    field,
  };
}

/**
 * The wait before the attempt that follows failure number `failures` (1-based):
 * `initialDelay * factor^(failures - 1)`, capped at `maxDelay`, raised to `minDelay`,
 * then reduced by up to `jitter` of itself at random. Jitter may take it below `minDelay`.
 * @throws TypeError when `random` returns a non-number, RangeError for a number outside
 * `[0, 1)`; whatever it throws.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  // 0 * Infinity is NaN: with no initial delay the growth stays 0, however many failures.
  const grown = policy.initialDelay === 0 ? 0 : policy.initialDelay * policy.factor ** (failures - 1);
  const delay = Math.max(Math.min(grown, policy.maxDelay), policy.minDelay);
  if (policy.jitter === 0) return delay;
  const r = policy.random();
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
    const message = `${policy.field}.random must return a number in [0, 1), got ${String(r)}`;
    throw frozenError(typeof r === 'number' ? new RangeError(message) : new TypeError(message));
  }
  return delay * (1 - policy.jitter * r);
}

/** What a {@link Streak} decided about a failure, with what the logger is to be told. */
export type Verdict =
  /** Try again after `delay` ms. */
  | { readonly retry: true; readonly delay: number; readonly context: RetryContext }
  /** Give up; `cause` is what to pass on (an AbortRetryError's cause, unwrapped). */
  | { readonly retry: false; readonly cause: unknown; readonly context: RetryContext };

/**
 * One streak of attempts under a policy: the failure count, when it began (`t0`), and since
 * when the source has been running (for `resetAfter`). The Service and the operators feed it
 * outcomes and act on its verdicts; it decides, and never schedules or logs anything itself
 * (each caller logs once its own state is settled).
 */
export class Streak {
  readonly #policy: BackoffPolicy;
  #failures = 0;
  #t0: number;
  #runningSince: number | undefined;

  constructor(policy: BackoffPolicy, t0: number) {
    this.#policy = policy;
    this.#t0 = t0;
  }

  /** An attempt succeeded (its first value, or completion) at `now`. */
  succeeded(now: number): RetryContext {
    this.#runningSince = now;
    return { attempt: this.#failures, error: undefined, delay: 0, t0: this.#t0 };
  }

  /**
   * An attempt failed at `now` with `err`. A source that had been running counts from zero
   * again when it ran at least `resetAfter`, and its streak begins now. A `random` that
   * throws or returns a value outside `[0, 1)` gives up with that error.
   */
  failed(err: unknown, now: number): Verdict {
    const policy = this.#policy;
    if (this.#runningSince !== undefined) {
      if (now - this.#runningSince >= policy.resetAfter) this.#failures = 0;
      this.#runningSince = undefined;
      this.#t0 = now;
    }
    const attempt = ++this.#failures;
    const t0 = this.#t0;
    if (err instanceof AbortRetryError || (policy.maxAttempts > 0 && attempt >= policy.maxAttempts)) {
      const cause = err instanceof AbortRetryError ? err.cause : err;
      return { retry: false, cause, context: { attempt, error: toError(cause), delay: 0, t0 } };
    }
    try {
      const delay = backoffDelay(policy, attempt);
      return { retry: true, delay, context: { attempt, error: toError(err), delay, t0 } };
    } catch (randomError) {
      return { retry: false, cause: randomError, context: { attempt, error: toError(randomError), delay: 0, t0 } };
    }
  }
}
