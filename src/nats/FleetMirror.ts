import type { RemoteStateRecord } from '../client/RemoteStateRecord.js';
import { MirrorStore } from '../client/MirrorStore.js';
import { sameRemoteState } from '../client/sameState.js';

/**
 * The read side of a fleet: a mirror of every record the bucket holds, with the streams of
 * `ServiceStates` and `stale` counted apart in `summary$`. It is the remote client's mirror,
 * fed one record at a time by `natsFleet` instead of by batches of wire changes.
 * @internal
 */
export class FleetMirror extends MirrorStore<RemoteStateRecord> {
  readonly #now: () => number;

  constructor(now: () => number) {
    super(true);
    this.#now = now;
  }

  /** Adds or replaces the record of `record.id`; publishes nothing when it is unchanged. */
  put(record: RemoteStateRecord): void {
    const old = this.get(record.id);
    if (old !== undefined && sameRecord(old, record)) return;
    const changeType = old === undefined ? 'add' : 'update';
    this.apply([{ changeTime: this.#now(), changeType, oldValue: old, newValue: record }]);
  }

  /** Removes the record `id`, if there is one. */
  remove(id: string): void {
    const old = this.get(id);
    if (old !== undefined) this.apply([{ changeTime: this.#now(), changeType: 'remove', oldValue: old }]);
  }
}

/** Whether two records show the same thing: kind, stale mark and State (as it travels). */
function sameRecord(a: RemoteStateRecord, b: RemoteStateRecord): boolean {
  return a.kind === b.kind && Boolean(a.stale) === Boolean(b.stale) && sameRemoteState(a.state, b.state);
}
