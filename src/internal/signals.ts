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
