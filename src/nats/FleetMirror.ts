import { BehaviorSubject, Observable, Subject, distinctUntilChanged } from 'rxjs';
import type { ServiceMapSummary, ServiceStates } from '../ServiceStates.js';
import type { StateChange } from '../records.js';
import { statusOf } from '../statusOf.js';
import type { RemoteStateRecord } from '../client/RemoteStateRecord.js';
import { PersistentMap, PersistentMapView } from '../internal/persistentMap.js';

type Record_ = RemoteStateRecord;
type StateOf = Record_['state'];

/**
 * The read side of a fleet: every record the bucket holds, kept up to date one change at a
 * time by {@link natsFleet}, with the streams of {@link ServiceStates}. Every stream costs the
 * same per change whatever the number of records.
 * @internal
 */
export class FleetMirror implements ServiceStates<Record_> {
  readonly #now: () => number;
  readonly #records = new Map<string, Record_>();
  readonly #changes = new Subject<StateChange<Record_>>();
  readonly #counts = new Counts();
  readonly #summary: BehaviorSubject<ServiceMapSummary>;
  readonly #watchers = new Map<string, Set<(state: StateOf | undefined) => void>>();
  /** The persistent snapshot behind `states$`, kept only while someone subscribes. */
  #snapshot: PersistentMap<Record_> | undefined;
  #snapshotUsers = 0;
  readonly #views = new Subject<ReadonlyMap<string, Record_>>();

  constructor(now: () => number) {
    this.#now = now;
    this.#summary = new BehaviorSubject(this.#counts.snapshot());
  }

  /** The record of a fleet id. */
  get(id: string): Record_ | undefined {
    return this.#records.get(id);
  }

  /** Every record, as a plain iterable (no copy). */
  records(): IterableIterator<Record_> {
    return this.#records.values();
  }

  states(): Record_[] {
    return [...this.#records.values()];
  }

  getAndListenState(): [Record_[], Observable<StateChange<Record_>>] {
    return [this.states(), this.#changes.asObservable()];
  }

  get states$(): Observable<ReadonlyMap<string, Record_>> {
    return new Observable<ReadonlyMap<string, Record_>>((subscriber) => {
      if (this.#snapshotUsers++ === 0) this.#snapshot = PersistentMap.from([...this.#records].map(([id, r]) => [id, r] as const));
      const subscription = this.#views.subscribe(subscriber);
      subscriber.next(new PersistentMapView(this.#snapshot!));
      return () => {
        subscription.unsubscribe();
        if (--this.#snapshotUsers === 0) this.#snapshot = undefined;
      };
    });
  }

  get summary$(): Observable<ServiceMapSummary> {
    return this.#summary.asObservable();
  }

  stateOf$(id: string): Observable<StateOf | undefined> {
    return new Observable<StateOf | undefined>((subscriber) => {
      const watch = (state: StateOf | undefined) => subscriber.next(state);
      let set = this.#watchers.get(id);
      if (set === undefined) this.#watchers.set(id, (set = new Set()));
      set.add(watch);
      subscriber.next(this.#records.get(id)?.state);
      return () => {
        set.delete(watch);
        if (set.size === 0 && this.#watchers.get(id) === set) this.#watchers.delete(id);
      };
    }).pipe(distinctUntilChanged());
  }

  /** Adds or replaces the record of `record.id`; publishes nothing when it is unchanged. */
  put(record: Record_): void {
    const old = this.#records.get(record.id);
    if (old !== undefined && sameRecord(old, record)) return;
    this.#records.set(record.id, record);
    this.#publish(old === undefined ? 'add' : 'update', old, record);
  }

  /** Removes the record `id`, if there is one. */
  remove(id: string): void {
    const old = this.#records.get(id);
    if (old === undefined) return;
    this.#records.delete(id);
    this.#publish('remove', old, undefined);
  }

  /** Ends every stream. */
  complete(): void {
    this.#changes.complete();
    this.#views.complete();
    this.#summary.complete();
  }

  #publish(changeType: StateChange['changeType'], oldValue: Record_ | undefined, newValue: Record_ | undefined): void {
    const id = (newValue ?? oldValue)!.id;
    if (this.#counts.apply(oldValue, newValue)) this.#summary.next(this.#counts.snapshot());
    if (this.#snapshot !== undefined) {
      this.#snapshot = newValue === undefined ? this.#snapshot.delete(id) : this.#snapshot.set(id, newValue);
      this.#views.next(new PersistentMapView(this.#snapshot));
    }
    const watchers = this.#watchers.get(id);
    if (watchers !== undefined) for (const watch of [...watchers]) watch(newValue?.state);
    this.#changes.next({ changeTime: this.#now(), changeType, oldValue, newValue });
  }
}

/** Whether two records show the same thing (States compared field by field, errors by what travels). */
function sameRecord(a: Record_, b: Record_): boolean {
  if (a.kind !== b.kind || Boolean(a.stale) !== Boolean(b.stale)) return false;
  const x = a.state;
  const y = b.state;
  if (x === y) return true;
  return (
    x.active === y.active &&
    x.loading === y.loading &&
    x.failedAttempts === y.failedAttempts &&
    x.config === y.config &&
    x.lastInactiveTime === y.lastInactiveTime &&
    x.lastActiveTime === y.lastActiveTime &&
    x.lastErrorTime === y.lastErrorTime &&
    x.lastConfigTime === y.lastConfigTime &&
    x.lastLoadingStartTime === y.lastLoadingStartTime &&
    x.lastLoadingEndTime === y.lastLoadingEndTime &&
    x.nextAttemptTime === y.nextAttemptTime &&
    sameError(x.error, y.error)
  );
}

function sameError(a: Error | undefined, b: Error | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.name === b.name && a.message === b.message && (a as { code?: unknown }).code === (b as { code?: unknown }).code;
}

/** The counts behind `summary$`: a stale record counts in `total`, `byKind` and `stale` only. */
class Counts {
  total = 0;
  active = 0;
  loading = 0;
  retrying = 0;
  failed = 0;
  stale = 0;
  byKind: Record<string, number> = {};
  #last: ServiceMapSummary | undefined;

  /** Applies a change; tells whether any count moved. */
  apply(oldValue: Record_ | undefined, newValue: Record_ | undefined): boolean {
    const before = this.#last;
    const sameKind = oldValue !== undefined && newValue !== undefined && oldValue.kind === newValue.kind;
    if (oldValue !== undefined) this.#count(oldValue, -1, !sameKind);
    if (newValue !== undefined) this.#count(newValue, 1, !sameKind);
    return (
      before === undefined ||
      before.total !== this.total ||
      before.active !== this.active ||
      before.loading !== this.loading ||
      before.retrying !== this.retrying ||
      before.failed !== this.failed ||
      before.stale !== this.stale ||
      before.byKind !== this.byKind
    );
  }

  snapshot(): ServiceMapSummary {
    const { total, active, loading, retrying, failed, stale } = this;
    return (this.#last = Object.freeze({ total, active, loading, retrying, failed, byKind: this.byKind, stale }));
  }

  #count(record: Record_, delta: number, membership: boolean): void {
    if (membership) {
      this.total += delta;
      const left = (this.byKind[record.kind] ?? 0) + delta;
      const { [record.kind]: _gone, ...rest } = this.byKind;
      this.byKind = Object.freeze(left > 0 ? { ...rest, [record.kind]: left } : rest);
    }
    if (record.stale) {
      this.stale += delta;
      return;
    }
    const { state } = record;
    if (state.active) this.active += delta;
    if (state.loading) this.loading += delta;
    const status = statusOf(state);
    if (status === 'retrying') this.retrying += delta;
    else if (status === 'failed') this.failed += delta;
  }
}
