import type { Subscription } from 'rxjs';
import type { ChangeType, StateChange, StateRecordBase } from '../records.js';
import type { State } from '../State.js';
import type { CommandTarget } from '../internal/commands.js';
import { toWireRecord } from '../internal/wire.js';
import { Journal } from './Journal.js';
import { sseEvent } from './sse.js';

/** A record as the hub keeps it: its State, and its wire JSON written once per change. */
export interface HubRecord {
  readonly id: string;
  readonly kind: string;
  readonly state: State<unknown>;
  /** The record's wire JSON (`{"id":..,"kind":..,"state":{..}}`). */
  readonly json: string;
}

/** One numbered change: kept in the journal, written once per variant for every client. */
export class ChangeEntry {
  readonly #frames: Partial<Record<ChangeType, string>> = {};

  constructor(
    readonly seq: number,
    readonly type: ChangeType,
    readonly time: number,
    readonly id: string,
    readonly kind: string,
    readonly oldState: State<unknown> | undefined,
    readonly newState: State<unknown> | undefined,
    /** The wire JSON of the record the event carries: the new one, or the last for a remove. */
    readonly recordJson: string,
    readonly epoch: string,
  ) {}

  /**
   * The SSE frame of this change as an event of `type` (a filter may show an update as an add
   * or a remove). Serialized on first use, then shared by every client.
   */
  frame(type: ChangeType): string {
    let frame = this.#frames[type];
    if (frame === undefined) {
      const data = `{"type":"${type}","time":${JSON.stringify(this.time)},${this.recordJson.slice(1)}`;
      frame = sseEvent('change', data, `${this.epoch}:${this.seq}`);
      this.#frames[type] = frame;
    }
    return frame;
  }
}

/** What a hub delivers changes to. */
export interface ChangeSink {
  offer(entry: ChangeEntry): void;
}

/** A random epoch, new at each server start, so that seqs of an earlier run are never resumed. */
function newEpoch(): string {
  return Math.floor(Math.random() * 2 ** 48).toString(36) + Date.now().toString(36);
}

/**
 * One map as the server holds it: one subscription to the map's changes, numbered by a seq
 * counter within a random epoch, a journal of the last changes, and each record's wire JSON.
 * A change is serialized here once, whatever the number of clients.
 */
export class MapHub {
  readonly epoch = newEpoch();
  #seq = 0;
  readonly #records = new Map<string, HubRecord>();
  #sorted: string[] | undefined;
  readonly #journal: Journal<ChangeEntry>;
  readonly #sinks = new Set<ChangeSink>();
  readonly #subscription: Subscription;

  constructor(
    readonly name: string,
    readonly source: CommandTarget,
    readonly exposeConfig: boolean,
    journalSize: number,
  ) {
    this.#journal = new Journal(journalSize);
    const [records, changes] = source.getAndListenState();
    for (const record of records) this.#records.set(record.id, this.#hubRecord(record));
    this.#subscription = (changes as import('rxjs').Observable<StateChange<StateRecordBase>>).subscribe((change) => this.#onChange(change));
  }

  /** The seq of the last change (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  /** Number of records. */
  get size(): number {
    return this.#records.size;
  }

  /** The record `id`, if any. */
  get(id: string): HubRecord | undefined {
    return this.#records.get(id);
  }

  /** Every record, in the order they were added. */
  records(): IterableIterator<HubRecord> {
    return this.#records.values();
  }

  /** The ids sorted (by UTF-16 code units), cached until a record is added or removed. */
  sortedIds(): readonly string[] {
    this.#sorted ??= [...this.#records.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.#sorted;
  }

  /** The changes after `seq`, when the journal covers them all; see {@link Journal.since}. */
  since(seq: number): ChangeEntry[] | undefined {
    return this.#journal.since(seq, this.#seq);
  }

  /** Delivers every later change to `sink`, until {@link MapHub.detach}. */
  attach(sink: ChangeSink): void {
    this.#sinks.add(sink);
  }

  detach(sink: ChangeSink): void {
    this.#sinks.delete(sink);
  }

  /** Every sink attached now. */
  sinks(): ChangeSink[] {
    return [...this.#sinks];
  }

  close(): void {
    this.#subscription.unsubscribe();
    this.#sinks.clear();
  }

  #hubRecord(record: StateRecordBase): HubRecord {
    const json = JSON.stringify(toWireRecord(record, this.exposeConfig));
    return { id: record.id, kind: record.kind, state: record.state, json };
  }

  #onChange(change: StateChange<StateRecordBase>): void {
    const record = change.newValue ?? change.oldValue;
    if (record === undefined) return;
    const { id } = record;
    const before = this.#records.get(id);
    let carried: HubRecord;
    if (change.changeType === 'remove') {
      if (before === undefined) return;
      this.#records.delete(id);
      this.#sorted = undefined;
      carried = change.oldValue === undefined || change.oldValue.state === before.state ? before : this.#hubRecord(change.oldValue);
    } else {
      carried = this.#hubRecord(change.newValue!);
      if (before === undefined) this.#sorted = undefined;
      this.#records.set(id, carried);
    }
    // An add of an id present, or an update of one absent, is reported as what it does here.
    const type: ChangeType = change.changeType === 'remove' ? 'remove' : before === undefined ? 'add' : 'update';
    const entry = new ChangeEntry(
      ++this.#seq,
      type,
      change.changeTime,
      id,
      carried.kind,
      before?.state,
      type === 'remove' ? undefined : carried.state,
      carried.json,
      this.epoch,
    );
    this.#journal.push(entry);
    for (const sink of this.#sinks) sink.offer(entry);
  }
}
