import { Observable } from 'rxjs';
import type { ServiceStates, StateRecordBase } from 'rx-lifecycle';

/** Open subscriptions per stream of a {@link countingStates} wrapper. */
export interface OpenSubscriptions {
  states: number;
  summary: number;
  stateOf: Record<string, number>;
}

/** Counts the open subscriptions of an Observable in `count`. */
function tracked<T>(source$: Observable<T>, count: (delta: number) => void): Observable<T> {
  return new Observable<T>((subscriber) => {
    count(+1);
    const sub = source$.subscribe(subscriber);
    return () => {
      count(-1);
      sub.unsubscribe();
    };
  });
}

/**
 * A `ServiceStates` that is not a ServiceMap (as a remote mirror is not): it forwards to
 * `inner` and counts the subscriptions open on each of its streams.
 */
export function countingStates<R extends StateRecordBase>(inner: ServiceStates<R>): [ServiceStates<R>, OpenSubscriptions] {
  const open: OpenSubscriptions = { states: 0, summary: 0, stateOf: {} };
  const states$ = tracked(inner.states$, (d) => (open.states += d));
  const summary$ = tracked(inner.summary$, (d) => (open.summary += d));
  const source: ServiceStates<R> = {
    states: () => inner.states(),
    getAndListenState: () => inner.getAndListenState(),
    states$,
    summary$,
    stateOf$: (id) => tracked(inner.stateOf$(id), (d) => (open.stateOf[id] = (open.stateOf[id] ?? 0) + d)),
  };
  return [source, open];
}
