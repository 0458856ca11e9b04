import type { Subject, Subscriber, Subscription } from 'rxjs';

/**
 * First-in, first-out delivery that stays ordered when a delivery causes more deliveries.
 *
 * A plain `Subject.next` called from inside a notification reaches the later subscribers
 * before the notification that is still going on, so they see values out of order. Items
 * pushed here are instead delivered one at a time by a single loop: a `flush()` made while
 * the loop runs (from inside `deliver`) returns at once, and the running loop delivers what
 * it pushed, after everything pushed before it.
 *
 * Every item has a position (0, 1, 2, ... in push order). A subscriber that joins while items
 * are queued gets only the items pushed after it joined ({@link PublishQueue.join}): the
 * snapshot it started from already includes the queued ones.
 */
export class PublishQueue<T> {
  readonly #deliver: (item: T, stamp: number) => void;
  /** `#items[0 .. #count)` are queued; slots are reused rather than truncated (cheaper). */
  readonly #items: (T | undefined)[] = [];
  /** A number carried with each item (a Service's commit time). */
  readonly #stamps: number[] = [];
  #count = 0;
  #draining = false;
  /** Items pushed ever: the position of the next push. */
  #pushed = 0;
  /** Position of the item being delivered. */
  #current = -1;
  /** Index in `#items` of the next item to deliver. */
  #next = 0;

  constructor(deliver: (item: T, stamp: number) => void) {
    this.#deliver = deliver;
  }

  /** The position the next pushed item takes. */
  get position(): number {
    return this.#pushed;
  }

  /** The position of the item being delivered (or last delivered). */
  get current(): number {
    return this.#current;
  }

  push(item: T, stamp = 0): void {
    this.#stamps[this.#count] = stamp;
    this.#items[this.#count++] = item;
    this.#pushed++;
  }

  /** Delivers everything queued, in order, unless a flush is already under way. */
  flush(): void {
    if (this.#draining || this.#count === 0) return;
    const items = this.#items;
    this.#draining = true;
    try {
      // Pushes during the loop raise #pushed and #count alike, so `first` stays right.
      const first = this.#pushed - this.#count;
      while (this.#next < this.#count) {
        const i = this.#next++;
        const item = items[i] as T;
        items[i] = undefined;
        this.#current = first + i;
        this.#deliver(item, this.#stamps[i]!);
      }
    } finally {
      this.#count = 0;
      this.#next = 0;
      this.#draining = false;
    }
  }

  /** The items queued and not yet delivered whose position is at least `from`, oldest first. */
  pending(from = 0): T[] {
    const first = this.#pushed - this.#count;
    const out: T[] = [];
    for (let i = Math.max(this.#next, from - first); i < this.#count; i++) out.push(this.#items[i] as T);
    return out;
  }

  /**
   * Subscribes `subscriber` to `subject`, which this queue's `deliver` feeds, for the items
   * pushed from now on only.
   */
  join(subject: Subject<T>, subscriber: Subscriber<T>): Subscription {
    if (this.#count === 0) return subject.subscribe(subscriber);
    const from = this.#pushed;
    return subject.subscribe({
      next: (item) => {
        if (this.#current >= from) subscriber.next(item);
      },
    });
  }
}
