/**
 * Helpers of the ServiceMap tests (test/serviceMap/): maps of plain Services, a Lifecycle that is
 * not a Service, and listeners that record every stream of a map and replay it like a UI store.
 */
import { BehaviorSubject, Observable, VirtualTimeScheduler, type Subscription } from 'rxjs';
import {
  AlreadyStartedError,
  AlreadyStoppedError,
  Service,
  ServiceMap,
  idIsRequired,
  statusOf,
  type Change,
  type Lifecycle,
  type RawConfig,
  type ServiceMapSummary,
  type ServiceRecord,
  type State,
  type StateChange,
  type StateRecord,
} from 'rx-lifecycle';

/** Subscribes to `source` and keeps every value. */
export function record<T>(source: Observable<T>): { values: T[]; subscription: Subscription } {
  const values: T[] = [];
  const subscription = source.subscribe((value) => values.push(value));
  return { values, subscription };
}

/** A Service whose apply does nothing and succeeds at once. */
export function plainService(): Service {
  return new Service(() => {});
}

/** A map of plain Services that requires ids. */
export function plainMap(options: { now?: () => number } = {}): ServiceMap {
  return new ServiceMap(() => plainService(), idIsRequired, options);
}

/** An apply that throws on its first `failures` calls, then succeeds. */
export function failing(failures: number): () => void {
  let calls = 0;
  return () => {
    calls++;
    if (calls <= failures) throw new Error(`failure ${calls}`);
  };
}

/** Runs the scheduler's actions due at or before `time`. */
export function advanceTo(scheduler: VirtualTimeScheduler, time: number): void {
  scheduler.maxFrames = time;
  scheduler.flush();
}

/** The service of record `id`. */
export function serviceOf(map: ServiceMap, id: string): Lifecycle {
  const found = map.get(id);
  if (found === undefined) throw new Error(`no record ${id}`);
  return found.service;
}

/** A short, readable form of a StateChange. */
export function brief(change: StateChange): string {
  const value = change.newValue ?? change.oldValue!;
  return `${change.changeType} ${value.id} ${statusOf(value.state)}`;
}

/**
 * Applies `changes` to `snapshot` the way a UI store would, and throws on anything missed or
 * repeated: an `add` of a record already held, an `update`/`remove` of a record not held, or
 * an `oldValue` that is not the State last seen for that record.
 */
export function replay(snapshot: readonly StateRecord[], changes: readonly StateChange[]): Map<string, StateRecord> {
  const out = new Map<string, StateRecord>();
  for (const r of snapshot) out.set(r.id, r);
  changes.forEach((c, i) => {
    const at = `change #${i} (${c.changeType} ${c.newValue?.id ?? c.oldValue?.id})`;
    if (c.changeType === 'add') {
      if (c.oldValue !== undefined || c.newValue === undefined) throw new Error(`${at}: an add has only a newValue`);
      if (out.has(c.newValue.id)) throw new Error(`${at}: repeats a record the listener already has`);
      out.set(c.newValue.id, c.newValue);
      return;
    }
    const old = c.oldValue;
    if (old === undefined) throw new Error(`${at}: has no oldValue`);
    const current = out.get(old.id);
    if (current === undefined) throw new Error(`${at}: the listener never saw this record`);
    if (current.state !== old.state) throw new Error(`${at}: oldValue is not the last State the listener saw`);
    if (c.changeType === 'update') {
      if (c.newValue === undefined || c.newValue.id !== old.id) throw new Error(`${at}: an update has the same record old and new`);
      out.set(old.id, c.newValue);
    } else {
      if (c.newValue !== undefined) throw new Error(`${at}: a remove has only an oldValue`);
      out.delete(old.id);
    }
  });
  return out;
}

/** Applies record Changes to a snapshot, throwing on anything missed or repeated. */
export function replayRecords(snapshot: readonly ServiceRecord[], changes: readonly Change[]): Map<string, ServiceRecord> {
  const out = new Map<string, ServiceRecord>();
  for (const r of snapshot) out.set(r.id, r);
  changes.forEach((c, i) => {
    if (c.changeType === 'add') {
      if (out.has(c.newValue!.id)) throw new Error(`change #${i}: repeats the add of ${c.newValue!.id}`);
      out.set(c.newValue!.id, c.newValue!);
    } else if (c.changeType === 'remove') {
      if (!out.has(c.oldValue!.id)) throw new Error(`change #${i}: removes ${c.oldValue!.id}, never seen`);
      out.delete(c.oldValue!.id);
    } else {
      throw new Error(`change #${i}: listen() published an ${c.changeType}`);
    }
  });
  return out;
}

/** `view` holds exactly the records of `map.states()`, with the same State objects. */
export function expectSameAsStates(map: ServiceMap, view: ReadonlyMap<string, StateRecord>): void {
  const states = map.states();
  expect([...view.keys()].sort()).toEqual(states.map((r) => r.id).sort());
  for (const r of states) {
    const seen = view.get(r.id);
    expect(seen?.state).toBe(r.state);
    expect(seen?.kind).toBe(r.kind);
    expect(seen?.service).toBe(r.service);
  }
}

/** The summary counted from scratch. */
export function recount(records: readonly StateRecord[]): ServiceMapSummary {
  const byKind: Record<string, number> = {};
  let active = 0;
  let loading = 0;
  let retrying = 0;
  let failed = 0;
  for (const { kind, state } of records) {
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (state.active) active++;
    if (state.loading) loading++;
    if (state.loading && state.nextAttemptTime !== undefined) retrying++;
    if (statusOf(state) === 'failed') failed++;
  }
  return { total: records.length, active, loading, retrying, failed, byKind };
}

/**
 * A Lifecycle that is not a Service: it logs its calls and counts the subscriptions to its
 * change streams, so a test can see whether a ServiceMap let go of them.
 */
export class FakeLifecycle implements Lifecycle {
  subscriptions = 0;
  parseError: Error | undefined = undefined;
  readonly #subject = new BehaviorSubject<State>(
    Object.freeze({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 0 }),
  );

  constructor(readonly log: string[] = []) {}

  get state(): State {
    return this.#subject.value;
  }

  get state$(): Observable<State> {
    return this.#subject.asObservable();
  }

  start(): State {
    this.log.push('start');
    if (this.state.active) throw new AlreadyStartedError();
    return this.#set({ ...this.state, active: true });
  }

  configure(data: RawConfig): State {
    this.log.push(typeof data === 'string' ? `configure ${data}` : `configure bytes(${data.byteLength})`);
    if (this.parseError !== undefined) throw this.parseError;
    return this.#set({ ...this.state, config: data });
  }

  stop(): State {
    this.log.push('stop');
    if (!this.state.active) throw new AlreadyStoppedError();
    return this.#set({ ...this.state, active: false });
  }

  stateChanges(): Observable<State> {
    return this.#after(undefined);
  }

  stateAndChanges(): [State, Observable<State>] {
    const snapshot = this.state;
    return [snapshot, this.#after(snapshot)];
  }

  #set(next: State): State {
    Object.freeze(next);
    this.#subject.next(next);
    return next;
  }

  #after(snapshot: State | undefined): Observable<State> {
    return new Observable<State>((subscriber) => {
      this.subscriptions++;
      let first = true;
      const inner = this.#subject.subscribe((state) => {
        if (first) {
          first = false;
          if (snapshot === undefined || state === snapshot) return;
        }
        subscriber.next(state);
      });
      return () => {
        this.subscriptions--;
        inner.unsubscribe();
      };
    });
  }
}

/** Subscribes every stream of `map` and records what each one delivers. */
export function listenToAll(map: ServiceMap) {
  const records = record(map.listen());
  const [snapshot, stateChanges$] = map.getAndListenState();
  const stateChanges = record(stateChanges$);
  const states = record(map.states$);
  const summaries = record(map.summary$);
  return {
    records: records.values,
    snapshot,
    stateChanges: stateChanges.values,
    states: states.values,
    summaries: summaries.values,
    unsubscribe(): void {
      records.subscription.unsubscribe();
      stateChanges.subscription.unsubscribe();
      states.subscription.unsubscribe();
      summaries.subscription.unsubscribe();
    },
  };
}
