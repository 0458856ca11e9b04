import type { ApplyFunc } from '../ApplyFunc.js';
import { abortReasons, childController, type Abortable } from '../internal/signals.js';
import { requiredFunction } from '../internal/validate.js';

/**
 * Wraps `apply` so that each call aborts the signal it gave the previous call: at most one
 * generation of the work it starts is alive at a time.
 *
 * @remarks
 * A {@link Service} aborts an apply's signal when the attempt fails or the run ends, but a
 * successful load keeps its signal alive through later loads of the same run (an Observable
 * apply is the exception: the next load closes it). Wrap an apply that starts background work
 * tied to its signal with `monoApply` when the new config should replace the old work.
 * Each call's signal still aborts when the signal given to the wrapper does.
 *
 * @param apply - the apply to wrap.
 * @returns an apply with the same results, whose every call aborts the previous call's signal.
 * @throws TypeError when `apply` is not a function.
 * @example
 * ```ts
 * import { Service, monoApply } from 'rx-lifecycle';
 *
 * const service = new Service(
 *   monoApply((config: { ms: number }, signal) => {
 *     const timer = setInterval(() => console.log('tick'), config.ms);
 *     signal.addEventListener('abort', () => clearInterval(timer));
 *   }),
 * );
 * service.start();
 * service.configure('{"ms":1000}');
 * service.configure('{"ms":500}'); // the 1000 ms interval is cleared
 * service.stop(); // and the 500 ms one
 * ```
 * @see {@link retryApply}
 * @category Operators
 */
export function monoApply<C>(apply: ApplyFunc<C>): ApplyFunc<C> {
  requiredFunction('apply', apply);
  let previous: Abortable | undefined;
  return (config, signal) => {
    previous?.abort(abortReasons.superseded);
    const controller = childController(signal);
    previous = controller;
    return apply(config, controller.signal);
  };
}
