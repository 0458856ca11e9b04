import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import type { EventSourceMessage } from 'eventsource-parser';
import type { StateChange } from '../records.js';
import { fromWireRecord, type WireRecord } from '../internal/wire.js';
import type { MirrorStore } from './MirrorStore.js';
import { readEvents } from './readEvents.js';
import type { RemoteStateRecord } from './RemoteStateRecord.js';
import { errorFromAnswer, networkError } from './remoteErrors.js';
import { sameRemoteState } from './sameState.js';

/** Where a mirror stands in the server's numbering of changes. */
export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** What a {@link WatchAttempt} reports to its map. */
export interface AttemptHooks {
  /** The mirror caught up: after a complete snapshot, or at once when resumed. */
  onLive(position: Position, clockOffset: number): void;
  /** A change was applied. */
  onApplied(position: Position): void;
  /** The stream failed (the attempt errors right after). */
  onFailed(error: Error): void;
  /** The error to fail with for an error answer of `status` (wrapped to stop retrying, or not). */
  fatal(status: number, error: Error): Error;
}

interface ChangeEvent extends WireRecord {
  readonly type: 'add' | 'update' | 'remove';
  readonly time: number;
}

function positionOf(id: string | undefined): Position | undefined {
  if (id === undefined) return undefined;
  const at = id.lastIndexOf(':');
  const seq = Number(id.slice(at + 1));
  return at > 0 && Number.isInteger(seq) ? { epoch: id.slice(0, at), seq } : undefined;
}

/**
 * One connection of the watch stream: emits once when the mirror is live, applies every later
 * event to the mirror, and errors when the stream fails or ends (so that `retryBackoff`
 * reconnects). A fresh snapshot is collected whole, then applied as the differences from the
 * mirror, so listeners never see a reset.
 */
export class WatchAttempt {
  #snapshot: Map<string, RemoteStateRecord> | undefined;
  #snapshotTime = 0;
  #clockOffset = 0;
  #heartbeatMs = 0;
  #lastActivity = 0;

  constructor(
    readonly url: string,
    readonly fetchImpl: typeof fetch,
    readonly headers: () => Promise<Record<string, string>>,
    readonly from: Position | undefined,
    readonly store: MirrorStore<RemoteStateRecord>,
    readonly scheduler: SchedulerLike,
    readonly hooks: AttemptHooks,
  ) {}

  run(): Observable<void> {
    return new Observable<void>((subscriber) => {
      const abort = new AbortController();
      const fail = (err: unknown): void => {
        if (subscriber.closed) return;
        const error = err instanceof Error ? err : new Error(String(err));
        abort.abort();
        this.hooks.onFailed(error);
        subscriber.error(error);
      };
      const idle = this.scheduler.schedule(function check(this: { schedule(s?: unknown, d?: number): void }, attempt?: WatchAttempt) {
        const self = attempt!;
        if (self.#heartbeatMs > 0 && self.scheduler.now() - self.#lastActivity > 2 * self.#heartbeatMs + 1000) {
          fail(new Error(`watch stream silent for more than ${2 * self.#heartbeatMs + 1000} ms`));
          return;
        }
        this.schedule(attempt, 1000);
      }, 1000, this);
      this.#stream(abort.signal, subscriber).then(
        () => fail(new Error('watch stream ended')),
        (err: unknown) => fail(err),
      );
      return () => {
        idle.unsubscribe();
        abort.abort();
      };
    });
  }

  async #stream(signal: AbortSignal, subscriber: Subscriber<void>): Promise<void> {
    const headers: Record<string, string> = { ...(await this.headers()), accept: 'text/event-stream' };
    if (this.from !== undefined) headers['last-event-id'] = `${this.from.epoch}:${this.from.seq}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, { headers, signal });
    } catch (err) {
      throw networkError(err);
    }
    if (!res.ok || res.body === null) {
      const answer: unknown = await res.json().catch(() => undefined);
      throw this.hooks.fatal(res.status, errorFromAnswer(res.status, answer));
    }
    this.#lastActivity = this.scheduler.now();
    await readEvents(
      res.body,
      (event) => this.#onEvent(event, subscriber),
      () => (this.#lastActivity = this.scheduler.now()),
    );
  }

  #onEvent(event: EventSourceMessage, subscriber: Subscriber<void>): void {
    if (event.event === 'hello') {
      const hello = JSON.parse(event.data) as { epoch: string; seq: number; serverTime: number; resumed: boolean; heartbeatMs?: number };
      this.#clockOffset = hello.serverTime - Date.now();
      this.#snapshotTime = hello.serverTime;
      this.#heartbeatMs = typeof hello.heartbeatMs === 'number' ? hello.heartbeatMs : 0;
      if (hello.resumed) {
        this.hooks.onLive({ epoch: hello.epoch, seq: hello.seq }, this.#clockOffset);
        subscriber.next();
      } else {
        this.#snapshot = new Map();
      }
    } else if (event.event === 'snapshot') {
      const chunk = JSON.parse(event.data) as { records: WireRecord[]; last: boolean };
      const snapshot = this.#snapshot;
      if (snapshot === undefined) throw new Error('snapshot without hello');
      for (const wire of chunk.records) snapshot.set(wire.id, fromWireRecord(wire));
      if (!chunk.last) return;
      const position = positionOf(event.id);
      if (position === undefined) throw new Error(`last snapshot chunk without a valid id: ${String(event.id)}`);
      this.#snapshot = undefined;
      this.store.apply(this.#differences(snapshot));
      this.hooks.onLive(position, this.#clockOffset);
      subscriber.next();
    } else if (event.event === 'change') {
      const change = JSON.parse(event.data) as ChangeEvent;
      const position = positionOf(event.id);
      if (position === undefined) throw new Error(`change without a valid id: ${String(event.id)}`);
      const record = fromWireRecord(change);
      const before = this.store.get(change.id);
      const applied: StateChange<RemoteStateRecord> =
        change.type === 'remove'
          ? { changeTime: change.time, changeType: 'remove', oldValue: before ?? record }
          : { changeTime: change.time, changeType: change.type, oldValue: before, newValue: record };
      this.store.apply([applied]);
      this.hooks.onApplied(position);
    }
  }

  /** The changes that turn the mirror into `snapshot`: removals first, then adds and updates. */
  #differences(snapshot: Map<string, RemoteStateRecord>): StateChange<RemoteStateRecord>[] {
    const changeTime = this.#snapshotTime;
    const changes: StateChange<RemoteStateRecord>[] = [];
    for (const old of this.store.states()) {
      const next = snapshot.get(old.id);
      if (next === undefined || next.kind !== old.kind) changes.push({ changeTime, changeType: 'remove', oldValue: old });
    }
    for (const next of snapshot.values()) {
      const old = this.store.get(next.id);
      if (old === undefined || old.kind !== next.kind) changes.push({ changeTime, changeType: 'add', newValue: next });
      else if (!sameRemoteState(old.state, next.state) || Boolean(old.stale) !== Boolean(next.stale)) {
        changes.push({ changeTime, changeType: 'update', oldValue: old, newValue: next });
      }
    }
    return changes;
  }
}
