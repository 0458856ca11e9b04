import { BehaviorSubject, Observable, Subject } from 'rxjs';
import type { ServiceMapSummary, ServiceStates } from '../ServiceStates.js';
import type { StateChange } from '../records.js';
import { PersistentMap, PersistentMapView } from '../internal/persistentMap.js';
import type { RemoteStateRecord } from './RemoteStateRecord.js';
import { SummaryCounts } from '../views/SummaryCounts.js';
import { StateOfId } from '../views/stateOfId.js';

/**
 * The records of a remote map as a client holds them, with every stream of
 * {@link ServiceStates}, kept up to date one batch of changes at a time. It never shows an
 * id twice: an `add` of an id it holds is applied as an `update`, an `update` of an id it
 * lacks as an `add`, a `remove` of an id it lacks is dropped. Every stream costs the same per
 * change whatever the number of records.
 */
export class MirrorStore<R extends RemoteStateRecord = RemoteStateRecord> implements ServiceStates<R> {
  readonly #records = new Map<string, R>();
  /** The persistent copy behind `states$`, kept only while someone subscribes to it. */
  #persistent: PersistentMap<R> | undefined;
  #viewers = 0;
  readonly #views = new Subject<ReadonlyMap<string, R>>();
  readonly #changes = new Subject<StateChange<R>>();
  readonly #counts: SummaryCounts;
  readonly #summary$: BehaviorSubject<ServiceMapSummary>;
  readonly #stateOf = new StateOfId<R>(
    () => this.#changes,
    (id) => this.#records.get(id)?.state,
  );

  /** @param withStale - count stale records apart in `summary$` (fleets). */
  constructor(withStale = false) {
    this.#counts = new SummaryCounts(withStale);
    this.#summary$ = new BehaviorSubject(this.#counts.snapshot());
  }

  get size(): number {
    return this.#records.size;
  }

  get(id: string): R | undefined {
    return this.#records.get(id);
  }

  states(): R[] {
    return [...this.#records.values()];
  }

  getAndListenState(): [R[], Observable<StateChange<R>>] {
    return [this.states(), this.#changes.asObservable()];
  }

  get states$(): Observable<ReadonlyMap<string, R>> {
    return new Observable<ReadonlyMap<string, R>>((subscriber) => {
      if (this.#viewers++ === 0) this.#persistent = PersistentMap.from(this.#records);
      subscriber.next(new PersistentMapView(this.#persistent!));
      const subscription = this.#views.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (--this.#viewers === 0) this.#persistent = undefined;
      };
    });
  }

  get summary$(): Observable<ServiceMapSummary> {
    return this.#summary$.asObservable();
  }

  stateOf$(id: string): Observable<R['state'] | undefined> {
    return this.#stateOf.stateOf$(id);
  }

  /**
   * Applies `changes` in order, then publishes them: each change to the listeners and to the
   * `stateOf$` watchers of its id, then `states$` once and `summary$` once if it moved.
   * @returns the changes as applied (normalized, see the class remarks).
   */
  apply(changes: readonly StateChange<R>[]): StateChange<R>[] {
    const applied: StateChange<R>[] = [];
    for (const change of changes) {
      const record = change.newValue ?? change.oldValue;
      if (record === undefined) continue;
      const before = this.#records.get(record.id);
      if (change.changeType === 'remove') {
        if (before === undefined) continue;
        this.#records.delete(record.id);
        if (this.#persistent) this.#persistent = this.#persistent.delete(record.id);
        this.#counts.remove(before);
        applied.push({ changeTime: change.changeTime, changeType: 'remove', oldValue: before });
      } else {
        const after = change.newValue!;
        this.#records.set(after.id, after);
        if (this.#persistent) this.#persistent = this.#persistent.set(after.id, after);
        if (before === undefined) {
          this.#counts.add(after);
          applied.push({ changeTime: change.changeTime, changeType: 'add', newValue: after });
        } else {
          this.#counts.update(before, after);
          applied.push({ changeTime: change.changeTime, changeType: 'update', oldValue: before, newValue: after });
        }
      }
    }
    if (applied.length === 0) return applied;
    for (const change of applied) this.#changes.next(change);
    if (this.#persistent) this.#views.next(new PersistentMapView(this.#persistent));
    const summary = this.#counts.snapshot();
    if (summary !== this.#summary$.value) this.#summary$.next(summary);
    return applied;
  }

  /** Ends every stream. */
  complete(): void {
    this.#changes.complete();
    this.#views.complete();
    this.#summary$.complete();
  }
}
