import { Observable } from 'rxjs';
import { PersistentMap, PersistentMapView } from '../internal/persistentMap.js';
import type { StateChange, StateRecordBase } from '../records.js';

/**
 * The `states$` of any map: its records as an immutable `ReadonlyMap` from id to record, at
 * once and then once per change. Each map shares all but one path with the one before (a
 * persistent hash trie), so a change costs O(log n), not a copy of the map.
 * @param getAndListenState - the map's atomic snapshot and stream of later changes.
 * @internal
 */
export function statesSnapshots<R extends StateRecordBase>(
  getAndListenState: () => [R[], Observable<StateChange<R>>],
): Observable<ReadonlyMap<string, R>> {
  return new Observable<ReadonlyMap<string, R>>((subscriber) => {
    const [records, changes] = getAndListenState();
    let snapshot = PersistentMap.from(records.map((r) => [r.id, r] as const));
    subscriber.next(new PersistentMapView(snapshot));
    return changes.subscribe((change) => {
      snapshot =
        change.changeType === 'remove' ? snapshot.delete(change.oldValue!.id) : snapshot.set(change.newValue!.id, change.newValue!);
      subscriber.next(new PersistentMapView(snapshot));
    });
  });
}
