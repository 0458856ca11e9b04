/**
 * A ring buffer of the last `capacity` items numbered by consecutive seqs: what a watch stream
 * replays to a client that reconnects with the seq it saw last.
 */
export class Journal<T extends { readonly seq: number }> {
  readonly #items: (T | undefined)[];
  #count = 0;
  #next = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Appends `item`, whose seq must be one more than the last one's; drops the oldest when full. */
  push(item: T): void {
    if (this.capacity === 0) return;
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
  }

  /** The seq of the oldest item kept, `undefined` while empty. */
  get firstSeq(): number | undefined {
    if (this.#count === 0) return undefined;
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    return this.#items[start]!.seq;
  }

  /**
   * The items after `seq`, oldest first, when the journal still holds all of them (the empty
   * list when `seq` is `lastSeq`); `undefined` when some were dropped or `seq` is ahead.
   * @param lastSeq - the seq of the last item ever pushed.
   */
  since(seq: number, lastSeq: number): T[] | undefined {
    if (!Number.isInteger(seq) || seq > lastSeq || seq < 0) return undefined;
    if (seq === lastSeq) return [];
    const first = this.firstSeq;
    if (first === undefined || first > seq + 1) return undefined;
    const out: T[] = [];
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    for (let i = seq + 1 - first; i < this.#count; i++) out.push(this.#items[(start + i) % this.capacity]!);
    return out;
  }
}
