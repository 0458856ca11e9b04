/**
 * The world of test/properties/service.reentrancy.property.test.ts: a Service whose apply, abort
 * listeners, `onStop`, retry logger and subscribers may each call back into it, and the checks
 * of SPEC.md's promises that hold whatever those callbacks do (issue 15):
 * - no apply call on a stopped service, nor with another attempt of it in flight;
 * - "loading implies active" and "nextAttemptTime only while loading" in every published State;
 *   every State frozen;
 * - every subscriber sees the same States in the same order, the last one `service.state`;
 * - a stopped service runs nothing: every signal handed to apply has aborted, no Observable task
 *   is subscribed, no timer is pending; a running one has at most one task and one attempt;
 * - a signal of an ended run has aborted; a result that arrives after its attempt ended changes
 *   nothing (no State, no logger call);
 * - `stop()` returns an inactive State, and `onStop` runs once per successful stop;
 * - the methods throw only the errors the spec names.
 */
import { Observable, VirtualTimeScheduler, type Subscriber } from 'rxjs';
import {
  AlreadyLoadingError,
  AlreadyStartedError,
  AlreadyStoppedError,
  Service,
  type RawConfig,
  type RetryContext,
  type RetryOptions,
  type State,
} from 'rx-lifecycle';

/** What apply does with its next calls. */
export type Behaviour = 'void' | 'throw' | 'resolve' | 'reject' | 'hang' | 'task' | 'taskError' | 'taskLater';
/** Where a callback into the service can come from. */
export type Site = 'abort' | 'onStop' | 'logger' | 'subscriber' | 'apply';
/** What such a callback does. */
export type Action = 'start' | 'stop' | 'configure' | 'configureOther' | 'configureBad';

export const RAWS: Record<'configure' | 'configureOther' | 'configureBad', () => RawConfig> = {
  configure: () => '{"v":1}',
  configureOther: () => new TextEncoder().encode('{"v":2}'),
  configureBad: () => '{oops',
};

export interface ReentrancyOptions {
  readonly retry: false | Omit<RetryOptions, 'logger'>;
  readonly whileLoading: 'reject' | 'switch';
  readonly applyTimeout: number | undefined;
}

export class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

interface Call {
  readonly signal: AbortSignal;
  readonly run: number;
  readonly behaviour: Behaviour;
  /** Settled by its own result (as far as apply is concerned). */
  settled: boolean;
  resolve?: () => void;
  reject?: (err: unknown) => void;
  subscriber?: Subscriber<unknown>;
  subscribed: boolean;
  /** The promise it returned: the service called its then(); it was rejected. */
  taken: boolean;
  rejected: boolean;
}

/** Errors a method may throw, by the spec: the Already* errors and a parse error. */
const ALLOWED = [AlreadyStartedError, AlreadyStoppedError, AlreadyLoadingError, SyntaxError];

export class ReentrancyHarness {
  readonly sched = new VirtualTimeScheduler();
  readonly service: Service<unknown>;
  readonly violations: string[] = [];
  readonly calls: Call[] = [];
  behaviour: Behaviour = 'void';
  /** Armed callbacks: each fires once, the next time its site is reached. */
  readonly armed = new Map<Site, Action>();
  /** Every subscriber's States; 0 and 1 subscribed from the start, the rest later. */
  readonly seen: State[][] = [];
  readonly later: { from: number; states: State[]; closed: boolean; unsubscribe: () => void }[] = [];
  logs = 0;
  onStops = 0;
  stops = 0;
  /** Runs begun so far (successful start() calls); apply calls are tagged with it. */
  run = 0;

  constructor(options: ReentrancyOptions) {
    const retry = options.retry === false ? false : { ...options.retry, logger: (ctx: RetryContext) => this.onLog(ctx) };
    this.service = new Service((_config: unknown, signal) => this.apply(signal), {
      scheduler: this.sched,
      retry,
      whileLoading: options.whileLoading,
      applyTimeout: options.applyTimeout,
      onStop: () => {
        this.onStops++;
        this.fire('onStop');
      },
    });
    for (let i = 0; i < 2; i++) {
      const states: State[] = [];
      this.seen.push(states);
      this.service.state$.subscribe((s) => {
        states.push(s);
        if (i === 1) this.fire('subscriber');
      });
    }
  }

  // -- the methods, from the test or from a callback

  /** Calls `action` on the service; reports what the spec does not allow. */
  act(action: Action, where: string): void {
    try {
      switch (action) {
        case 'start': {
          this.run++;
          try {
            this.service.start();
          } catch (err) {
            this.run--;
            throw err;
          }
          return;
        }
        case 'stop': {
          const returned = this.service.stop();
          this.stops++;
          if (returned.active) this.violations.push(`stop() ${where} returned an active State`);
          return;
        }
        default: {
          const returned = this.service.configure(RAWS[action]());
          if (returned.lastConfigTime !== this.sched.now()) this.violations.push(`configure() ${where} returned a State without its config`);
        }
      }
    } catch (err) {
      if (!ALLOWED.some((E) => err instanceof E)) {
        this.violations.push(`${action}() ${where} threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
      }
    }
  }

  fire(site: Site): void {
    const action = this.armed.get(site);
    if (action === undefined) return;
    this.armed.delete(site);
    this.act(action, `from ${site === 'subscriber' ? 'a subscriber' : site}`);
  }

  onLog(_ctx: RetryContext): void {
    this.logs++;
    this.fire('logger');
  }

  apply(signal: AbortSignal): void | Promise<void> | Observable<unknown> {
    const state = this.service.state;
    const n = this.calls.length;
    if (!state.active || !state.loading) this.violations.push(`apply #${n} called on a service that is not loading: ${brief(state)}`);
    this.calls.forEach((c, i) => {
      if (!c.settled && !c.signal.aborted) this.violations.push(`apply #${n} called while #${i} is in flight`);
    });
    const call: Call = { signal, run: this.run, behaviour: this.behaviour, settled: false, subscribed: false, taken: false, rejected: false };
    this.calls.push(call);
    signal.addEventListener('abort', () => this.fire('abort'), { once: true });
    this.fire('apply');
    switch (call.behaviour) {
      case 'void':
        call.settled = true;
        return undefined;
      case 'throw':
        call.settled = true;
        throw new Error(`apply #${n} failed`);
      case 'resolve':
      case 'reject':
      case 'hang': {
        const promise = new Promise<void>((resolve, reject) => Object.assign(call, { resolve, reject }));
        promise.catch(() => {}); // the check is `taken`, not the process's unhandled-rejection hook
        if (call.behaviour === 'resolve') this.settle(call, 'ok');
        if (call.behaviour === 'reject') this.settle(call, 'error');
        // A thenable that tells whether the service took it up.
        const thenable: PromiseLike<void> = {
          then: (onOk, onError) => {
            call.taken = true;
            return promise.then(onOk, onError);
          },
        };
        return thenable as Promise<void>;
      }
      default:
        return new Observable<unknown>((subscriber) => {
          call.subscriber = subscriber;
          call.subscribed = true;
          if (call.behaviour === 'task') this.settle(call, 'ok');
          else if (call.behaviour === 'taskError') this.settle(call, 'error');
          return () => {
            call.subscribed = false;
          };
        });
    }
  }

  /** Settles `call` (an Observable emits or errors; a promise resolves or rejects). */
  settle(call: Call, how: 'ok' | 'error'): void {
    const error = new Error('failed later');
    if (call.resolve !== undefined) {
      call.settled = true;
      if (how === 'ok') call.resolve();
      else {
        call.rejected = true;
        call.reject!(error);
      }
    } else if (call.subscriber !== undefined) {
      call.settled = true;
      if (how === 'ok') call.subscriber.next('up');
      else call.subscriber.error(error);
    }
  }

  /** Calls that a test may settle: hanging promises and tasks that are still subscribed. */
  settleable(): Call[] {
    return this.calls.filter((c) => (c.resolve !== undefined && !c.settled) || (c.subscriber !== undefined && c.subscribed));
  }

  subscribeLater(): void {
    const entry = { from: this.seen[0]!.length, states: [] as State[], closed: false, unsubscribe: () => {} };
    // state$ replays the current State: the one the first subscriber saw last.
    entry.from -= 1;
    const subscription = this.service.state$.subscribe((s) => entry.states.push(s));
    entry.unsubscribe = () => {
      entry.closed = true;
      subscription.unsubscribe();
    };
    this.later.push(entry);
  }

  // -- the checks

  fail(message: string): never {
    throw new PropertyFailure(message);
  }

  verify(): void {
    if (this.violations.length > 0) this.fail(this.violations.join('; '));
    this.calls.forEach((c, i) => {
      // A rejection nobody handles crashes a Node process: the service must take up every
      // promise it is given, also one whose run ended while apply was running.
      if (c.rejected && !c.taken) this.fail(`the promise apply #${i} returned was rejected, and the service never handled it`);
    });
    const [main, other] = this.seen as [State[], State[]];
    main.forEach((s, k) => {
      if (!Object.isFrozen(s)) this.fail(`State #${k} is not frozen`);
      if (s.loading && !s.active) this.fail(`State #${k} is loading but not active: ${brief(s)}`);
      if (s.nextAttemptTime !== undefined && !s.loading) this.fail(`State #${k} has nextAttemptTime but is not loading`);
      if (other[k] !== s) this.fail(`the subscribers saw different States at #${k}`);
    });
    if (other.length !== main.length) this.fail(`the subscribers saw ${main.length} and ${other.length} States`);
    const state = this.service.state;
    if (main[main.length - 1] !== state) this.fail(`the last State a subscriber saw is not service.state: ${brief(state)}`);
    for (const l of this.later) {
      l.states.forEach((s, j) => {
        if (main[l.from + j] !== s) this.fail(`a later subscriber saw State #${l.from + j} out of order`);
      });
      if (!l.closed && l.from + l.states.length !== main.length) this.fail('a later subscriber missed States');
    }
    if (this.onStops !== this.stops) this.fail(`onStop ran ${this.onStops} times for ${this.stops} successful stops`);

    const inFlight = this.calls.filter((c) => !c.settled && !c.signal.aborted).length;
    const tasks = this.calls.filter((c) => c.subscribed).length;
    if (tasks > 1) this.fail(`${tasks} Observable tasks are subscribed`);
    if (inFlight > 1) this.fail(`${inFlight} attempts are in flight`);
    if (!state.active) {
      this.calls.forEach((c, i) => {
        if (!c.signal.aborted) this.fail(`the service is stopped, but the signal of apply #${i} has not aborted`);
      });
      if (tasks > 0) this.fail('the service is stopped, but an Observable task is still subscribed');
      if (this.sched.actions.length > 0) this.fail(`the service is stopped, but ${this.sched.actions.length} timers are pending`);
    } else {
      this.calls.forEach((c, i) => {
        if (c.run < this.run && !c.signal.aborted) this.fail(`the signal of apply #${i}, of an ended run, has not aborted`);
      });
      if (!state.loading && inFlight > 0) this.fail('an attempt is in flight, but the service is not loading');
    }
  }
}

export function brief(s: State): string {
  const flags = [s.active ? 'active' : 'inactive', s.loading ? 'loading' : '', s.error ? `error ${s.error.message}` : ''];
  if (s.nextAttemptTime !== undefined) flags.push(`next ${s.nextAttemptTime}`);
  return flags.filter(Boolean).join(', ');
}
