/**
 * The service as SPEC.md sections 2 and 7 describe it, one synchronous step at a time: the
 * methods of 2.1, a load of 2.2 with its attempts and retries, the publishing rules of 2.3.
 * Every State it makes is a list of the patches of serviceModel.ts, each one a sentence.
 */
import { AbortRetryError, AlreadyLoadingError, AlreadyStartedError, AlreadyStoppedError, type RawConfig } from 'rx-lifecycle';
import {
  NEW,
  TimeoutToken,
  accepted,
  asError,
  gaveUp,
  loadBegins,
  loadEndedByStop,
  retryScheduled,
  specDelay,
  specParse,
  specSame,
  started,
  stopped,
  succeeded,
  type MCall,
  type MLoad,
  type MLog,
  type MOutcome,
  type MState,
  type MSub,
  type MTimer,
  type Patch,
  type Policy,
} from './serviceModel';
import { lastDynamic, type Behaviour, type HookAction, type SettleOutcome } from './serviceWorld';

export class SpecService {
  now = 0;
  st: MState = NEW;
  readonly published: MState[] = [NEW];
  /** 2.3: committed States wait here while a method or a load's outcome is under way. */
  readonly #outbox: MState[] = [];
  #busy = 0;
  #delivering = false;
  /** The parsed value of the config last accepted. */
  #accepted: { readonly value: unknown } | undefined = undefined;
  /** Runs begun so far: "A new run begins" at each start(). */
  run = 0;
  load: MLoad | undefined = undefined;
  readonly calls: MCall[] = [];
  timer: MTimer | undefined = undefined;
  behaviour: Behaviour = { kind: 'void' };
  thrown: unknown = undefined;
  readonly logs: MLog[] = [];
  onStops = 0;
  hook: HookAction | undefined = undefined;
  stopHook: HookAction | undefined = undefined;
  readonly hookResults: MOutcome[] = [];
  readonly subs: MSub[] = [];

  constructor(
    readonly policy: Policy,
    readonly switchLoad: boolean,
    readonly applyTimeout: number | undefined,
    readonly logging: boolean,
  ) {}

  /** Nothing committed is waiting, and no step is under way. */
  settled(): boolean {
    return this.#outbox.length === 0 && this.#busy === 0 && !this.#delivering;
  }

  // -- 2.1 the methods

  start(): MState {
    if (this.st.active) throw new AlreadyStartedError(); // "Active already: throw; nothing changes"
    return this.#step(() => {
      this.run++; // "A new run begins"
      if (this.#accepted === undefined) return this.#change(started(this.now));
      this.#change(started(this.now), loadBegins(this.now)); // "If a config has been accepted before, begin a load"
      this.#newLoad();
    });
  }

  configure(data: RawConfig): MState {
    const value = specParse(data); // "Call parse(data) first. If it throws, that same error propagates"
    if (this.st.loading && !this.switchLoad) throw new AlreadyLoadingError(); // 7 whileLoading 'reject'
    return this.#step(() => {
      this.#accepted = { value }; // "and keep the parsed value"
      if (!this.st.active) return this.#change(accepted(data, this.now));
      this.#change(accepted(data, this.now), loadBegins(this.now)); // "If active, begin a load"
      this.#newLoad();
    });
  }

  stop(): MState {
    if (!this.st.active) throw new AlreadyStoppedError(); // "Not active: throw; nothing changes"
    const result = this.#step(() => {
      this.#change(stopped(this.now), ...(this.st.loading ? [loadEndedByStop(this.now)] : []));
      this.#endRun(); // "Every signal ... aborts. A load in progress ends; a pending retry is cancelled"
    });
    this.onStops++; // "Then onStop is called, once"
    const hook = this.stopHook;
    if (hook !== undefined) {
      this.stopHook = undefined;
      this.#exec(hook, -1);
    }
    return result;
  }

  // -- 2.3 publishing

  /** One step: its changes are committed, then delivered once no step is under way. */
  #step(body: () => void): MState {
    let result: MState;
    this.#busy++;
    try {
      body();
      result = this.st;
    } finally {
      this.#busy--;
    }
    this.#deliver();
    return result;
  }

  /** The State the patches make, committed unless it equals the current one. */
  #change(...patches: Patch[]): void {
    const next: MState = Object.assign({}, this.st, ...patches) as MState;
    if (specSame(this.st, next)) return; // "publishes nothing and leaves the current State object in place"
    this.st = next;
    this.#outbox.push(next);
  }

  /** "publish every committed State exactly once, in commit order, to every subscriber". */
  #deliver(): void {
    if (this.#busy > 0 || this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#outbox.length > 0) {
        this.published.push(this.#outbox.shift()!);
        const hook = this.hook;
        if (hook !== undefined) {
          this.hook = undefined;
          this.#exec(hook, this.published.length - 1);
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  /** A re-entrant call, from the hooked subscriber while it gets State `index`, or from onStop. */
  #exec(hook: HookAction, index: number): void {
    const record = (fn: () => MState) => {
      try {
        this.hookResults.push({ ok: fn() });
      } catch (err) {
        this.hookResults.push({ error: (err as Error).name });
      }
    };
    if (hook.type === 'start') return record(() => this.start());
    if (hook.type === 'stop') return record(() => this.stop());
    if (hook.type === 'configure') return record(() => this.configure(hook.data));
    if (hook.type === 'subscribe') {
      // state$ starts from the current State: the last committed, which may still wait.
      const current = this.published.length - 1 + this.#outbox.length;
      this.subs.push({ kind: 'state$', start: current, end: undefined, active: true, callIndex: current });
      return;
    }
    const j = lastDynamic(this.subs);
    if (j >= 0) Object.assign(this.subs[j]!, { end: index, active: false });
  }

  // -- 2.2 a load

  #newLoad(): void {
    const previous = this.load;
    this.load = { config: this.#accepted!.value, failures: 0, t0: this.now, runningSince: undefined, ended: false };
    if (previous !== undefined) this.#endLoad(previous); // switch semantics: the old one closes
    this.#attempt(this.load);
  }

  /**
   * The load ends: its pending timer is cancelled, its running attempt or task closes and
   * aborts. 2.2: an Observable's "subscription stays open, as the background task, until the
   * run ends or the next load of this service begins (... its signal aborts)": the signal of a
   * task that succeeded at a value aborts then even if the task has completed since. A `void`,
   * promise or at-once-completed result is not a task: its signal lives until the run ends
   * (docs/decisions.md, Signals).
   */
  #endLoad(load: MLoad): void {
    load.ended = true;
    if (this.timer?.load === load) this.timer = undefined;
    for (const call of this.calls) {
      if (call.load !== load) continue;
      if (call.phase === 'inflight' || call.phase === 'live') Object.assign(call, { phase: 'gone', aborted: true });
      else if (call.task) call.aborted = true;
    }
  }

  /** "the run ends (every signal of it aborts)". */
  #endRun(): void {
    const load = this.load;
    this.load = undefined;
    if (load !== undefined) this.#endLoad(load);
    for (const call of this.calls) if (call.run === this.run) call.aborted = true;
  }

  /** Step 2: "Call apply(config, signal) synchronously"; what it returns decides the outcome. */
  #attempt(load: MLoad): void {
    const b = this.behaviour;
    const call: MCall = {
      run: this.run,
      load,
      behaviour: b,
      thrown: this.thrown,
      phase: 'inflight',
      aborted: false,
      auto: undefined,
      controllable: false,
      task: false,
    };
    this.calls.push(call);
    const known = b.kind === 'void' || b.kind === 'null' || b.kind === 'value' ? 'ok' : b.kind === 'throw' ? 'error' : undefined;
    const first = b.kind === 'obs' ? b.first : undefined;
    if (known === 'ok' || first === 'complete') return this.#succeed(call, 'done');
    if (known === 'error' || first === 'error') return this.#fail(call, call.thrown);
    if (first === 'next') {
      call.controllable = true;
      return this.#succeed(call, 'live');
    }
    if (this.applyTimeout !== undefined) this.timer = { due: this.now + this.applyTimeout, kind: 'timeout', load, call };
    if (b.kind === 'promise' && b.how !== 'hang') call.auto = b.how;
    else call.controllable = true;
  }

  /** Step 3: success; an Observable stays live as the task. */
  #succeed(call: MCall, phase: 'done' | 'live'): void {
    call.phase = phase;
    call.task = phase === 'live';
    const load = call.load;
    load.runningSince = this.now;
    this.#outcome(load, [succeeded(this.now, load.failures)], { attempt: load.failures, error: undefined, delay: 0, t0: load.t0 });
  }

  /** Step 4: "the attempt's signal aborts; failures += 1", then retry or give up. */
  #fail(call: MCall, thrown: unknown): void {
    Object.assign(call, { phase: 'failed', aborted: true });
    const load = call.load;
    const reload: Patch[] = [];
    if (load.runningSince !== undefined) {
      // "If it errors after its success, the service loads the same config again (loading = true,
      // t0 = now)"; 7 resetAfter: the count starts again only after a run of at least resetAfter.
      if (this.now - load.runningSince >= this.policy.resetAfter) load.failures = 0;
      load.runningSince = undefined;
      load.t0 = this.now;
      if (!this.st.loading) reload.push(loadBegins(this.now));
    }
    const failures = ++load.failures;
    const fatal = thrown instanceof AbortRetryError;
    if (fatal || (this.policy.maxAttempts > 0 && failures >= this.policy.maxAttempts)) {
      const error = asError(fatal ? thrown.cause : thrown); // "error = cause (the unwrapped error)"
      this.#outcome(load, [...reload, gaveUp(this.now, failures, error)], { attempt: failures, error, delay: 0, t0: load.t0 }, true);
      return;
    }
    const delay = specDelay(this.policy, failures);
    const error = asError(thrown);
    this.#outcome(load, [...reload, retryScheduled(this.now, failures, error, delay)], { attempt: failures, error, delay, t0: load.t0 });
    if (!load.ended) this.timer = { due: this.now + delay, kind: 'retry', load, call: undefined };
  }

  /** "An apply that settles after its run ended changes nothing at all: no state, no logger call." */
  #outcome(load: MLoad, patches: Patch[], log: MLog, givesUp = false): void {
    if (load.ended) return;
    this.#step(() => {
      this.#change(...patches);
      if (givesUp) this.#endRun();
      if (this.logging) this.logs.push(log);
    });
  }

  // -- the outside world: time, promises, hand-driven results

  /** Virtual time moves to `until`, firing the timers that fall due on the way. */
  advance(until: number): void {
    while (this.timer !== undefined && this.timer.due <= until) {
      const timer = this.timer;
      this.timer = undefined;
      this.now = timer.due;
      if (timer.kind === 'retry') this.#attempt(timer.load); // "After delay on the scheduler, go to step 2"
      else this.#fail(timer.call!, new TimeoutToken(this.applyTimeout!)); // 7 applyTimeout
    }
    this.now = until;
  }

  /** Promises settled during the step reach the service. */
  microtasks(): void {
    for (const call of this.calls) {
      const how = call.auto;
      if (how === undefined) continue;
      call.auto = undefined;
      if (call.phase !== 'inflight') continue; // settled after its load or run ended: nothing
      if (this.timer?.call === call) this.timer = undefined;
      if (how === 'resolve') this.#succeed(call, 'done');
      else this.#fail(call, call.thrown);
    }
  }

  /** A hanging Observable emits, completes or errors; a hanging promise settles. */
  settleCall(call: MCall, outcome: SettleOutcome, thrown: unknown): void {
    if (call.behaviour.kind === 'promise') {
      Object.assign(call, { controllable: false, auto: outcome === 'error' ? 'reject' : 'resolve', thrown });
      return;
    }
    if (outcome !== 'next') call.controllable = false;
    if (call.phase === 'inflight') {
      if (this.timer?.call === call) this.timer = undefined;
      if (outcome === 'error') this.#fail(call, thrown);
      else this.#succeed(call, outcome === 'next' ? 'live' : 'done');
    } else if (call.phase === 'live') {
      if (outcome === 'complete') call.phase = 'done';
      else if (outcome === 'error') this.#fail(call, thrown); // the task crashed after its success
    }
  }

  settleCandidates(): number[] {
    return this.calls.flatMap((call, i) => (call.controllable ? [i] : []));
  }
}
