/**
 * The real service of test/properties/service.property.test.ts and the world around it: a fake
 * apply whose calls, signals and tasks are recorded, subscribers of every kind (one calls the
 * service back from inside its notifications, one throws), `onStop`, the retry logger, and the
 * comparison with the model of serviceModel.ts after every step.
 */
import { Observable, VirtualTimeScheduler, type Subscriber, type Subscription } from 'rxjs';
import { Service, TimeoutError, type RetryContext, type RetryOptions, type State } from 'rx-lifecycle';
import { PLAIN_FIELDS, TimeoutToken, WrapToken, type MErr, type MState } from './serviceModel';
import { SpecService } from './serviceModel.service';
import { lastDynamic, makeThrown, policyOf, type Behaviour, type GenOptions, type HookAction } from './serviceWorld';

const TIME_FIELDS = [
  'lastInactiveTime',
  'lastActiveTime',
  'lastErrorTime',
  'lastConfigTime',
  'lastLoadingStartTime',
  'lastLoadingEndTime',
  'nextAttemptTime',
] as const;

interface RCall {
  readonly config: unknown;
  readonly signal: AbortSignal;
  readonly behaviour: Behaviour;
  readonly stateAtCall: State;
  settled: boolean;
  subscriber: Subscriber<unknown> | undefined;
  subscribed: boolean;
  unsubscribed: boolean;
  resolve: (() => void) | undefined;
  reject: ((err: unknown) => void) | undefined;
}

interface RSub {
  readonly received: State[];
  subscription: Subscription | undefined;
  pending: Observable<State> | undefined;
  active: boolean;
  checked: number;
}

type ROutcome = { readonly ok: State } | { readonly error: string };

export class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

export function fail(message: string): never {
  throw new PropertyFailure(message);
}

function describeState(s: State | MState | undefined): string {
  if (s === undefined) return 'undefined';
  const out: Record<string, unknown> = {};
  for (const f of PLAIN_FIELDS) if (s[f] !== undefined) out[f] = s[f];
  if (s.config !== undefined) out.config = typeof s.config === 'string' ? s.config : `bytes[${Array.from(s.config).join(',')}]`;
  if (s.error !== undefined) {
    const e = s.error;
    out.error = e instanceof Error ? `${e.name}: ${e.message}` : e instanceof TimeoutToken ? `<timeout ${e.ms}>` : `<wrap ${String(e.value)}>`;
  }
  return JSON.stringify(out);
}

export class Harness {
  readonly sched = new VirtualTimeScheduler();
  readonly spec: SpecService;
  readonly service: Service<unknown>;

  behaviour: Behaviour = { kind: 'void' };
  thrown: unknown = undefined;
  readonly calls: RCall[] = [];
  readonly violations: string[] = [];
  readonly logs: RetryContext[] = [];
  onStops = 0;
  hook: HookAction | undefined = undefined;
  stopHook: HookAction | undefined = undefined;
  readonly hookResults: ROutcome[] = [];
  readonly subs: RSub[] = [];
  /** The State objects published, by index: bound the first time a subscriber gets one. */
  readonly realPub: State[] = [];
  readonly copies: Record<string, unknown>[] = [];
  readonly bound = new Map<WrapToken | TimeoutToken, Error>();
  readonly boundErrors = new Set<Error>();
  checkedHooks = 0;
  checkedLogs = 0;

  constructor(readonly gen: GenOptions) {
    const retry: boolean | RetryOptions | undefined =
      typeof gen.retry === 'object' ? { ...gen.retry, random: () => gen.random, logger: (ctx) => this.logs.push(ctx) } : gen.retry;
    this.spec = new SpecService(policyOf(gen), gen.whileLoading === 'switch', gen.applyTimeout, typeof gen.retry === 'object');
    this.behaviour = this.spec.behaviour = gen.initial;
    this.thrown = this.spec.thrown = makeThrown(gen.initialErr);
    this.service = new Service<unknown>((config, signal) => this.apply(config, signal), {
      scheduler: this.sched,
      onStop: () => this.onStop(),
      retry,
      whileLoading: gen.whileLoading,
      applyTimeout: gen.applyTimeout,
    });
    this.spec.subs.push(
      { kind: 'state$', start: 0, end: undefined, active: true, callIndex: 0 },
      { kind: 'state$', start: 0, end: undefined, active: true, callIndex: 0 },
      { kind: 'state$', start: 0, end: undefined, active: true, callIndex: 0 },
    );
    const plain = this.newSub();
    plain.subscription = this.service.state$.subscribe((s) => plain.received.push(s));
    const hooked = this.newSub();
    hooked.subscription = this.service.state$.subscribe((s) => {
      hooked.received.push(s);
      const hook = this.hook;
      if (hook !== undefined) {
        this.hook = undefined;
        this.exec(hook);
      }
    });
    const thrower = this.newSub();
    thrower.subscription = this.service.state$.subscribe((s) => {
      thrower.received.push(s);
      throw new Error('a subscriber that throws');
    });
  }

  newSub(): RSub {
    const sub: RSub = { received: [], subscription: undefined, pending: undefined, active: true, checked: 0 };
    this.subs.push(sub);
    return sub;
  }

  // -- the fake apply

  apply(config: unknown, signal: AbortSignal): void | PromiseLike<void> | Observable<unknown> {
    const state = this.service.state;
    if (!state.active) this.violations.push(`apply #${this.calls.length} called for a stopped service`);
    else if (!state.loading) this.violations.push(`apply #${this.calls.length} called while not loading`);
    this.calls.forEach((c, i) => {
      if (!c.settled && !c.signal.aborted) this.violations.push(`apply #${this.calls.length} called while #${i} is still in flight`);
    });
    const b = this.behaviour;
    const thrown = this.thrown;
    const call: RCall = {
      config,
      signal,
      behaviour: b,
      stateAtCall: state,
      settled: false,
      subscriber: undefined,
      subscribed: false,
      unsubscribed: false,
      resolve: undefined,
      reject: undefined,
    };
    this.calls.push(call);
    switch (b.kind) {
      case 'void':
        call.settled = true;
        return undefined;
      case 'null':
        call.settled = true;
        return null as unknown as void;
      case 'value':
        call.settled = true;
        return { answer: 42 } as unknown as void;
      case 'throw':
        call.settled = true;
        throw thrown;
      case 'obs':
        return new Observable<unknown>((subscriber) => {
          call.subscriber = subscriber;
          call.subscribed = true;
          if (b.first !== 'none') call.settled = true;
          if (b.first === 'next') subscriber.next(1);
          else if (b.first === 'complete') subscriber.complete();
          else if (b.first === 'error') subscriber.error(thrown);
          return () => {
            call.unsubscribed = true;
          };
        });
      case 'promise': {
        const promise = new Promise<void>((resolve, reject) => {
          call.resolve = resolve;
          call.reject = reject;
        });
        promise.catch(() => {});
        if (b.how === 'resolve') {
          call.settled = true;
          call.resolve!();
        } else if (b.how === 'reject') {
          call.settled = true;
          call.reject!(thrown);
        }
        // A hand-written thenable, not a Promise: it must be treated as one.
        return b.thenable ? { then: (onOk, onErr) => promise.then(onOk, onErr) } : promise;
      }
    }
  }

  onStop(): void {
    this.onStops++;
    const hook = this.stopHook;
    if (hook !== undefined) {
      this.stopHook = undefined;
      this.exec(hook);
    }
  }

  exec(hook: HookAction): void {
    const record = (fn: () => State) => {
      try {
        this.hookResults.push({ ok: fn() });
      } catch (err) {
        this.hookResults.push({ error: (err as Error).name });
      }
    };
    switch (hook.type) {
      case 'start':
        return record(() => this.service.start());
      case 'stop':
        return record(() => this.service.stop());
      case 'configure':
        return record(() => this.service.configure(hook.data));
      case 'subscribe':
        return this.subscribe('state$');
      case 'unsubscribe': {
        const j = lastDynamic(this.subs);
        if (j >= 0) this.unsubscribe(j);
      }
    }
  }

  subscribe(kind: 'state$' | 'changes' | 'snapshot'): void {
    const sub = this.newSub();
    const onState = (s: State) => sub.received.push(s);
    if (kind === 'state$') sub.subscription = this.service.state$.subscribe(onState);
    else if (kind === 'changes') sub.subscription = this.service.stateChanges().subscribe(onState);
    else {
      const [snapshot, changes] = this.service.stateAndChanges();
      if (snapshot !== this.service.state) fail('stateAndChanges() snapshot is not service.state');
      sub.pending = changes;
      sub.active = false;
    }
  }

  unsubscribe(j: number): void {
    const sub = this.subs[j]!;
    sub.subscription?.unsubscribe();
    sub.active = false;
  }

  // -- steps

  /** Runs a step on the service and on the spec, lets promises settle, and compares everything. */
  async step(real: () => State | void, model: () => MState | void): Promise<void> {
    const r = outcome(real);
    const m = outcome(model);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.spec.microtasks();
    this.verify();
    if ('error' in r || 'error' in m) {
      const rName = 'error' in r ? (r.error as Error).name : 'no error';
      const mName = 'error' in m ? (m.error as Error).name : 'no error';
      if (rName !== mName) fail(`the service threw ${rName}${'error' in r ? ` (${(r.error as Error).message})` : ''}, the spec ${mName}`);
    } else if (r.ok !== undefined || m.ok !== undefined) {
      this.checkReturned(r.ok as State, m.ok as MState, 'the method');
    }
  }

  checkReturned(real: State, model: MState, what: string): void {
    const k = this.spec.published.lastIndexOf(model);
    if (k < 0) fail(`${what}: the spec returned a State it never published`);
    if (real !== this.realPub[k]) {
      fail(`${what} returned ${describeState(real)}, the spec says State #${k} ${describeState(model)}`);
    }
  }

  /** Binds State `k` the first time a subscriber gets it, and checks it against the spec. */
  bind(k: number, s: State, who: number): void {
    const known = this.realPub[k];
    if (known !== undefined) {
      if (known !== s) fail(`subscriber ${who} got a different object for State #${k}`);
      return;
    }
    const model = this.spec.published[k];
    if (model === undefined) fail(`subscriber ${who} got State #${k}, which the spec never published`);
    if (!Object.isFrozen(s)) fail(`State #${k} is not frozen`);
    if (s.loading && !s.active) fail(`State #${k} is loading but not active`);
    if (s.nextAttemptTime !== undefined && !s.loading) fail(`State #${k} has nextAttemptTime but is not loading`);
    for (const f of TIME_FIELDS) {
      const t = s[f];
      if (t !== undefined && !Number.isFinite(t)) fail(`State #${k} has ${f} = ${t}, not a finite time`);
    }
    if (!Number.isInteger(s.failedAttempts) || s.failedAttempts < 0) fail(`State #${k} has failedAttempts = ${s.failedAttempts}`);
    const diff = this.stateDiff(s, model);
    if (diff !== undefined) {
      fail(`State #${k} differs from the spec in ${diff}:\n  service ${describeState(s)}\n  spec    ${describeState(model)}`);
    }
    this.realPub[k] = s;
    this.copies[k] = { ...s };
  }

  stateDiff(s: State, m: MState): string | undefined {
    for (const f of PLAIN_FIELDS) if (!Object.is(s[f], m[f])) return f;
    if (s.config !== m.config) return 'config';
    return this.errorDiff(s.error, m.error);
  }

  errorDiff(real: Error | undefined, m: MErr | undefined): string | undefined {
    if (m === undefined) return real === undefined ? undefined : 'error';
    if (m instanceof Error) return real === m ? undefined : 'error';
    const bound = this.bound.get(m);
    if (bound !== undefined) return bound === real ? undefined : 'error';
    if (!(real instanceof Error) || this.boundErrors.has(real)) return 'error';
    if (m instanceof TimeoutToken) {
      if (!(real instanceof TimeoutError) || real.timeout !== m.ms) return 'error';
    } else if (!real.message.includes(String(m.value))) {
      return 'error';
    }
    this.bound.set(m, real);
    this.boundErrors.add(real);
    return undefined;
  }

  verify(): void {
    const spec = this.spec;
    if (!spec.settled()) fail('the spec model did not settle');
    if (this.sched.now() !== spec.now) fail(`clock ${this.sched.now()} vs spec ${spec.now}`);

    // Every subscriber got every State once, in order, the same objects.
    if (this.subs.length !== spec.subs.length) fail('subscriber lists out of step');
    this.subs.forEach((sub, i) => {
      const ms = spec.subs[i]!;
      if (ms.start === undefined) {
        if (sub.received.length > 0) fail(`subscriber ${i} got States before it subscribed`);
        return;
      }
      const end = ms.end ?? spec.published.length;
      if (sub.received.length !== end - ms.start) {
        fail(`subscriber ${i} got ${sub.received.length} States, the spec published ${end - ms.start} to it (#${ms.start}..#${end - 1})`);
      }
      for (let j = sub.checked; j < sub.received.length; j++) this.bind(ms.start + j, sub.received[j]!, i);
      sub.checked = sub.received.length;
    });
    if (this.realPub.length !== spec.published.length) fail(`${this.realPub.length} States published, the spec ${spec.published.length}`);
    if (this.service.state !== this.realPub[this.realPub.length - 1]) {
      fail(`service.state ${describeState(this.service.state)} is not the last published State`);
    }

    // apply: when, with what, and the signals.
    if (this.violations.length > 0) fail(this.violations.join('; '));
    if (this.calls.length !== spec.calls.length) fail(`apply was called ${this.calls.length} times, the spec says ${spec.calls.length}`);
    this.calls.forEach((call, i) => {
      const mc = spec.calls[i]!;
      if (JSON.stringify(call.config) !== JSON.stringify(mc.load.config)) fail(`apply #${i} got config ${JSON.stringify(call.config)}`);
      if (call.signal.aborted !== mc.aborted) {
        fail(`the signal of apply #${i} (${call.behaviour.kind}, run ${mc.run}, ${mc.phase}) is ${call.signal.aborted ? '' : 'not '}aborted; the spec says it is ${mc.aborted ? '' : 'not '}(current run ${spec.run}, active ${spec.st.active})`);
      }
      if (call.behaviour.kind === 'obs') {
        const live = call.subscribed && !call.unsubscribed;
        const specLive = mc.phase === 'inflight' || mc.phase === 'live';
        if (live !== specLive) fail(`the Observable of apply #${i} is ${live ? 'still' : 'not'} subscribed; the spec says it is ${mc.phase}`);
      }
    });

    // Timers: exactly the spec's pending one, if any.
    const due = this.sched.actions.map((a) => a.delay);
    const specDue = spec.timer === undefined ? [] : [spec.timer.due];
    if (due.length !== specDue.length || due.some((d, i) => d !== specDue[i])) {
      fail(`pending timers at [${due.join(', ')}], the spec says [${specDue.join(', ')}] (${spec.timer?.kind ?? 'none'})`);
    }

    // The logger, onStop, and the re-entrant calls.
    if (this.logs.length !== spec.logs.length) fail(`the logger was called ${this.logs.length} times, the spec says ${spec.logs.length}`);
    for (; this.checkedLogs < this.logs.length; this.checkedLogs++) {
      const r = this.logs[this.checkedLogs]!;
      const m = spec.logs[this.checkedLogs]!;
      if (r.attempt !== m.attempt || r.delay !== m.delay || r.t0 !== m.t0 || this.errorDiff(r.error, m.error) !== undefined) {
        fail(`logger call ${this.checkedLogs}: ${JSON.stringify({ ...r, error: r.error?.message })} vs spec ${JSON.stringify({ ...m, error: undefined })}`);
      }
    }
    if (this.onStops !== spec.onStops) fail(`onStop called ${this.onStops} times, the spec says ${spec.onStops}`);
    if (this.hookResults.length !== spec.hookResults.length) fail('re-entrant calls out of step');
    for (; this.checkedHooks < this.hookResults.length; this.checkedHooks++) {
      const r = this.hookResults[this.checkedHooks]!;
      const m = spec.hookResults[this.checkedHooks]!;
      if ('error' in r || 'error' in m) {
        const rName = 'error' in r ? r.error : 'no error';
        const mName = 'error' in m ? m.error : 'no error';
        if (rName !== mName) fail(`re-entrant call ${this.checkedHooks} threw ${rName}, the spec ${mName}`);
      } else {
        this.checkReturned(r.ok, m.ok, `re-entrant call ${this.checkedHooks}`);
      }
    }
  }

  /** At the end: no published State was changed afterwards. */
  finalCheck(): void {
    this.realPub.forEach((s, k) => {
      const copy = this.copies[k]!;
      for (const key of Object.keys(copy)) {
        if ((s as unknown as Record<string, unknown>)[key] !== copy[key]) fail(`State #${k} was mutated after it was published (${key})`);
      }
    });
  }

  dispose(): void {
    this.hook = undefined;
    this.stopHook = undefined;
    if (this.service.state.active) this.service.stop();
    for (const sub of this.subs) sub.subscription?.unsubscribe();
  }
}

export function outcome<T>(fn: () => T): { ok: T } | { error: unknown } {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
}
