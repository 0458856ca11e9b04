import { config } from 'rxjs';

/**
 * Reports an error that has no caller to go to (a throwing logger or `onStop`) the way
 * RxJS reports errors thrown by subscribers: to `config.onUnhandledError` when it is set,
 * otherwise rethrown on a fresh call stack, so it is never swallowed and never breaks the
 * code that was running.
 */
export function reportUnhandledError(err: unknown): void {
  setTimeout(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(err);
    else throw err;
  });
}

/** Calls `fn(...args)`, reporting instead of throwing what it throws. */
export function callSafely<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
  try {
    fn(...args);
  } catch (err) {
    reportUnhandledError(err);
  }
}

/**
 * An `Error` for any thrown value: itself when it is one (the caller's own error, left as it
 * is), else a frozen wrapper with it as `cause`.
 */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : frozenError(new Error(String(value), { cause: value }));
}

/**
 * Freezes an error the library made, so that a State holding it is deep-frozen. The stack is
 * read first: V8 formats it lazily, into the object, which a frozen object would refuse.
 */
export function frozenError<E extends Error>(error: E): E {
  void error.stack;
  return Object.freeze(error);
}
