import { Observable } from 'rxjs';
import { isFailed, isRetrying } from '../internal/readings.js';
import type { StateChange, StateRecordBase } from '../records.js';
import type { ServiceMapSummary } from '../ServiceStates.js';
import type { State } from '../State.js';

/** A record that may be marked stale (a fleet's record of a silent node). */
type MaybeStale = StateRecordBase & { readonly stale?: boolean | undefined };

/** The numbers behind `summary$`, kept up to date one change at a time. */
class Counts {
  total = 0;
  active = 0;
  loading = 0;
  retrying = 0;
  failed = 0;
  stale = 0;
  byKind: Readonly<Record<string, number>> = {};

  /** Adds (`sign` 1) or takes away (-1) one record. */
  count(record: MaybeStale, sign: 1 | -1): void {
    this.total += sign;
    const left = (this.byKind[record.kind] ?? 0) + sign;
    const { [record.kind]: _old, ...rest } = this.byKind;
    this.byKind = left > 0 ? { ...rest, [record.kind]: left } : rest;
    if (record.stale) this.stale += sign;
    else this.#countState(record.state, sign);
  }

  /** Moves one record from `before` to `after` (same id and kind). */
  update(before: MaybeStale, after: MaybeStale): void {
    if (before.stale) this.stale--;
    else this.#countState(before.state, -1);
    if (after.stale) this.stale++;
    else this.#countState(after.state, 1);
  }

  snapshot(withStale: boolean): ServiceMapSummary {
    const { total, active, loading, retrying, failed, stale, byKind } = this;
    const summary = withStale
      ? { total, active, loading, retrying, failed, byKind, stale }
      : { total, active, loading, retrying, failed, byKind };
    Object.freeze(byKind);
    return Object.freeze(summary);
  }

  #countState(state: State<unknown>, sign: 1 | -1): void {
    if (state.active) this.active += sign;
    if (state.loading) this.loading += sign;
    if (isRetrying(state)) this.retrying += sign;
    else if (isFailed(state)) this.failed += sign;
  }
}

function same(a: ServiceMapSummary, b: ServiceMapSummary): boolean {
  return (
    a.total === b.total &&
    a.active === b.active &&
    a.loading === b.loading &&
    a.retrying === b.retrying &&
    a.failed === b.failed &&
    a.stale === b.stale &&
    a.byKind === b.byKind
  );
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
    const counts = new Counts();
    for (const record of records) counts.count(record, 1);
    let last = counts.snapshot(withStale);
    subscriber.next(last);
    return changes.subscribe((change) => {
      const { oldValue, newValue } = change;
      if (oldValue && newValue) counts.update(oldValue, newValue);
      else if (newValue) counts.count(newValue, 1);
      else if (oldValue) counts.count(oldValue, -1);
      const next = counts.snapshot(withStale);
      if (!same(last, next)) subscriber.next((last = next));
    });
  });
}
