/**
 * First-in, first-out delivery that stays ordered when a delivery causes more deliveries.
 *
 * A plain `Subject.next` called from inside a notification reaches the later subscribers
 * before the notification that is still going on, so they see States out of order. Items
 * pushed here are instead delivered one at a time by a single loop: a `flush()` made while
 * the loop runs (from inside `deliver`) returns at once, and the running loop delivers what
 * it pushed, after everything pushed before it.
 */
export class PublishQueue<T> {
  readonly #deliver: (item: T) => void;
  /** `#items[0 .. #count)` wait for delivery; slots are reused rather than truncated. */
  readonly #items: (T | undefined)[] = [];
  #count = 0;
  #draining = false;

  constructor(deliver: (item: T) => void) {
    this.#deliver = deliver;
  }

  push(item: T): void {
    this.#items[this.#count++] = item;
  }

  /** Delivers everything queued, in order, unless a flush is already under way. */
  flush(): void {
    if (this.#draining || this.#count === 0) return;
    const items = this.#items;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#count; i++) {
        const item = items[i] as T;
        items[i] = undefined;
        this.#deliver(item);
      }
    } finally {
      this.#count = 0;
      this.#draining = false;
    }
  }
}
