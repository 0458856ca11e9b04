import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { ApplyFunc } from './ApplyFunc.js';
import { TimeoutError } from './errors.js';
import { asyncResult } from './internal/applyResult.js';
import { Streak } from './internal/backoff.js';
import { Outbox, type OutboxMember } from './internal/outbox.js';
import { callSafely, frozenError } from './internal/reportError.js';
import { abortReasons, RunSignals, type Abortable } from './internal/signals.js';
import { transition, type ServiceEvent } from './internal/transitions.js';
import { requiredFunction } from './internal/validate.js';
import type { Lifecycle } from './Lifecycle.js';
import type { RetryContext } from './RetryOptions.js';
import { settingsOf, type ServiceOptions, type Settings } from './ServiceOptions.js';
import { freezeConfig, initialState, sameConfig, type RawConfig, type State } from './State.js';

/** Swallows the rejection of a promise whose attempt no longer counts. */
function ignore(): void {}

/** The parsed config of the last accepted raw config, boxed so that any `C` counts. */
interface Parsed<C> {
  readonly value: C;
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
 * @typeParam R - the raw config `configure()` takes: text or bytes ({@link RawConfig}) unless
 * `parse` takes another type; an object config is deep-frozen when accepted.
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
export class Service<C = unknown, R = RawConfig> implements Lifecycle<R> {
  readonly #apply: ApplyFunc<C>;
  readonly #settings: Settings<C, R>;
  /** The committed State: what `state` returns, and what a new subscriber starts from. */
  #state: State<R>;
  /** Delivers committed States to subscribers and followers; made with the first one. */
  #outbox: Outbox<State<R>> | undefined;
  /** The accepted config and its loads: made by the first config accepted. */
  #loads: Loads<C> | undefined;

  /**
   * @param apply - loads each config; see {@link ApplyFunc}.
   * @param options - parser, clock, scheduler, retry and the rest; see {@link ServiceOptions}.
   * @throws TypeError or RangeError naming the field, for a non-function `apply` or a bad option.
   */
  constructor(apply: ApplyFunc<C>, options?: ServiceOptions<C, R>) {
    requiredFunction('apply', apply);
    this.#apply = apply;
    this.#settings = settingsOf(options);
    this.#state = initialState(this.#now());
  }

  /** The current snapshot: the last State committed. */
  get state(): State<R> {
    return this.#state;
  }

  /** The parsed value of the config last accepted, `undefined` before any. */
  get parsedConfig(): C | undefined {
    return this.#loads?.parsed.value;
  }

  /**
   * The current State, then every change, to each subscriber, like a `BehaviorSubject`.
   * Never completes.
   */
  get state$(): Observable<State<R>> {
    return new Observable<State<R>>((subscriber) => {
      const leave = this.#join(subscriber);
      subscriber.next(this.#state);
      return leave;
    });
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
  start(): State<R> {
    return this.#dispatch({ type: 'start', now: this.#now(), hasConfig: this.#loads !== undefined });
  }

  /**
   * Parses and accepts `data` as the config, and begins loading it if the service is active.
   * @param data - raw config: text or bytes, or what `parse` takes.
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
  configure(data: R): State<R> {
    const { parse, switchLoad, reloadUnchanged } = this.#settings;
    const parsed: Parsed<C> = { value: parse(data) };
    const state = this.#state;
    const loaded = this.#loads?.run?.loaded;
    const reload =
      reloadUnchanged || state.loading || loaded === undefined || !sameConfig(parsed.value, loaded.value);
    const config = freezeConfig(data);
    return this.#dispatch({ type: 'configure', now: this.#now(), config, switchLoad, reload }, parsed);
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
  stop(): State<R> {
    const stopped = this.#dispatch({ type: 'stop', now: this.#now() });
    const onStop = this.#settings.onStop;
    if (onStop) callSafely(onStop);
    return stopped;
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
  stateChanges(): Observable<State<R>> {
    return new Observable<State<R>>((subscriber) => this.#join(subscriber));
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
  stateAndChanges(): [State<R>, Observable<State<R>>] {
    const snapshot = this.#state;
    const changes = new Observable<State<R>>((subscriber) => {
      const leave = this.#join(subscriber);
      if (this.#state !== snapshot) subscriber.next(this.#state);
      return leave;
    });
    return [snapshot, changes];
  }

  /**
   * Adds `member` to the States committed from now on: the way a {@link ServiceMap} follows a
   * service, as one more member of the outbox its subscribers use, with no subscription.
   * @param home - the outbox to take when the service has none yet (a map's record is one,
   * so that following costs no object of its own).
   * @internal
   */
  follow(member: OutboxMember<State<R>>, home?: Outbox<State<R>>): void {
    (this.#outbox ??= home ?? new Outbox()).addMember(member);
  }

  /**
   * Ends what {@link Service.follow} began.
   * @returns the States committed that `member` has not had yet, oldest first.
   * @internal
   */
  unfollow(member: OutboxMember<State<R>>): State<R>[] {
    const outbox = this.#outbox;
    if (outbox === undefined) return [];
    const missed = outbox.removeMember(member);
    // A follower's own outbox is let go once nobody listens and nothing is under way; the next
    // listener makes a new one.
    if ((outbox as unknown) === member && !outbox.observed && outbox.idle) this.#outbox = undefined;
    return missed;
  }

  /** Subscribes `subscriber` to the States committed from now on. */
  #join(subscriber: Subscriber<State<R>>): () => void {
    return (this.#outbox ??= new Outbox()).joinListener(subscriber);
  }

  /** Takes `parsed` as the accepted config. */
  #accept(parsed: Parsed<C>): void {
    const loads = this.#loads;
    if (loads === undefined) this.#loads = new Loads(parsed);
    else loads.parsed = parsed;
  }

  #now(): number {
    const { now, scheduler } = this.#settings;
    return now ? now() : scheduler.now();
  }

  /**
   * One step of the lifecycle, for a command or a load's outcome alike: reduce, commit, run
   * the effects, then deliver. Deliveries wait until the outermost step is done, so no
   * subscriber reacts before the effects of what it sees have run.
   * @returns the State after the step's own effects (for a stop: the stopped State itself).
   */
  #dispatch(event: ServiceEvent<R>, parsed?: Parsed<C>, ctx?: RetryContext): State<R> {
    const outbox = this.#outbox;
    outbox?.openBatch();
    try {
      const next = transition(this.#state, event);
      if (parsed !== undefined) this.#accept(parsed);
      if (next !== this.#state) {
        this.#state = next;
        this.#outbox?.enqueue(next);
      }
      this.#effects(event, next);
      if (ctx !== undefined) this.#settings.policy.log?.(ctx);
      return event.type === 'stop' ? next : this.#state;
    } finally {
      if (outbox) outbox.closeBatch();
      else this.#outbox?.deliverQueued();
    }
  }

  #effects(event: ServiceEvent<R>, next: State<R>): void {
    switch (event.type) {
      case 'stop':
        this.#endRun(abortReasons.stopped);
        break;
      case 'gaveUp':
        this.#endRun(event.error);
        break;
      case 'start':
      case 'configure':
        // A callback may have moved the service on since `next` was committed.
        if (next.loading && this.#state === next) this.#beginLoad();
        break;
      case 'retrying':
        if (this.#state === next) this.#scheduleRetry(this.#loads!.number, event.delay);
        break;
      case 'succeeded':
        break;
    }
  }

  /** Begins a load of the parsed config, ending the one before it (switch semantics). */
  #beginLoad(): void {
    const loads = this.#loads!;
    const load = ++loads.number;
    loads.run?.cancel(abortReasons.superseded);
    // An abort listener of the old load may have stopped or reconfigured the service.
    if (load === loads.number) this.#attemptLoad(load);
  }

  /** Calls apply once for `load`, and follows what it returns. */
  #attemptLoad(load: number): void {
    const loads = this.#loads!;
    const run = (loads.run ??= new Run());
    const attempt = run.signals.attempt();
    run.attempt = attempt;
    let result: unknown;
    try {
      result = this.#apply(loads.parsed.value, attempt.signal);
    } catch (err) {
      this.#failed(attempt, err);
      return;
    }
    const later = asyncResult(result);
    if (load !== loads.number) {
      // Stopped or superseded from inside apply (its signal aborted): the result is ignored,
      // and a promise's rejection is handled here rather than reported as unhandled.
      if (later?.settlesAtValue) later.source.subscribe({ error: ignore });
      return;
    }
    if (later === undefined) {
      this.#succeeded(attempt, false);
      return;
    }
    const timeout = this.#settings.applyTimeout;
    if (timeout !== undefined) {
      run.timer = this.#settings.scheduler.schedule(() => {
        this.#failed(attempt, frozenError(new TimeoutError(timeout)));
      }, timeout);
    }
    let settled = false;
    const task = later.source.subscribe({
      next: () => {
        if (settled) return;
        settled = true;
        this.#succeeded(attempt, !later.settlesAtValue);
      },
      error: (err: unknown) => this.#failed(attempt, err),
      complete: () => {
        // A task that completed after its success keeps its signal until its load ends.
        if (!settled) this.#succeeded(attempt, false);
      },
    });
    // Until it settles (and a task, after its success too) it is cancelled with its attempt.
    if (attempt === run.attempt && !task.closed) run.task = task;
    else task.unsubscribe();
  }

  /** `attempt` succeeded; a `running` task goes on as the background work. */
  #succeeded(attempt: Abortable, running: boolean): void {
    const loads = this.#loads!; // an attempt is of a config
    const run = loads.run;
    if (run === undefined || attempt !== run.attempt) return; // superseded, timed out, or its run ended
    run.timer?.unsubscribe();
    run.timer = undefined;
    if (!running) {
      run.attempt = run.task = undefined;
      run.signals.keep(attempt);
    }
    const now = this.#now();
    const { policy } = this.#settings;
    let streak = run.streak;
    // Only a task that failed again soon after its success goes on counting (resetAfter).
    if (running && policy.resetAfter > 0) streak ??= run.streak = new Streak(policy, this.#state.lastLoadingStartTime!);
    else run.streak = undefined;
    const ctx = streak?.succeeded(now) ?? { attempt: 0, error: undefined, delay: 0, t0: this.#state.lastLoadingStartTime! };
    run.loaded = loads.parsed;
    this.#dispatch({ type: 'succeeded', now, failures: ctx.attempt }, undefined, ctx);
  }

  /** `attempt` failed with `err`: retry it, or give up. */
  #failed(attempt: Abortable, err: unknown): void {
    const loads = this.#loads!; // an attempt is of a config
    const run = loads.run;
    if (run === undefined || attempt !== run.attempt) return; // superseded, timed out, or its run ended
    const load = loads.number;
    const task = run.task;
    run.timer?.unsubscribe();
    run.timer = run.task = run.attempt = run.loaded = undefined;
    task?.unsubscribe(); // a task that timed out, or one that errored (then a no-op)
    const now = this.#now();
    const state = this.#state;
    const streak = (run.streak ??= new Streak(this.#settings.policy, state.loading ? state.lastLoadingStartTime! : now));
    const verdict = streak.failed(err, now);
    attempt.abort(err);
    if (load !== loads.number) return; // an abort listener stopped or reconfigured the service
    const failures = verdict.context.attempt;
    this.#dispatch(
      verdict.retry
        ? { type: 'retrying', now, failures, error: verdict.context.error!, delay: verdict.delay }
        : { type: 'gaveUp', now, failures, error: verdict.context.error! },
      undefined,
      verdict.context,
    );
  }

  #scheduleRetry(load: number, delay: number): void {
    const loads = this.#loads!;
    const run = loads.run!; // the failure that asked for the retry is of this run
    run.timer = this.#settings.scheduler.schedule(() => {
      run.timer = undefined;
      if (load === loads.number) this.#attemptLoad(load);
    }, delay);
  }

  /** Ends the run: the load, its pending retry and every signal it handed out abort with `reason`. */
  #endRun(reason: unknown): void {
    const loads = this.#loads;
    if (loads === undefined) return; // never configured: nothing was loaded
    loads.number++;
    const run = loads.run;
    if (run === undefined) return;
    // Let go of it first: an abort listener that starts a new run gets a new one.
    loads.run = undefined;
    run.cancel(reason);
    run.signals.abortAll(reason);
  }
}

/**
 * What a service keeps once it has accepted a config: the config, the number of the current
 * load, and the current run. A service that was never configured carries none of it: a
 * smaller Service is a faster one in a large map, where each change finds it out of cache.
 */
class Loads<C> {
  /** The config last accepted. */
  parsed: Parsed<C>;
  /**
   * Number of the current load; moves on when a load begins and when the run ends. Every
   * callback into user code can call back in, so each effect checks afterwards that its load
   * is still the current one.
   */
  number = 0;
  /** What the current run's loads have going; made by its first load. */
  run: Run<C> | undefined = undefined;

  constructor(parsed: Parsed<C>) {
    this.parsed = parsed;
  }
}

/**
 * What a run keeps while its loads go on: made by its first load and let go when it ends, so
 * that a service with nothing to load (and a stopped one) carries none of it.
 */
class Run<C> {
  /** The attempt in flight, or the Observable task that succeeded and runs on. */
  attempt: Abortable | undefined = undefined;
  /** The Observable task's subscription. */
  task: Subscription | undefined = undefined;
  /** The pending retry, or the timeout of the attempt in flight. */
  timer: Subscription | undefined = undefined;
  /** The failure count of the current load, made at its first failure (or run, for resetAfter). */
  streak: Streak | undefined = undefined;
  /** The parsed config the last successful load of this run applied (for `reloadUnchanged`). */
  loaded: Parsed<C> | undefined = undefined;
  /** Every signal this run handed to apply: they abort when it ends. */
  readonly signals = new RunSignals();

  /** Ends the current load: its timers, its task, and its attempt in flight abort with `reason`. */
  cancel(reason: unknown): void {
    const { timer, task, attempt } = this;
    this.timer = this.task = this.attempt = this.streak = this.loaded = undefined;
    timer?.unsubscribe();
    task?.unsubscribe();
    attempt?.abort(reason);
  }
}
