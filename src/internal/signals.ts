/** What a caller needs of an AbortController: its signal, and a way to abort it. */
export interface Abortable {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

/**
 * A controller whose signal also aborts, with the same reason, when `parent` does.
 *
 * Where the platform has `AbortSignal.any` (Node 20.3+, current browsers) the link is held
 * weakly, so a long-lived parent does not keep every child it ever had: a child that was
 * never aborted (a successful call) costs the parent nothing once it is dropped. Elsewhere
 * the link is a listener on the parent, dropped when the child aborts.
 */
export function childController(parent: AbortSignal | undefined): Abortable {
  const own = new AbortController();
  if (parent === undefined) return own;
  if (typeof AbortSignal.any === 'function') {
    const signal = AbortSignal.any([parent, own.signal]);
    return { signal, abort: (reason?: unknown) => own.abort(reason) };
  }
  if (parent.aborted) own.abort(parent.reason);
  else parent.addEventListener('abort', () => own.abort(parent.reason), { once: true, signal: own.signal });
  return own;
}

/**
 * Abort reasons made once. Building a fresh `DOMException` for every abort captures a stack
 * trace each time, which costs more than everything else a stop does; these say why the
 * signal aborted, and are frozen so that no holder can change them for the others.
 */
export const abortReasons = Object.freeze({
  /** The service stopped: its run ended. */
  stopped: Object.freeze(new DOMException('the service stopped', 'AbortError')),
  /** A new load (or a new call, for monoApply) took over from this one. */
  superseded: Object.freeze(new DOMException('a newer load took over', 'AbortError')),
});
