import { Observable, from, isObservable, observable, throwError, timeout as timeoutWith, type SchedulerLike } from 'rxjs';
import { TimeoutError } from '../errors.js';
import { frozenError } from './reportError.js';
import type { ApplyFunc } from '../ApplyFunc.js';
import { childController } from './signals.js';

/** How one attempt is run. */
export interface AttemptOptions {
  /** The attempt's signal also aborts when this one does. */
  readonly parent?: AbortSignal | undefined;
  /** Fail an attempt that has not settled after this many ms. */
  readonly timeout?: number | undefined;
  readonly scheduler: SchedulerLike;
  /** Why an attempt that is unsubscribed before it completed aborts (its signal's reason). */
  readonly cancelReason?: (() => unknown) | undefined;
}

/**
 * One apply attempt as an Observable. Each subscription calls `apply(config, signal)` with a
 * fresh signal and mirrors what it returned: `void` (or any plain value) is one `undefined`
 * value and completion, at once; a promise (any thenable) its settlement; an Observable
 * itself, as the background task it is. A synchronous throw is an error.
 *
 * The signal aborts, before the error is passed on, when the attempt fails, and when the
 * subscription ends before the attempt completed (the task was switched off or its run
 * ended). A completed attempt's signal lives on, a child of `parent`.
 */
export function applyAttempt<C>(apply: ApplyFunc<C>, config: C, options: AttemptOptions): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const controller = childController(options.parent);
    let result: unknown;
    try {
      result = apply(config, controller.signal);
    } catch (err) {
      controller.abort(err);
      subscriber.error(err);
      return;
    }
    const later = asyncResult(result);
    if (later === undefined) {
      // Settled before anyone hears of it, so a reaction to the success finds it settled.
      subscriber.next(undefined);
      subscriber.complete();
      return;
    }
    // A promise has settled at its value; an Observable is a task that runs on after it.
    let { source } = later;
    const { settlesAtValue } = later;
    const limit = options.timeout;
    if (limit !== undefined) {
      source = source.pipe(
        timeoutWith({ first: limit, scheduler: options.scheduler, with: () => throwError(() => frozenError(new TimeoutError(limit))) }),
      );
    }
    let completed = false;
    const settle = () => {
      completed = true;
    };
    const inner = source.subscribe({
      next: (value) => {
        if (settlesAtValue && !completed) settle();
        subscriber.next(value);
      },
      error: (err: unknown) => {
        controller.abort(err);
        subscriber.error(err);
      },
      complete: () => {
        if (!completed) settle();
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      if (!completed) controller.abort(options.cancelReason?.());
    };
  });
}

/** How a result that is not known at once arrives. */
export interface AsyncResult {
  readonly source: Observable<unknown>;
  /** A promise (settled at its value), not a task that runs on after its first value. */
  readonly settlesAtValue: boolean;
}

/**
 * The result as an Observable when it settles later, `undefined` when it is a plain value. A
 * thenable is adopted once, by `Promise.resolve`, whatever its `then` does.
 */
export function asyncResult(result: unknown): AsyncResult | undefined {
  if (result === undefined || result === null) return undefined;
  if (isObservable(result)) return { source: result, settlesAtValue: false };
  if (typeof result !== 'object' && typeof result !== 'function') return undefined;
  if (typeof (result as Record<string | symbol, unknown>)[observable] === 'function') {
    return { source: from(result as Parameters<typeof from>[0]), settlesAtValue: false };
  }
  if (typeof (result as PromiseLike<unknown>).then === 'function') {
    // Promise.resolve adopts any thenable, so a hand-rolled one behaves like a promise.
    return { source: from(Promise.resolve(result as PromiseLike<unknown>)), settlesAtValue: true };
  }
  return undefined;
}
