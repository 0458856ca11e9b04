import { Observable } from 'rxjs';
import type { ServiceMapSummary } from '../ServiceStates.js';
import type { State } from '../State.js';
import { isFailed, isRetrying } from '../internal/readings.js';
import type { StateChange, StateRecordBase } from '../records.js';

/** A record as counted: a fleet's may be stale. */
type Counted = StateRecordBase & { readonly stale?: boolean | undefined };

/**
 * The counts behind every `summary$` (a local map's, a remote mirror's, a fleet's), kept one
 * change at a time, never by walking the map. With `withStale` (fleets), a stale record counts
 * in `total`, `byKind` and `stale` only.
 * @internal
 */
export class SummaryCounts {
  #total = 0;
  #active = 0;
  #loading = 0;
  #retrying = 0;
  #failed = 0;
  #stale = 0;
  #byKind: Readonly<Record<string, number>> = Object.freeze({});
  #last: ServiceMapSummary | undefined;

  constructor(readonly withStale: boolean) {}

  add(record: Counted): void {
    this.#total++;
    this.#byKind = Object.freeze({ ...this.#byKind, [record.kind]: (this.#byKind[record.kind] ?? 0) + 1 });
    this.#count(record, 1);
  }

  remove(record: Counted): void {
    this.#total--;
    const left = (this.#byKind[record.kind] ?? 0) - 1;
    const { [record.kind]: _gone, ...rest } = this.#byKind;
    this.#byKind = Object.freeze(left > 0 ? { ...rest, [record.kind]: left } : rest);
    this.#count(record, -1);
  }

  update(before: Counted, after: Counted): void {
    if (before.kind !== after.kind) {
      this.remove(before);
      this.add(after);
      return;
    }
    this.#count(before, -1);
    this.#count(after, 1);
  }

  /** The summary now: the same object as last time when no count moved. */
  snapshot(): ServiceMapSummary {
    const last = this.#last;
    if (
      last !== undefined &&
      last.total === this.#total &&
      last.active === this.#active &&
      last.loading === this.#loading &&
      last.retrying === this.#retrying &&
      last.failed === this.#failed &&
      last.byKind === this.#byKind &&
      (last.stale ?? 0) === this.#stale
    ) {
      return last;
    }
    const summary = {
      total: this.#total,
      active: this.#active,
      loading: this.#loading,
      retrying: this.#retrying,
      failed: this.#failed,
      byKind: this.#byKind,
      ...(this.withStale ? { stale: this.#stale } : {}),
    };
    return (this.#last = Object.freeze(summary));
  }

  #count(record: Counted, delta: number): void {
    if (record.stale) {
      this.#stale += delta;
      return;
    }
    const state: State<unknown> = record.state;
    if (state.active) this.#active += delta;
    if (state.loading) this.#loading += delta;
    if (isRetrying(state)) this.#retrying += delta;
    else if (isFailed(state)) this.#failed += delta;
  }
}

/**
 * The `summary$` of any map: counts at once, then whenever they change, kept incrementally
 * (a change never walks the map).
 * @param getAndListenState - the map's atomic snapshot and stream of later changes.
 * @param withStale - include the `stale` count (fleets).
 * @internal
 */
export function summaryCounts<R extends StateRecordBase>(
  getAndListenState: () => [R[], Observable<StateChange<R>>],
  withStale = false,
): Observable<ServiceMapSummary> {
  return new Observable<ServiceMapSummary>((subscriber) => {
    const [records, changes] = getAndListenState();
    const counts = new SummaryCounts(withStale);
    for (const record of records) counts.add(record);
    let last = counts.snapshot();
    subscriber.next(last);
    return changes.subscribe((change) => {
      const { oldValue, newValue } = change;
      if (oldValue && newValue) counts.update(oldValue, newValue);
      else if (newValue) counts.add(newValue);
      else if (oldValue) counts.remove(oldValue);
      const next = counts.snapshot();
      if (next !== last) subscriber.next((last = next));
    });
  });
}
