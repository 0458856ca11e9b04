/** Something an {@link Outbox} delivers to: an RxJS `Subscriber` or one of the library's hooks. */
export interface OutboxListener<T> {
  next(item: T): void;
}

/** A listener, the number of the first item it is to get, and of the next one it has not had. */
interface Joined<T> {
  readonly listener: OutboxListener<T>;
  readonly from: number;
  next: number;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The one way this library delivers: a first-in, first-out outbox with a batch depth and a
 * listener set, used by every `Service` and `ServiceMap`.
 *
 * @remarks
 * - Items pushed while a batch is open (`open()` ... `close()`) wait for the outermost
 *   `close()`, so that a method's effects all run before any listener reacts to them.
 * - A listener that calls back in, and pushes more, does not reorder anything: the loop that
 *   is already delivering delivers the new items after the ones before them, to every
 *   listener in turn. No listener sees items out of order.
 * - A listener joins "from now on": it gets the items pushed after it joined, not those that
 *   were queued before (the snapshot it started from already showed them).
 * - Listeners are called directly, not through a `Subject`: an RxJS `Subscriber` reports what
 *   its own callback throws (`config.onUnhandledError`), so one failing listener never stops
 *   the others. The set is copied on write, so a delivery loop is never disturbed by a
 *   listener joining or leaving.
 *
 * Cheap when nothing nests: one pending slot, and an array only while deliveries pile up.
 */
export class Outbox<T> {
  #joined: readonly Joined<T>[] = NONE;
  /** Open batches: deliveries wait until it is back to 0. */
  #depth = 0;
  /** Items pushed ever: the number the next push takes. */
  #pushed = 0;
  /** Items handed to the delivery loop ever (delivered or being delivered). */
  #taken = 0;
  /** The first queued item, and the rest when there are more (made only then). */
  #first: T | undefined;
  #rest: T[] | undefined;
  #restAt = 0;
  #delivering = false;
  /** The item being delivered. */
  #current: T | undefined;

  /** Whether anyone listens. */
  get observed(): boolean {
    return this.#joined.length > 0;
  }

  /**
   * Adds `listener` for the items pushed from now on.
   * @returns what removes it again; it returns the items pushed for the listener that it has
   * not had yet (a listener leaving in the middle of a delivery), oldest first.
   */
  join(listener: OutboxListener<T>): () => T[] {
    const joined: Joined<T> = { listener, from: this.#pushed, next: this.#pushed };
    this.#joined = [...this.#joined, joined];
    return () => {
      const i = this.#joined.indexOf(joined);
      if (i < 0) return [];
      this.#joined = [...this.#joined.slice(0, i), ...this.#joined.slice(i + 1)];
      return this.#undelivered(joined.next);
    };
  }

  /** Opens a batch: what is pushed until the matching {@link Outbox.close} waits for it. */
  open(): void {
    this.#depth++;
  }

  /** Closes a batch; the outermost close delivers what is queued. */
  close(): void {
    if (--this.#depth === 0) this.flush();
  }

  /** Queues `item` for every listener. Nothing is queued while nobody listens. */
  push(item: T): void {
    if (this.#joined.length === 0) return;
    if (this.#pushed++ === this.#taken) this.#first = item;
    else (this.#rest ??= []).push(item);
  }

  /** Delivers what is queued, in order, unless a batch is open or a delivery is under way. */
  flush(): void {
    if (this.#depth > 0 || this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#taken < this.#pushed) {
        const number = this.#taken++;
        const item = this.#take();
        this.#current = item;
        const joined = this.#joined;
        for (let i = 0; i < joined.length; i++) {
          const j = joined[i]!;
          if (j.from > number) continue;
          j.next = number + 1;
          j.listener.next(item);
        }
      }
    } finally {
      this.#delivering = false;
      this.#current = undefined;
      this.#rest = undefined;
      this.#restAt = 0;
    }
  }

  /** The items from number `from` on that are not delivered to everyone yet. */
  #undelivered(from: number): T[] {
    const out: T[] = [];
    if (from >= this.#pushed) return out;
    if (this.#delivering && from < this.#taken) out.push(this.#current as T);
    if (this.#first !== undefined) out.push(this.#first);
    if (this.#rest !== undefined) for (let i = this.#restAt; i < this.#rest.length; i++) out.push(this.#rest[i]!);
    return out;
  }

  #take(): T {
    const rest = this.#rest;
    if (this.#first !== undefined || rest === undefined || this.#restAt >= rest.length) {
      const item = this.#first as T;
      this.#first = undefined;
      return item;
    }
    return rest[this.#restAt++]!;
  }
}
