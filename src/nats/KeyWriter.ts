/**
 * Where a {@link KeyWriter} writes: a key-value bucket. Each call sends its request at once,
 * before it returns (as `@nats-io/kv` does), so calls reach the server in call order.
 * @internal
 */
export interface KeyStore {
  /** Writes `value` at `key`; resolves to the revision. */
  put(key: string, value: string): Promise<number>;
  /** Deletes `key`. */
  delete(key: string): Promise<void>;
}

interface Slot {
  /** The value last set; `null`: deleted. */
  value: string | null;
  /** Bumped by each set. */
  generation: number;
  /** The generation of the last acknowledged write. */
  acked: number;
  /** The revision of the last acknowledged put (0 after a delete). */
  revision: number;
  waiters: { generation: number; resolve: (revision: number) => void }[];
}

interface Write {
  readonly key: string;
  readonly value: string | null;
  readonly generation: number;
}

/**
 * Writes the keys of a bucket in the order they were set, every value (so a live watcher sees
 * each change, in order), with a bounded number of writes in flight.
 *
 * @remarks
 * When a write fails, the writer pauses: from then on, and for the writes still queued, it
 * keeps only the last value of each key, and writes those when it {@link KeyWriter.resume}s
 * (after a reconnect, or on its retry timer). So an outage costs one write per key changed,
 * not one per change.
 * @internal
 */
export class KeyWriter {
  readonly #store: KeyStore;
  readonly #limit: number;
  readonly #retryMs: number;
  readonly #slots = new Map<string, Slot>();
  #queue: Write[] = [];
  #head = 0;
  /** Keys to write again once resumed, in the order they became dirty. */
  readonly #dirty = new Set<string>();
  #inFlight = 0;
  #paused = true;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];

  constructor(store: KeyStore, options: { limit?: number; retryMs?: number } = {}) {
    this.#store = store;
    this.#limit = options.limit ?? 1024;
    this.#retryMs = options.retryMs ?? 1000;
  }

  /** Sets `key` to `value` (`null`: delete it); `force` writes it even when it is unchanged. */
  set(key: string, value: string | null, force = false): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { value, generation: 0, acked: 0, revision: 0, waiters: [] };
      this.#slots.set(key, slot);
    } else if (!force && slot.value === value) {
      return;
    }
    slot.value = value;
    slot.generation++;
    if (this.#paused) this.#dirty.add(key);
    else {
      this.#queue.push({ key, value, generation: slot.generation });
      this.#pump();
    }
  }

  /**
   * Resolves once what `key` was set to by now is written: to the revision of that put, or
   * 0 for a delete (or a key never set).
   */
  flushed(key: string): Promise<number> {
    const slot = this.#slots.get(key);
    if (slot === undefined) return Promise.resolve(0);
    if (slot.acked >= slot.generation) return Promise.resolve(slot.revision);
    return new Promise((resolve) => slot.waiters.push({ generation: slot.generation, resolve }));
  }

  /** Resolves once nothing is queued, dirty or in flight. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Lets writes go (again): after the bucket is open, and after each reconnect. */
  resume(): void {
    if (this.#closed) return;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#paused = false;
    for (const key of this.#dirty) {
      const slot = this.#slots.get(key)!;
      this.#queue.push({ key, value: slot.value, generation: slot.generation });
    }
    this.#dirty.clear();
    this.#pump();
  }

  /** Stops writing; what is not written yet stays unwritten. */
  close(): void {
    this.#closed = true;
    this.#paused = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #isIdle(): boolean {
    return this.#head === this.#queue.length && this.#inFlight === 0 && this.#dirty.size === 0;
  }

  #pump(): void {
    while (!this.#paused && this.#inFlight < this.#limit && this.#head < this.#queue.length) {
      this.#send(this.#queue[this.#head++]!);
    }
    if (this.#head === this.#queue.length && this.#head > 0) {
      this.#queue = [];
      this.#head = 0;
    }
    if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #send(write: Write): void {
    const { key, value, generation } = write;
    this.#inFlight++;
    const done = value === null ? this.#store.delete(key).then(() => 0) : this.#store.put(key, value);
    done.then(
      (revision) => {
        this.#inFlight--;
        this.#acked(key, generation, revision);
        this.#pump();
      },
      () => {
        this.#inFlight--;
        this.#pause();
        this.#dirty.add(key);
        this.#pump();
      },
    );
  }

  #acked(key: string, generation: number, revision: number): void {
    const slot = this.#slots.get(key);
    if (slot === undefined || generation <= slot.acked) return;
    slot.acked = generation;
    slot.revision = revision;
    if (slot.waiters.length > 0) {
      const waiting = slot.waiters;
      slot.waiters = [];
      for (const w of waiting) {
        if (w.generation <= generation) w.resolve(revision);
        else slot.waiters.push(w);
      }
    }
    if (slot.value === null && slot.acked === slot.generation && slot.waiters.length === 0 && !this.#dirty.has(key)) {
      this.#slots.delete(key);
    }
  }

  /** After a failed write: keep only the last value of each key until resumed. */
  #pause(): void {
    if (this.#closed || this.#paused) return;
    this.#paused = true;
    for (let i = this.#head; i < this.#queue.length; i++) this.#dirty.add(this.#queue[i]!.key);
    this.#queue = [];
    this.#head = 0;
    this.#retryTimer = setTimeout(() => this.resume(), this.#retryMs);
    this.#retryTimer.unref?.();
  }
}
