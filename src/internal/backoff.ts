import type { RetryOptions } from '../operators/retryBackoff.js';
import { optionalCount, optionalDelay, optionalFraction, optionalFunction, optionalNumber, optionalObject } from './validate.js';

/**
 * A retry policy as a value: validated once, then asked after each failure. It is kept apart
 * from the loop that waits and resubscribes (`backoff` in `operators/retryBackoff.ts`).
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
  return {
    initialDelay: options.initialDelay ?? DEFAULTS.initialDelay,
    factor: options.factor ?? DEFAULTS.factor,
    maxDelay: options.maxDelay ?? DEFAULTS.maxDelay,
    minDelay: options.minDelay ?? DEFAULTS.minDelay,
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    jitter: options.jitter ?? DEFAULTS.jitter,
    random: options.random ?? DEFAULTS.random,
    resetAfter: options.resetAfter ?? DEFAULTS.resetAfter,
  };
}

/**
 * The wait before the attempt that follows failure number `failures` (1-based):
 * `initialDelay * factor^(failures - 1)`, capped at `maxDelay`, raised to `minDelay`,
 * then reduced by up to `jitter` of itself at random. Jitter may take it below `minDelay`.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  // 0 * Infinity is NaN: with no initial delay the growth stays 0, however many failures.
  const grown = policy.initialDelay === 0 ? 0 : policy.initialDelay * policy.factor ** (failures - 1);
  const delay = Math.max(Math.min(grown, policy.maxDelay), policy.minDelay);
  return policy.jitter === 0 ? delay : delay * (1 - policy.jitter * policy.random());
}

/** Whether failure number `failures` ends the retries (AbortRetryError is decided by the caller). */
export function exhausted(policy: BackoffPolicy, failures: number): boolean {
  return policy.maxAttempts > 0 && failures >= policy.maxAttempts;
}
