/**
 * Lifecycles that are not Services, for the ServiceMap property test, and the summary recount.
 * - `Wrapped` forwards to a Service and counts the subscriptions to its streams, so the test
 *   can see whether the map let go of them;
 * - `Copying` hands out copies of the Service's States: equal content, a new object at every
 *   read, from the getter and from every stream (issue 15 #3: the map must not wait on object
 *   identity).
 */
import { map, Observable } from 'rxjs';
import { statusOf, type Lifecycle, type RawConfig, type Service, type ServiceMapSummary, type State, type StateRecord } from 'rx-lifecycle';

export class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

export function fail(message: string): never {
  throw new PropertyFailure(message);
}

/** A Lifecycle that is not a Service: the map must follow it by subscribing. Counts those subscriptions. */
export class Wrapped implements Lifecycle {
  subscriptions = 0;

  constructor(
    readonly inner: Service<unknown>,
    readonly refuseStart: boolean,
    /** stop() of an inactive one throws a plain Error, not AlreadyStoppedError: delete() fails. */
    readonly refuseStop = false,
  ) {}

  start(): State {
    if (this.refuseStart) throw new Error('start refused');
    return this.out(this.inner.start());
  }

  configure(data: RawConfig): State {
    return this.out(this.inner.configure(data));
  }

  stop(): State {
    if (this.refuseStop && !this.inner.state.active) throw new Error('cannot stop');
    return this.out(this.inner.stop());
  }

  get state(): State {
    return this.out(this.inner.state);
  }

  get state$(): Observable<State> {
    return this.counted(this.inner.state$);
  }

  stateChanges(): Observable<State> {
    return this.counted(this.inner.stateChanges());
  }

  stateAndChanges(): [State, Observable<State>] {
    const [state, changes] = this.inner.stateAndChanges();
    return [this.out(state), this.counted(changes)];
  }

  /** What it hands out for a State of the inner service. */
  protected out(state: State): State {
    return state;
  }

  private counted(source: Observable<State>): Observable<State> {
    return new Observable<State>((subscriber) => {
      this.subscriptions++;
      const subscription = source.pipe(map((s) => this.out(s))).subscribe(subscriber);
      return () => {
        this.subscriptions--;
        subscription.unsubscribe();
      };
    });
  }
}

/** A Wrapped that hands out a fresh frozen copy of every State. */
export class Copying extends Wrapped {
  protected override out(state: State): State {
    return Object.freeze({ ...state });
  }
}

/** The content of a State, to compare a copy with the original. */
export function sameContent(a: State, b: State): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof State>;
  return [...keys].every((k) => a[k] === b[k]);
}

export function recount(states: readonly StateRecord[]): ServiceMapSummary {
  const byKind: Record<string, number> = {};
  let active = 0;
  let loading = 0;
  let retrying = 0;
  let failed = 0;
  for (const r of states) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    if (r.state.active) active++;
    if (r.state.loading) loading++;
    const status = statusOf(r.state);
    if (status === 'retrying') retrying++;
    if (status === 'failed') failed++;
  }
  return sortKinds({ total: states.length, active, loading, retrying, failed, byKind });
}

export function sortKinds(s: ServiceMapSummary): ServiceMapSummary {
  const byKind: Record<string, number> = {};
  for (const k of Object.keys(s.byKind).sort()) byKind[k] = s.byKind[k]!;
  return { total: s.total, active: s.active, loading: s.loading, retrying: s.retrying, failed: s.failed, byKind };
}
