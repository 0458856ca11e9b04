import { statusOf, type Status } from '../statusOf.js';
import type { State } from '../State.js';
import type { ChangeEntry, ChangeSink, MapHub } from './MapHub.js';
import { SSE_HEARTBEAT, sseEvent } from './sse.js';

/** Records per `snapshot` event. */
export const SNAPSHOT_CHUNK = 1000;

/** Characters of queued frames joined into one write. */
const WRITE_BATCH = 64 * 1024;

/** Which records a watch stream shows. */
export interface WatchFilter {
  readonly kind?: string | undefined;
  readonly status?: Status | undefined;
}

/** Whether a record of `kind` in `state` is in the filtered set. */
export function inFilter(filter: WatchFilter, kind: string, state: State<unknown> | undefined): boolean {
  if (state === undefined) return false;
  if (filter.kind !== undefined && filter.kind !== kind) return false;
  return filter.status === undefined || statusOf(state) === filter.status;
}

/** What a session writes through: a Node response or a WHATWG stream. */
export interface WatchTransport {
  /** Bytes handed to the transport and not yet sent. */
  buffered(): number;
  /** New frames are ready: write them if the transport can take them now. */
  wake(): void;
  /** Drop the connection at once (the client is too far behind). */
  cut(): void;
  /** End the stream cleanly (the server closes). */
  end(): void;
}

/**
 * One watch stream, independent of the transport: the hello, the snapshot chunks (built
 * lazily, so a large snapshot is not held twice), then the changes as the hub offers them,
 * in that order. A client further behind than `maxBufferedBytes` is cut off.
 */
export class WatchSession implements ChangeSink {
  readonly #hub: MapHub;
  readonly #filter: WatchFilter;
  readonly #maxBufferedBytes: number;
  readonly #queue: string[] = [];
  #head = 0;
  #queuedBytes = 0;
  #snapshot: string[] | undefined;
  #snapshotAt = 0;
  readonly #snapshotId: string;
  #hello: string | undefined;
  #transport: WatchTransport | undefined;
  #done = false;

  /**
   * Starts at the hub's current seq: resumes after `resumeSeq` from the journal when it can,
   * otherwise with a fresh snapshot. Call {@link WatchSession.open} to begin delivering.
   */
  constructor(hub: MapHub, filter: WatchFilter, maxBufferedBytes: number, resumeSeq: number | undefined, serverTime: number, heartbeatMs: number) {
    this.#hub = hub;
    this.#filter = filter;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#snapshotId = `${hub.epoch}:${hub.seq}`;
    const missed = resumeSeq === undefined ? undefined : hub.since(resumeSeq);
    const hello = { epoch: hub.epoch, seq: hub.seq, serverTime, resumed: missed !== undefined, heartbeatMs };
    this.#hello = sseEvent('hello', JSON.stringify(hello));
    if (missed === undefined) {
      this.#snapshot = [];
      for (const record of hub.records()) {
        if (inFilter(filter, record.kind, record.state)) this.#snapshot.push(record.json);
      }
    } else {
      for (const entry of missed) this.#enqueue(entry);
    }
  }

  /** Begins delivering through `transport`, and follows the hub's changes. */
  open(transport: WatchTransport): void {
    this.#transport = transport;
    this.#hub.attach(this);
    transport.wake();
  }

  /**
   * What to write next: one snapshot chunk, or the queued frames joined up to about
   * `WRITE_BATCH` characters (one socket write for a burst of changes); `undefined` when
   * everything is written.
   */
  take(): string | undefined {
    const first = this.next();
    if (first === undefined || this.#snapshot !== undefined || this.#head >= this.#queue.length) return first;
    let out = first;
    while (out.length < WRITE_BATCH && this.#head < this.#queue.length) out += this.#shift();
    return out;
  }

  /** The next frame to write, or `undefined` when everything is written. */
  next(): string | undefined {
    const hello = this.#hello;
    if (hello !== undefined) {
      this.#hello = undefined;
      return hello;
    }
    if (this.#snapshot !== undefined) return this.#nextChunk();
    return this.#head < this.#queue.length ? this.#shift() : undefined;
  }

  offer(entry: ChangeEntry): void {
    if (this.#done) return;
    this.#enqueue(entry);
    this.#checkAndWake();
  }

  /** Adds a heartbeat comment when nothing else is waiting to be written. */
  heartbeat(): void {
    if (this.#done || this.#hello !== undefined || this.#snapshot !== undefined || this.#head < this.#queue.length) return;
    this.#push(SSE_HEARTBEAT);
    this.#transport?.wake();
  }

  /** Ends the stream cleanly. */
  end(): void {
    if (this.#finish()) this.#transport?.end();
  }

  /** Drops the connection at once. */
  cut(): void {
    if (this.#finish()) this.#transport?.cut();
  }

  /** The transport has gone (the client left): stop following the hub. */
  closed(): void {
    this.#finish();
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#hub.detach(this);
    this.#queue.length = 0;
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#snapshot = undefined;
    return true;
  }

  #checkAndWake(): void {
    const behind = this.#queuedBytes + (this.#transport?.buffered() ?? 0);
    if (behind > this.#maxBufferedBytes) this.cut();
    else this.#transport?.wake();
  }

  #enqueue(entry: ChangeEntry): void {
    const filter = this.#filter;
    if (filter.kind === undefined && filter.status === undefined) {
      this.#push(entry.frame(entry.type));
      return;
    }
    const wasIn = inFilter(filter, entry.kind, entry.oldState);
    const isIn = inFilter(filter, entry.kind, entry.newState);
    if (wasIn && isIn) this.#push(entry.frame('update'));
    else if (isIn) this.#push(entry.frame('add'));
    else if (wasIn) this.#push(entry.frame('remove'));
  }

  #push(frame: string): void {
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
  }

  #shift(): string {
    const frame = this.#queue[this.#head]!;
    this.#queue[this.#head++] = '';
    this.#queuedBytes -= frame.length;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return frame;
  }

  #nextChunk(): string {
    const records = this.#snapshot!;
    const end = Math.min(this.#snapshotAt + SNAPSHOT_CHUNK, records.length);
    const last = end === records.length;
    const data = `{"records":[${records.slice(this.#snapshotAt, end).join(',')}],"last":${last}}`;
    this.#snapshotAt = end;
    if (last) this.#snapshot = undefined;
    return last ? sseEvent('snapshot', data, this.#snapshotId) : sseEvent('snapshot', data);
  }
}
