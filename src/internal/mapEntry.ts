import type { Lifecycle, RawConfigOf } from '../Lifecycle.js';
import type { ServiceRecord, StateRecord } from '../records.js';
import { Service } from '../Service.js';
import { sameState, type State } from '../State.js';
import { follow } from './follow.js';
import { show } from './validate.js';

/**
 * A record of the map: the {@link ServiceRecord} users see (its own keys are `id`, `kind` and
 * `service`; it is frozen), and, while the map's States are listened to, the listener that
 * follows its service. One object per record.
 */
export class Entry<S extends Lifecycle<any>> implements ServiceRecord<S> {
  readonly id: string;
  readonly kind: string;
  readonly service: S;
  readonly #changed: Changed;
  /** The last State seen, as a record (reused as the next change's `oldValue`), while followed. */
  #last: StateRecord<S> | undefined;
  #unfollow: (() => State<RawConfigOf<S>>[]) | undefined;

  constructor(id: string, kind: string, service: S, changed: Changed) {
    this.id = id;
    this.kind = kind;
    this.service = service;
    this.#changed = changed;
    Object.freeze(this);
  }

  /** The last State seen while followed. @internal */
  get last(): StateRecord<S> | undefined {
    return this.#last;
  }

  /** Whether the map follows the service (someone listens to its States). @internal */
  get tracked(): boolean {
    return this.#unfollow !== undefined;
  }

  /** A State of the service: the outbox (or subscription) calls this. @internal */
  next(state: State<RawConfigOf<S>>): void {
    const previous = this.#last;
    if (this.#unfollow === undefined || previous === undefined || previous.state === state) return;
    this.#changed(this, previous, state);
  }

  /**
   * The record of the current State. While not followed, it asks the service, and keeps the
   * record while the State is the same by content, so that a Lifecycle that hands out copies
   * still gives one record object per State.
   * @internal
   */
  current(): StateRecord<S> {
    const last = this.#last;
    if (this.#unfollow !== undefined) return last!;
    const state = this.service.state as State<RawConfigOf<S>>;
    return last !== undefined && (last.state === state || sameState(last.state, state)) ? last : this.advance(state);
  }

  /** Takes `state` as the last seen, and returns its record. @internal */
  advance(state: State<RawConfigOf<S>>): StateRecord<S> {
    return (this.#last = { id: this.id, kind: this.kind, service: this.service, state });
  }

  /** Starts following the service. @internal */
  track(): StateRecord<S> {
    const last = this.#last;
    const [state, unfollow] = follow(this.service, this);
    this.#unfollow = unfollow;
    return last !== undefined && sameState(last.state, state) ? last : this.advance(state);
  }

  /**
   * Stops following.
   * @returns the States the service committed that this entry has not seen yet, oldest first.
   * @internal
   */
  untrack(): State<RawConfigOf<S>>[] {
    const unfollow = this.#unfollow;
    this.#unfollow = undefined;
    return unfollow?.() ?? [];
  }
}

/**
 * What an entry calls with each new State of its service. Its parameters are `any` so that
 * no function type mentions the service type (that would make the map invariant in it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Changed = (entry: Entry<any>, previous: StateRecord<any>, next: State<any>) => void;

/** Changes a re-created id publishes once the remove of the record it replaces is out. */
export interface Leaving {
  readonly entry: Entry<any>;
  readonly after: (() => void)[];
}

const LIFECYCLE_METHODS = ['start', 'configure', 'stop', 'stateChanges', 'stateAndChanges'] as const;

/** @internal */
export function isLifecycle(value: unknown): value is Lifecycle<unknown> {
  if (value instanceof Service) return true;
  if (value === null || typeof value !== 'object') return false;
  for (const method of LIFECYCLE_METHODS) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') return false;
  }
  return typeof (value as Lifecycle).state === 'object';
}

export function assertLifecycle(value: unknown, what: string): asserts value is Lifecycle<unknown> {
  if (!isLifecycle(value)) {
    throw new TypeError(
      `${what} must be a Lifecycle (start, configure, stop, state, state$, stateChanges, stateAndChanges), got ${show(value)}`,
    );
  }
}
