import type { State } from '../State.js';

/**
 * The readings of a State that more than one part of the library makes: one vocabulary for
 * `statusOf`, `lifecycleEvents` and `summary$`, so that they can never disagree.
 */

/** Loading, with a retry pending: an attempt failed and the next one is scheduled. */
export function isRetrying(state: State<unknown>): boolean {
  return state.loading && state.nextAttemptTime !== undefined;
}

/**
 * Inactive because of an error: its last failure came at or after it became inactive, as
 * when a load gives up. A stop in the same millisecond as the last failure reads as failed.
 */
export function isFailed(state: State<unknown>): boolean {
  const { error, lastErrorTime, lastInactiveTime } = state;
  return (
    !state.active &&
    error !== undefined &&
    lastErrorTime !== undefined &&
    (lastInactiveTime === undefined || lastErrorTime >= lastInactiveTime)
  );
}

/** A failure happened between `prev` and `next`: a new error, a new error time, or more failures. */
export function failedBetween(prev: State<unknown>, next: State<unknown>): boolean {
  return (
    next.error !== undefined &&
    (next.lastErrorTime !== prev.lastErrorTime || next.error !== prev.error || next.failedAttempts > prev.failedAttempts)
  );
}
