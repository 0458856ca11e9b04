/**
 * An AbortController whose signal also aborts, with the same reason, when `parent` does.
 * The link is dropped as soon as the child aborts, so short-lived children of a long-lived
 * parent do not pile up as listeners.
 */
export function childController(parent: AbortSignal | undefined): AbortController {
  const child = new AbortController();
  if (parent !== undefined) {
    if (parent.aborted) child.abort(parent.reason);
    else parent.addEventListener('abort', () => child.abort(parent.reason), { once: true, signal: child.signal });
  }
  return child;
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
