import type { Lifecycle, RawConfigOf } from '../Lifecycle.js';
import type { Subscription } from 'rxjs';
import type { ServiceRecord, StateRecord } from '../records.js';
import { Service } from '../Service.js';
import { sameState, type State } from '../State.js';
import { Outbox, type OutboxMember } from './outbox.js';
import { plain, type Writable } from './plain.js';
import { show } from './validate.js';

/**
 * A record of the map: the {@link ServiceRecord} users see (its own keys are `id`, `kind` and
 * `service`; it is frozen), and, while the map's States are listened to, the listener that
 * follows its service. One object per record.
 *
 * @remarks
 * It is an {@link Outbox} too: a {@link Service} that has none yet when the map begins to
 * follow it takes its record as its outbox, so that a change of a followed service reaches
 * the map through one object, not two. In a large map each of them is a cache miss.
 */
export class Entry<S extends Lifecycle<any>> extends Outbox<State<RawConfigOf<S>>> implements ServiceRecord<S>, OutboxMember<State<RawConfigOf<S>>> {
  readonly id: string;
  readonly kind: string;
  readonly service: S;
  /** What to call with each change while followed: the map's hook, given by {@link Entry.track}. */
  #changed: Changed | undefined = undefined;
  /** The last State seen while followed (or read while not), to tell the next one from. */
  #state: State<RawConfigOf<S>> | undefined;
  /** How the service is followed: as a member of its outbox (`true`), by a subscription, or not. */
  #follow: Subscription | true | undefined;
  /** The outbox's place for this member (see OutboxMember). */
  #seen = 0;

  constructor(id: string, kind: string, service: S) {
    super();
    this.id = id;
    this.kind = kind;
    this.service = service;
    Object.freeze(this);
  }

  /** The last State seen while followed. @internal */
  get state(): State<RawConfigOf<S>> | undefined {
    return this.#state;
  }

  /** Whether the map follows the service (someone listens to its States). @internal */
  get tracked(): boolean {
    return this.#follow !== undefined;
  }

  /** @internal */
  get seen(): number {
    return this.#seen;
  }

  set seen(value: number) {
    this.#seen = value;
  }

  /** A State of the service: the outbox (or subscription) calls this. @internal */
  next(state: State<RawConfigOf<S>>): void {
    const previous = this.#state;
    // Not while a subscription is being made: what a Lifecycle's stream replays as it is
    // subscribed is the State following starts from, not a change.
    if (this.#follow === undefined || previous === undefined || previous === state) return;
    this.#state = state;
    this.#changed!(this, previous, state);
  }

  /**
   * The current State: the last one seen while followed, else what the service says now (and
   * the State following starts from, when it begins with the same content).
   * @internal
   */
  current(): State<RawConfigOf<S>> {
    if (this.#follow !== undefined) return this.#state!;
    return (this.#state = this.service.state as State<RawConfigOf<S>>);
  }

  /** A record of this entry with `state`: made per change and per snapshot. @internal */
  record(state: State<RawConfigOf<S>>): StateRecord<S> {
    return new StateRecordObject(this.id, this.kind, this.service, state);
  }

  /**
   * Whether two States of this service are one: the same object, or, for a Lifecycle that is
   * not a Service (it may hand out copies), the same content.
   * @internal
   */
  same(a: State<RawConfigOf<S>>, b: State<RawConfigOf<S>>): boolean {
    return a === b || (!(this.service instanceof Service) && sameState(a, b));
  }

  /** Takes `state` as the last seen; @returns it. @internal */
  advance(state: State<RawConfigOf<S>>): State<RawConfigOf<S>> {
    return (this.#state = state);
  }

  /**
   * Starts following the service: the one way a map follows a Lifecycle. A {@link Service}
   * takes this entry into the outbox its own subscribers use (no subscription, no second
   * channel), or as that outbox when it has none; any other Lifecycle is subscribed to.
   * @param changed - what to call with each change from now on.
   * @returns the State it starts from.
   * @internal
   */
  track(changed: Changed): State<RawConfigOf<S>> {
    const service = this.service;
    this.#changed = changed;
    if (service instanceof Service) {
      this.#follow = true;
      service.follow(this, this);
      return this.#settle(service.state);
    }
    const [state, changes] = service.stateAndChanges();
    const settled = this.#settle(state);
    this.#follow = changes.subscribe(this);
    return settled;
  }

  /**
   * Stops following.
   * @returns the States the service committed that this entry has not seen yet, oldest first
   * (a Service can tell; another Lifecycle cannot, and gives none).
   * @internal
   */
  untrack(): State<RawConfigOf<S>>[] {
    const follow = this.#follow;
    if (follow === undefined) return [];
    this.#follow = undefined;
    // A service may keep this entry as its outbox for subscribers of its own: the entry then
    // holds on to nothing of the map.
    this.#changed = undefined;
    if (follow !== true) {
      follow.unsubscribe();
      return [];
    }
    return (this.service as unknown as Service<unknown, RawConfigOf<S>>).unfollow(this);
  }

  /**
   * `state`, or the State read just before following began when it is the same one: a
   * snapshot taken then and the stream that continues it agree, also for a Lifecycle that
   * hands out a copy on every read.
   */
  #settle(state: State<RawConfigOf<S>>): State<RawConfigOf<S>> {
    const last = this.#state;
    return last !== undefined && this.same(last, state) ? last : (this.#state = state);
  }
}

/** Makes the {@link StateRecord}s of changes and snapshots: plain objects (see {@link plain}). */
const StateRecordObject = plain(function StateRecord(this: Writable<StateRecord<any>>, id: string, kind: string, service: Lifecycle<any>, state: State<any>) {
  this.id = id;
  this.kind = kind;
  this.service = service;
  this.state = state;
}) as new <S extends Lifecycle<any>>(id: string, kind: string, service: S, state: State<RawConfigOf<S>>) => StateRecord<S>;

/**
 * What an entry calls with each new State of its service. Its parameters are `any` so that
 * no function type mentions the service type (that would make the map invariant in it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Changed = (entry: Entry<any>, previous: State<any>, next: State<any>) => void;

/** A record being deleted. */
export interface Leaving {
  readonly entry: Entry<any>;
  /** The State listeners last had of it (the remove carries it). */
  state: State<any>;
  /**
   * The record that re-created its id meanwhile, if any (there can be one at a time: the id is
   * taken): its add is published after the remove.
   */
  successor: Entry<any> | undefined;
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
