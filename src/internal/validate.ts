/**
 * Argument checks shared by every constructor and factory, so that a bad option fails at
 * construction with a message naming the field and the value, not later inside a timer.
 */

/** Renders a rejected value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** A function. */
export function requiredFunction(field: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${field} must be a function, got ${show(value)}`);
}

/** `undefined`, or a function. */
export function optionalFunction(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${field} must be a function, got ${show(value)}`);
  }
}

/** `undefined`, or a finite number no smaller than `min`. */
export function optionalNumber(field: string, value: unknown, min: number, exclusive = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number') throw new TypeError(`${field} must be a number, got ${show(value)}`);
  if (!Number.isFinite(value) || value < min || (exclusive && value === min)) {
    throw new RangeError(`${field} must be a finite number ${exclusive ? '>' : '>='} ${min}, got ${show(value)}`);
  }
}

/**
 * The longest wait a timer can take: Node (and browsers) turn a longer `setTimeout` into
 * 1 ms, which would make a retry loop of a long delay.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** `undefined`, or a timer delay in ms: `0 <= value <= MAX_TIMER_DELAY` (or `> 0` when `positive`). */
export function optionalDelay(field: string, value: unknown, positive = false): void {
  optionalNumber(field, value, 0, positive);
  if (value !== undefined && (value as number) > MAX_TIMER_DELAY) {
    throw new RangeError(`${field} must be at most ${MAX_TIMER_DELAY} ms (about 24.8 days, the longest a timer can wait), got ${show(value)}`);
  }
}

/** `undefined`, or a number in `[0, 1]`. */
export function optionalFraction(field: string, value: unknown): void {
  optionalNumber(field, value, 0);
  if (value !== undefined && (value as number) > 1) {
    throw new RangeError(`${field} must be between 0 and 1, got ${show(value)}`);
  }
}

/** `undefined`, or an integer `>= 0`. */
export function optionalCount(field: string, value: unknown): void {
  optionalNumber(field, value, 0);
  if (value !== undefined && !Number.isInteger(value)) {
    throw new RangeError(`${field} must be an integer >= 0, got ${show(value)}`);
  }
}

/** `undefined`, or one of `allowed`. */
export function optionalOneOf(field: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new TypeError(`${field} must be one of ${allowed.map(show).join(', ')}, got ${show(value)}`);
  }
}

/** `undefined`, or an object (not null, not an array). */
export function optionalObject(field: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new TypeError(`${field} must be an object, got ${show(value)}`);
  }
}

/** `undefined`, or an RxJS `SchedulerLike` (has `now()` and `schedule()`). */
export function optionalScheduler(field: string, value: unknown): void {
  if (value === undefined) return;
  const s = value as { now?: unknown; schedule?: unknown } | null;
  if (s === null || typeof s !== 'object' || typeof s.now !== 'function' || typeof s.schedule !== 'function') {
    throw new TypeError(`${field} must be an RxJS SchedulerLike with now() and schedule(), got ${show(value)}`);
  }
}
