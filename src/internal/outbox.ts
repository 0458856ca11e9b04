/** Something an {@link Outbox} delivers to: an RxJS `Subscriber` or one of the library's hooks. */
export interface OutboxListener<T> {
  next(item: T): void;
}

/**
 * A listener that the outbox keeps its place in the stream on, so that following costs no
 * object of its own (a map's record is one). `seen` is the number of the next item it is to
 * get: set to the next push when it joins (so nothing queued before reaches it), then moved on
 * by each delivery. The outbox sets it.
 */
export interface OutboxMember<T> extends OutboxListener<T> {
  seen: number;
}

/**
 * The one way this library delivers: a first-in, first-out outbox with a batch depth and a
 * listener set, used by every `Service` and `ServiceMap`.
 *
 * @remarks
 * - Items pushed while a batch is open (`openBatch()` ... `closeBatch()`) wait for the
 *   outermost `closeBatch()`, so that a method's effects all run before any listener reacts to them.
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
 * Cheap when nothing nests: five fields, one pending slot, and an array only while
 * deliveries pile up. An item is never `undefined` (States and changes are objects): the
 * empty slot is `undefined`.
 */
export class Outbox<T> {
  /** One member, or several (copied on write), or none. */
  #members: OutboxMember<T> | readonly OutboxMember<T>[] | undefined;
  /** Open batches, plus one while a delivery loop runs: deliveries wait until it is back to 0. */
  #depth = 0;
  /** Items pushed ever: the number the next push takes. */
  #pushed = 0;
  /** The oldest queued item (the one being delivered), unless it is in `#rest`. */
  #first: T | undefined;
  /** The queued items after `#first`, or from the oldest on once `#first` is delivered: made only when deliveries pile up. */
  #rest: T[] | undefined;

  /** Whether anyone listens. */
  get observed(): boolean {
    return this.#members !== undefined;
  }

  /** Whether nothing is under way: no batch open, no delivery running, nothing queued. */
  get idle(): boolean {
    return this.#depth === 0 && this.#first === undefined && this.#rest === undefined;
  }

  /** Adds `member` for the items pushed from now on. */
  addMember(member: OutboxMember<T>): void {
    member.seen = this.#pushed;
    const members = this.#members;
    this.#members = members === undefined ? member : Array.isArray(members) ? [...members, member] : [members as OutboxMember<T>, member];
  }

  /**
   * Removes `member`.
   * @returns the items pushed for it that it has not had yet (it leaves in the middle of a
   * delivery), oldest first.
   */
  removeMember(member: OutboxMember<T>): T[] {
    const members = this.#members;
    if (members === member) this.#members = undefined;
    else if (Array.isArray(members) && members.includes(member)) {
      const rest = members.filter((m) => m !== member);
      this.#members = rest.length === 1 ? rest[0] : rest;
    } else return [];
    const queued = this.#first !== undefined ? [this.#first, ...(this.#rest ?? [])] : [...(this.#rest ?? [])];
    const missed = queued.slice(Math.max(0, member.seen - (this.#pushed - queued.length)));
    member.seen = Infinity; // a delivery loop under way may still hold it in its copy of the set
    return missed;
  }

  /**
   * Adds `listener` (an RxJS `Subscriber`) for the items pushed from now on.
   * @returns what removes it again.
   */
  joinListener(listener: OutboxListener<T>): () => void {
    const member = new Joined(listener);
    this.addMember(member);
    return () => void this.removeMember(member);
  }

  /** Opens a batch: what is pushed until the matching {@link Outbox.closeBatch} waits for it. */
  openBatch(): void {
    this.#depth++;
  }

  /** Closes a batch; the outermost close delivers what is queued. */
  closeBatch(): void {
    if (--this.#depth === 0) this.deliverQueued();
  }

  /** Queues `item` for every listener. Nothing is queued while nobody listens. */
  enqueue(item: T): void {
    if (this.#members === undefined) return;
    this.#pushed++;
    if (this.#first === undefined && this.#rest === undefined) this.#first = item;
    else (this.#rest ??= []).push(item);
  }

  /**
   * {@link Outbox.enqueue} then {@link Outbox.deliverQueued}, with a short way for the common case: when
   * nothing waits and one member listens, the item is delivered at once.
   */
  publish(item: T): void {
    const members = this.#members;
    if (members === undefined) return;
    if (this.#depth > 0 || this.#first !== undefined || this.#rest !== undefined || Array.isArray(members)) {
      this.enqueue(item);
      this.deliverQueued();
      return;
    }
    const number = this.#pushed++;
    // As in deliverQueued(): the item stays queued while it is delivered, and what the member pushes
    // meanwhile waits behind it.
    this.#first = item;
    this.#depth++;
    try {
      deliver(members as OutboxMember<T>, number, item);
    } finally {
      this.#first = undefined;
      this.#depth--;
    }
    if (this.#rest !== undefined) this.deliverQueued();
  }

  /** Delivers what is queued, in order, unless a batch is open or a delivery is under way. */
  deliverQueued(): void {
    if (this.#depth > 0 || (this.#first === undefined && this.#rest === undefined)) return;
    this.#depth++;
    try {
      // The item being delivered stays queued until everyone had it, so that a member that
      // leaves meanwhile can be handed what it missed. Items pushed meanwhile go to `#rest`.
      for (;;) {
        const first = this.#first;
        const rest = this.#rest;
        const queued = (first !== undefined ? 1 : 0) + (rest?.length ?? 0);
        if (queued === 0) break;
        const number = this.#pushed - queued;
        const item = first !== undefined ? first : rest![0]!;
        const members = this.#members;
        if (members !== undefined && !Array.isArray(members)) deliver(members as OutboxMember<T>, number, item);
        else if (members !== undefined) for (let i = 0; i < members.length; i++) deliver(members[i]!, number, item);
        if (first !== undefined) this.#first = undefined;
        else rest!.shift();
      }
      this.#rest = undefined;
    } finally {
      this.#depth--;
    }
  }
}

/** A listener as a member: the outbox keeps its place in the stream here. */
class Joined<T> implements OutboxMember<T> {
  seen = 0;
  readonly #listener: OutboxListener<T>;

  constructor(listener: OutboxListener<T>) {
    this.#listener = listener;
  }

  next(item: T): void {
    this.#listener.next(item);
  }
}

/** Hands item number `number` to `member`, unless it joined after that item was pushed. */
function deliver<T>(member: OutboxMember<T>, number: number, item: T): void {
  if (member.seen > number) return;
  member.seen = number + 1;
  member.next(item);
}
