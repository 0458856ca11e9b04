import { Observable, Subject, Subscription, asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import { applyAttempt } from './internal/applyResult.js';
import { defaultPolicy, noRetryPolicy, type BackoffPolicy } from './internal/backoff.js';
import { callSafely } from './internal/reportError.js';
import { transition, type ServiceEvent } from './internal/transitions.js';
import {
  optionalDelay,
  optionalFunction,
  optionalObject,
  optionalOneOf,
  optionalScheduler,
  requiredFunction,
  show,
} from './internal/validate.js';
import { PublishQueue } from './internal/publishQueue.js';
import { abortReasons, type Abortable } from './internal/signals.js';
import { stateChanged, unwatchState, watchState, type StateWatcher } from './internal/watch.js';
import { backoff, retrySetup, type BackoffHooks, type RetryContext, type RetryOptions } from './operators/retryBackoff.js';
import { initialState, type RawConfig, type State } from './State.js';

/**
 * Loads one parsed config: called each time an active service has a config to apply.
 *
 * @remarks
 * What it returns decides when the attempt has succeeded or failed:
 * - `void` (or any plain value): success, at once. A synchronous throw is a failure.
 * - a promise (any thenable): success or failure when it settles.
 * - an `Observable`: success at its first value or its completion, failure if it errors
 *   before that. It stays subscribed, as the background task, until the run ends or the next
 *   load begins; an error after its success starts a new load of the same config.
 *
 * `signal` is fresh for each attempt. It aborts when the attempt fails, when the service
 * stops or gives up, and, for an Observable, when the next load begins. Tie background work
 * to it. At most one attempt of a service is in flight at a time.
 *
 * @typeParam C - the parsed config.
 * @example
 * A promise result: the load ends when it settles.
 * ```ts
 * import { filter, firstValueFrom } from 'rxjs';
 * import { Service, type ApplyFunc } from 'rx-lifecycle';
 *
 * const apply: ApplyFunc<{ port: number }> = async (config) => {
 *   if (config.port < 1024) throw new Error(`port ${config.port} is reserved`);
 * };
 * const service = new Service(apply);
 * service.configure('{"port":80}');
 * console.log(service.start().loading); // true
 * const done = await firstValueFrom(service.state$.pipe(filter((s) => !s.loading)));
 * console.log(done.active, done.error?.message); // false port 80 is reserved
 * ```
 * @category Service
 */
export type ApplyFunc<C> = (config: C, signal: AbortSignal) => void | PromiseLike<void> | Observable<unknown>;

/**
 * Turns raw config into `C`, and validates it: it throws on invalid input, and the error
 * propagates from {@link Service.configure} with nothing changed.
 * @example
 * ```ts
 * import { Service, type ParseFunc } from 'rx-lifecycle';
 *
 * const parse: ParseFunc<number> = (data) => {
 *   const n = Number(typeof data === 'string' ? data : new TextDecoder().decode(data));
 *   if (!Number.isInteger(n)) throw new RangeError(`not a whole number: ${String(data)}`);
 *   return n;
 * };
 * const service = new Service((n: number) => console.log('apply', n), { parse });
 * service.start();
 * service.configure('42');
 * // apply 42
 * try { service.configure('x'); } catch (err) { console.log((err as Error).message); }
 * // not a whole number: x
 * ```
 * @category Service
 */
export type ParseFunc<C> = (data: RawConfig) => C;

/**
 * What {@link ServiceOptions.whileLoading} allows: `'reject'` throws
 * {@link AlreadyLoadingError} from `configure()` during a load; `'switch'` abandons that load
 * for the new config.
 * @example
 * ```ts
 * import { Service, type WhileLoading } from 'rx-lifecycle';
 *
 * const whileLoading: WhileLoading = 'switch';
 * const service = new Service((config: { v: number }, signal) => {
 *   signal.addEventListener('abort', () => console.log('abandoned', config.v));
 *   return new Promise<void>(() => {}); // never settles: loading until abandoned
 * }, { whileLoading });
 * service.start();
 * service.configure('{"v":1}');
 * service.configure('{"v":2}'); // with 'reject', this would throw AlreadyLoadingError
 * // abandoned 1
 * service.stop();
 * // abandoned 2
 * ```
 * @category Service
 */
export type WhileLoading = 'reject' | 'switch';

/**
 * Options of a {@link Service}. Every field is optional.
 * @typeParam C - the parsed config.
 * @example
 * ```ts
 * import { Service, type ServiceOptions } from 'rx-lifecycle';
 *
 * const options: ServiceOptions<{ url: string }> = {
 *   now: () => 1000,
 *   retry: { initialDelay: 100, maxAttempts: 3 },
 *   onStop: () => console.log('stopped'),
 * };
 * const service = new Service((config: { url: string }) => console.log('load', config.url), options);
 * service.configure('{"url":"ws://a"}');
 * console.log(service.start().lastActiveTime);
 * // load ws://a
 * // 1000
 * service.stop();
 * // stopped
 * ```
 * @category Service
 */
export interface ServiceOptions<C> {
  /**
   * Parses and validates raw config.
   * @defaultValue JSON of the text (bytes decoded as UTF-8)
   */
  readonly parse?: ParseFunc<C> | undefined;
  /**
   * Drives retry delays and apply timeouts; a `TestScheduler` makes them virtual.
   * @defaultValue asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * Clock for State times, in epoch milliseconds.
   * @defaultValue `scheduler.now()`
   */
  readonly now?: (() => number) | undefined;
  /**
   * Called after each successful {@link Service.stop}, once the stopped State is committed
   * and delivered (when `stop()` is itself called from inside a notification, the delivery
   * of the stopped State waits for that notification to end, so `onStop` may run first).
   * An exception it throws is reported through RxJS's `config.onUnhandledError`.
   * @defaultValue none
   */
  readonly onStop?: (() => void) | undefined;
  /**
   * Retry failed applies: `true` with the defaults of {@link RetryOptions}, or the options.
   * @defaultValue false (the first failure stops the service)
   */
  readonly retry?: boolean | RetryOptions | undefined;
  /**
   * What `configure()` does while a load is in progress, a retry wait included: `'reject'`
   * throws {@link AlreadyLoadingError}; `'switch'` aborts the running attempt's signal,
   * cancels the pending retry and begins a load of the new config at once.
   * @defaultValue 'reject'
   */
  readonly whileLoading?: WhileLoading | undefined;
  /**
   * Milliseconds an attempt may take to settle before it fails with a {@link TimeoutError}
   * (its signal aborts with it, and it is retried or ends the load like any failure).
   * @defaultValue none
   */
  readonly applyTimeout?: number | undefined;
}

/**
 * Something with a lifecycle and an observable {@link State}: what a {@link ServiceMap}
 * holds. {@link Service} is the implementation; write your own to wrap something else.
 * @example
 * ```ts
 * import { Service, type Lifecycle } from 'rx-lifecycle';
 *
 * function restart(service: Lifecycle): boolean {
 *   if (service.state.active) service.stop();
 *   return service.start().active;
 * }
 * const service = new Service(() => {});
 * console.log(restart(service), restart(service)); // true true
 * ```
 * @category Service
 */
export interface Lifecycle {
  /** Makes the service active, loading its config if it has one. */
  start(): State;
  /** Accepts raw config, loading it if the service is active. */
  configure(data: RawConfig): State;
  /** Makes the service inactive, ending its run. */
  stop(): State;
  /** The current snapshot. */
  readonly state: State;
  /** The current State, then every change. */
  readonly state$: Observable<State>;
  /** Future changes only. */
  stateChanges(): Observable<State>;
  /** The current State and, atomically, a stream of the changes after it. */
  stateAndChanges(): [State, Observable<State>];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The default parser: JSON of the text, bytes decoded as UTF-8. */
function parseJson(data: RawConfig): unknown {
  if (typeof data === 'string') return JSON.parse(data);
  if (data instanceof Uint8Array) return JSON.parse(utf8.decode(data));
  throw new TypeError(`config must be a string or a Uint8Array, got ${show(data)}`);
}

/** A service's options, checked, with the defaults filled in. */
interface Settings<C> {
  readonly parse: ParseFunc<C>;
  readonly scheduler: SchedulerLike;
  readonly now: (() => number) | undefined;
  readonly onStop: (() => void) | undefined;
  readonly policy: BackoffPolicy;
  readonly logger: ((ctx: RetryContext) => void) | undefined;
  readonly switchLoad: boolean;
  readonly applyTimeout: number | undefined;
}

/**
 * Checks `options` and fills in the defaults.
 * @throws TypeError or RangeError naming the field.
 */
function settingsOf<C>(options: ServiceOptions<C>): Settings<C> {
  optionalObject('options', options);
  const { parse, scheduler, now, onStop, retry, whileLoading, applyTimeout } = options;
  optionalFunction('options.parse', parse);
  optionalScheduler('options.scheduler', scheduler);
  optionalFunction('options.now', now);
  optionalFunction('options.onStop', onStop);
  optionalOneOf('options.whileLoading', whileLoading, ['reject', 'switch']);
  optionalDelay('options.applyTimeout', applyTimeout, true);
  if (retry !== undefined && typeof retry !== 'boolean') optionalObject('options.retry', retry);
  const { policy, log } =
    typeof retry === 'object'
      ? retrySetup(retry, 'options.retry')
      : { policy: retry ? defaultPolicy : noRetryPolicy, log: undefined };
  return {
    parse: parse ?? (parseJson as ParseFunc<C>),
    scheduler: scheduler ?? asyncScheduler,
    now,
    onStop,
    policy,
    logger: log,
    switchLoad: whileLoading === 'switch',
    applyTimeout,
  };
}

/** The settings of every service made without options: shared, so that each costs less. */
const DEFAULT_SETTINGS: Settings<unknown> = Object.freeze(settingsOf({}));

/** Swallows a load's error: by then its hooks have recorded it in the State. */
function ignore(): void {}

/**
 * One load of a service: its attempts, retries and, for an Observable apply, the task. An
 * attempt cut short by unsubscribing it aborts with `cancelReason`: a newer load took over,
 * unless the run ended (then the stop, or the error the load gave up with).
 */
class Load extends Subscription {
  cancelReason: unknown = abortReasons.superseded;

  cancel(reason: unknown): void {
    this.cancelReason = reason;
    this.unsubscribe();
  }
}

/**
 * Manages the lifecycle of one background task: started, configured from raw config,
 * stopped; an apply function loads each config, with retry and backoff; the immutable
 * {@link State} is an RxJS stream.
 *
 * @remarks
 * Each method computes the next State with a pure reducer, publishes it, and returns it.
 * - {@link Service.start}: becomes active; loads the config, if one was accepted before.
 * - {@link Service.configure}: parses `data` (a parse error propagates, nothing changes),
 *   accepts it, and loads it if active.
 * - {@link Service.stop}: becomes inactive; every signal handed to apply during the run
 *   aborts, a load in progress ends, a pending retry is cancelled, then `onStop` runs.
 *
 * A load calls apply at once. A result known synchronously finishes the load before the
 * method returns (the returned State shows it; `state$` still publishes the loading State
 * first). A failure is retried after a backoff delay, if `retry` is set, or ends the run
 * with the error: `active: false`, `error` set. A result that arrives after its run ended
 * changes nothing.
 *
 * States are published to every subscriber exactly once, in order, and only when they
 * differ; a subscriber or `onStop` may call the service's methods from inside a
 * notification.
 *
 * @typeParam C - the parsed config, as produced by `parse` and consumed by `apply`.
 * @example
 * ```ts
 * import { Service } from 'rx-lifecycle';
 *
 * const service = new Service(
 *   (config: { greeting: string }, signal) => {
 *     const timer = setInterval(() => console.log(config.greeting), 1000);
 *     signal.addEventListener('abort', () => clearInterval(timer));
 *   },
 *   { retry: { maxAttempts: 5 } },
 * );
 * service.state$.subscribe((s) => console.log(s.active, s.loading));
 * // false false
 * service.configure('{"greeting":"hello"}');
 * // false false
 * service.start();
 * // true true
 * // true false
 * service.stop();
 * // false false
 * ```
 * @example
 * An Observable apply is the background task itself: the load succeeds at its first value,
 * and it stays subscribed until the run ends.
 * ```ts
 * import { Observable } from 'rxjs';
 * import { Service } from 'rx-lifecycle';
 *
 * const service = new Service((config: { url: string }) => new Observable<string>((subscriber) => {
 *   console.log('open', config.url);
 *   subscriber.next('connected');
 *   return () => console.log('close', config.url);
 * }));
 * service.configure('{"url":"ws://a"}');
 * console.log(service.start().loading);
 * // open ws://a
 * // false
 * service.stop();
 * // close ws://a
 * ```
 * @see {@link ServiceMap} to keep many services by id; {@link statusOf} for a one-word status.
 * @category Service
 */
export class Service<C = unknown> implements Lifecycle {
  readonly #apply: ApplyFunc<C>;
  readonly #settings: Settings<C>;

  /** The committed State: what `state` returns, and what a new subscriber starts from. */
  #state: State;
  /**
   * Feeds subscribers; made on first use, so a service nobody subscribes to carries none. A
   * plain Subject, not a BehaviorSubject: a BehaviorSubject replays the last State it
   * delivered, which lags behind `#state` while a delivery is queued.
   */
  #subject: Subject<State> | undefined;
  #state$: Observable<State> | undefined;
  #watcher: StateWatcher | undefined;
  /** The outbox position from which the watcher takes States. */
  #watchFrom = 0;
  /** Delivers committed States, stamped with their time, in order; made with the first listener. */
  #outbox: PublishQueue<State> | undefined;
  /** Nesting of method calls and load hooks; deliveries wait until it drops to 0. */
  #depth = 0;

  /** The last parsed config, boxed so that any value of `C` (even `undefined`) counts. */
  #parsed: { readonly value: C } | undefined;
  /** The current load: attempt, retries and, for an Observable apply, the task itself. */
  #load: Load | undefined;
  /** Controllers of this run's completed attempts, aborted when the run ends. */
  #kept: Abortable[] | undefined;

  /**
   * @param apply - loads each config; see {@link ApplyFunc}.
   * @param options - parser, clock, scheduler, retry and the rest; see {@link ServiceOptions}.
   * @throws TypeError or RangeError naming the field, for a non-function `apply` or a bad option.
   */
  constructor(apply: ApplyFunc<C>, options?: ServiceOptions<C>) {
    requiredFunction('apply', apply);
    this.#apply = apply;
    this.#settings = options === undefined ? (DEFAULT_SETTINGS as Settings<C>) : settingsOf(options);
    this.#state = initialState(this.#clock());
  }

  /** The current snapshot: the last State committed. */
  get state(): State {
    return this.#state;
  }

  /**
   * The current State, then every change, to each subscriber, like a `BehaviorSubject`.
   * Never completes.
   */
  get state$(): Observable<State> {
    return (this.#state$ ??= new Observable<State>((subscriber) => {
      const subscription = this.#join(subscriber);
      subscriber.next(this.#state);
      return subscription;
    }));
  }

  /**
   * Makes the service active and, if a config was accepted before, begins loading it.
   * @returns the new State; when the load's result is known synchronously, it shows it.
   * @throws {@link AlreadyStartedError} when already active; nothing changes.
   * @example
   * ```ts
   * import { Service } from 'rx-lifecycle';
   *
   * const service = new Service((config: { n: number }) => console.log('apply', config.n), { now: () => 1000 });
   * service.configure('{"n":1}');
   * const state = service.start();
   * // apply 1
   * console.log(state.active, state.loading, state.lastActiveTime); // true false 1000
   * ```
   */
  start(): State {
    return this.#run({ type: 'start', now: this.#clock(), hasConfig: this.#parsed !== undefined });
  }

  /**
   * Parses and accepts `data` as the config, and begins loading it if the service is active.
   * @param data - raw config, text or bytes.
   * @returns the new State; when the load's result is known synchronously, it shows it.
   * @throws whatever `parse` throws, first; nothing changes.
   * @throws {@link AlreadyLoadingError} while a load is in progress and `whileLoading` is
   * `'reject'`; nothing changes.
   * @example
   * ```ts
   * import { Service } from 'rx-lifecycle';
   *
   * const service = new Service((config: { n: number }) => console.log('apply', config.n));
   * console.log(service.configure('{"n":1}').config); // {"n":1}
   * service.start();
   * // apply 1
   * service.configure(new TextEncoder().encode('{"n":2}'));
   * // apply 2
   * ```
   */
  configure(data: RawConfig): State {
    const value = this.#settings.parse(data);
    const event: ServiceEvent = {
      type: 'configure',
      now: this.#clock(),
      config: data,
      switchLoad: this.#settings.switchLoad,
    };
    return this.#run(event, { value });
  }

  /**
   * Makes the service inactive. Every signal handed to apply during the run aborts, a load in
   * progress ends and a pending retry is cancelled; then `onStop` is called.
   * @returns the new State.
   * @throws {@link AlreadyStoppedError} when not active; nothing changes.
   * @example
   * ```ts
   * import { Service } from 'rx-lifecycle';
   *
   * const service = new Service((_config, signal) => {
   *   signal.addEventListener('abort', () => console.log('aborted:', signal.reason.message));
   * }, { now: () => 1000, onStop: () => console.log('onStop') });
   * service.configure('{}');
   * service.start();
   * const state = service.stop();
   * // aborted: the service stopped
   * // onStop
   * console.log(state.active, state.lastInactiveTime); // false 1000
   * ```
   */
  stop(): State {
    const result = this.#run({ type: 'stop', now: this.#clock() });
    const onStop = this.#settings.onStop;
    if (onStop) callSafely(onStop);
    return result;
  }

  /**
   * Future changes only: the States committed after the subscription.
   * @example
   * ```ts
   * import { Service } from 'rx-lifecycle';
   *
   * const service = new Service(() => {});
   * service.configure('{}');
   * service.stateChanges().subscribe((s) => console.log(s.active, s.loading));
   * service.start(); // the subscription printed nothing before this
   * // true true
   * // true false
   * ```
   */
  stateChanges(): Observable<State> {
    return new Observable<State>((subscriber) => this.#join(subscriber));
  }

  /**
   * The current State and a stream of the changes after it, with nothing missed: the stream
   * is lazy, and if the State changed between this call and the subscription, it first
   * delivers the current State.
   * @example
   * ```ts
   * import { Service } from 'rx-lifecycle';
   *
   * const service = new Service(() => {});
   * const [state, changes$] = service.stateAndChanges();
   * service.start(); // a change between the call and the subscription
   * changes$.subscribe((s) => console.log('active:', s.active));
   * // active: true
   * console.log(state.active); // false
   * ```
   */
  stateAndChanges(): [State, Observable<State>] {
    const snapshot = this.#state;
    const changes = new Observable<State>((subscriber) => {
      const subscription = this.#join(subscriber);
      if (this.#state !== snapshot) subscriber.next(this.#state);
      return subscription;
    });
    return [snapshot, changes];
  }

  /**
   * Lets a {@link ServiceMap} follow this service's States without a subscription. One
   * watcher at a time: a second one is refused and should subscribe instead.
   * @returns the current State, which the watcher's first call follows, or `undefined`
   * when another watcher holds the slot.
   * @internal
   */
  [watchState](watcher: StateWatcher): State | undefined {
    if (this.#watcher !== undefined && this.#watcher !== watcher) return undefined;
    this.#watchFrom = this.#listened().position;
    this.#watcher = watcher;
    return this.#state;
  }

  /**
   * Ends what {@link Service[watchState]} began.
   * @returns the States committed but not yet delivered to the watcher, oldest first: they
   * will not reach it any more.
   * @internal
   */
  [unwatchState](watcher: StateWatcher): State[] {
    if (this.#watcher !== watcher) return [];
    this.#watcher = undefined;
    return this.#outbox!.pending(this.#watchFrom);
  }

  #clock(): number {
    const { now, scheduler } = this.#settings;
    return now ? now() : scheduler.now();
  }

  /**
   * One step of the lifecycle, for a command or a load's outcome alike: reduce, commit, do
   * the effects (and log a load's outcome), then deliver. Deliveries wait until the
   * outermost step is done, so effects never run after a subscriber has reacted.
   */
  #run(event: ServiceEvent, parsed?: { readonly value: C }, ctx?: RetryContext): State {
    let result: State;
    this.#depth++;
    try {
      const next = transition(this.#state, event);
      if (parsed !== undefined) this.#parsed = parsed;
      this.#commit(next, event.now);
      if (event.type === 'stop') this.#endRun(abortReasons.stopped);
      else if (event.type === 'gaveUp') this.#endRun(event.error);
      else if ((event.type === 'start' || event.type === 'configure') && next.loading) this.#beginLoad(event.now);
      if (ctx !== undefined) this.#settings.logger?.(ctx);
      result = this.#state;
    } finally {
      this.#depth--;
    }
    this.#flush();
    return result;
  }

  #commit(next: State, time: number): void {
    if (next === this.#state) return;
    this.#state = next;
    this.#outbox?.push(next, time);
  }

  /** Delivers the States committed so far, once no call or load hook is under way. */
  #flush(): void {
    if (this.#depth === 0) this.#outbox?.flush();
  }

  /** Hands one State to the watcher and the subscribers. */
  #deliver(next: State, time: number): void {
    const watcher = this.#watcher;
    if (watcher !== undefined && this.#outbox!.current >= this.#watchFrom) watcher[stateChanged](next, time);
    this.#subject?.next(next);
  }

  #listened(): PublishQueue<State> {
    return (this.#outbox ??= new PublishQueue((next, time) => this.#deliver(next, time)));
  }

  /** Subscribes to the States committed from now on. */
  #join(subscriber: Subscriber<State>): Subscription {
    return this.#listened().join((this.#subject ??= new Subject<State>()), subscriber);
  }

  /**
   * Begins a load of the parsed config at `start` (the time of the State that began it),
   * ending the previous load (switch semantics).
   */
  #beginLoad(start: number): void {
    this.#load?.cancel(abortReasons.superseded);
    const load = new Load();
    this.#load = load;
    const { scheduler, applyTimeout, policy } = this.#settings;
    const runSignals = (this.#kept ??= []); // one array per run: it tells runs apart
    // Each hook's State takes the time the backoff loop read for it, as does the logger's t0.
    const hooks: BackoffHooks = {
      succeeded: (ctx, now) => this.#settle(load, ctx, { type: 'succeeded', now, failures: ctx.attempt }),
      retrying: (ctx, now) =>
        this.#settle(load, ctx, { type: 'retrying', now, failures: ctx.attempt, error: ctx.error!, delay: ctx.delay }),
      gaveUp: (ctx, now) =>
        this.#settle(load, ctx, { type: 'gaveUp', now, failures: ctx.attempt, error: ctx.error! }),
    };
    const attempt = applyAttempt(this.#apply, this.#parsed!.value, {
      scheduler,
      timeout: applyTimeout,
      // A run that ended while its apply was still running owns no signals any more.
      keep: (controller) =>
        this.#kept === runSignals ? runSignals.push(controller) : controller.abort(abortReasons.stopped),
      cancelReason: () => load.cancelReason,
    });
    load.add(attempt.pipe(backoff(policy, scheduler, hooks, () => this.#clock(), start)).subscribe({ error: ignore }));
  }

  /** An attempt's outcome, from the backoff loop of `load`. */
  #settle(load: Load, ctx: RetryContext, event: ServiceEvent): void {
    // Nothing if the load was replaced or its run ended while it was starting.
    if (!load.closed) this.#run(event, undefined, ctx);
  }

  /**
   * Ends the run: the load, its pending retry and every signal it handed out, which abort
   * with `reason` (the stop, or the error the load gave up with).
   */
  #endRun(reason: unknown): void {
    const load = this.#load;
    const kept = this.#kept;
    this.#load = undefined;
    this.#kept = undefined;
    load?.cancel(reason);
    if (kept) for (const controller of kept) controller.abort(reason);
  }
}
