/**
 * Model-based property test of `Service`: random sequences of start, stop, configure (valid
 * and invalid configs), applies that succeed or fail (sync, promise, thenable, Observable,
 * hanging), Observable tasks that crash after their success, retry and timeout timers on
 * virtual time, re-entrant calls from a subscriber and from `onStop`, and subscribers that
 * come and go. After every step the service is compared with `Spec`, a small reference
 * implementation written from SPEC.md sections 1, 2 and 7, and the invariants are checked:
 * - `loading` implies `active`; `nextAttemptTime` only while loading; every State frozen
 *   and never mutated;
 * - every subscriber gets every State exactly once, in order (the same objects for all of
 *   them), and its last one is `service.state`; each method returns the State the spec says;
 * - apply is called exactly when the spec says, never for a stopped service, never with
 *   another attempt in flight; each signal is aborted exactly when the spec says (every
 *   signal of an ended run is aborted); an Observable task is subscribed exactly while the
 *   spec says it runs;
 * - the pending timers of the scheduler are exactly the spec's (none after a stop);
 * - the retry logger and `onStop` are called exactly when the spec says.
 *
 * Runs: `FC_NUM_RUNS` (default 500, a fixed seed), seed `FC_SEED`, replay `FC_PATH` (see fcEnv.ts).
 */
import fc from 'fast-check';
import { Observable, VirtualTimeScheduler, config as rxConfig, type Subscriber, type Subscription } from 'rxjs';
import {
  AbortRetryError,
  AlreadyLoadingError,
  AlreadyStartedError,
  AlreadyStoppedError,
  Service,
  TimeoutError,
  abortRetry,
  type RawConfig,
  type RetryContext,
  type RetryOptions,
  type State,
} from 'rx-lifecycle';
import { assertProperty, commandsOptions, timeoutFor } from './fcEnv';

const DEFAULT_RUNS = 500;

// ---------------------------------------------------------------------------------------
// What a test can ask of the fake apply, and of the re-entrant hooks.

type ErrKind = 'error' | 'abort' | 'string';
type Behaviour =
  | { readonly kind: 'void' | 'null' | 'value' }
  | { readonly kind: 'throw'; readonly err: ErrKind }
  | { readonly kind: 'obs'; readonly first: 'none' | 'next' | 'complete' | 'error'; readonly err: ErrKind }
  | { readonly kind: 'promise'; readonly how: 'resolve' | 'reject' | 'hang'; readonly thenable: boolean; readonly err: ErrKind };
type SettleOutcome = 'next' | 'complete' | 'error';

/** Raw configs: valid and invalid text, bytes, bytes that are not UTF-8. Each call makes a fresh object. */
const RAWS: readonly (() => RawConfig)[] = [
  () => '{"a":1}',
  () => '{"a":2}',
  () => 'null',
  () => '[1,2]',
  () => '',
  () => '{oops',
  () => new TextEncoder().encode('{"a":1}'),
  () => new TextEncoder().encode('{"a":3}'),
  () => new Uint8Array([0xff, 0xfe, 0x7b]),
  () => Buffer.from('{"a":1}'), // a Uint8Array subclass, equal by its bytes to RAWS[6]
];

type HookSpec = { readonly type: 'start' | 'stop' | 'subscribe' | 'unsubscribe' } | { readonly type: 'configure'; readonly raw: number };
/** A hook with its config made: the very same object goes to the service and to the spec. */
type HookAction = { readonly type: 'start' | 'stop' | 'subscribe' | 'unsubscribe' } | { readonly type: 'configure'; readonly data: RawConfig };

let thrownCounter = 0;
function makeThrown(kind: ErrKind): unknown {
  const n = ++thrownCounter;
  if (kind === 'abort') return abortRetry(new Error(`fatal ${n}`));
  if (kind === 'string') return `thrown string ${n}`;
  return new Error(`boom ${n}`);
}

function materialize(h: HookSpec): HookAction {
  return h.type === 'configure' ? { type: 'configure', data: RAWS[h.raw]!() } : { type: h.type };
}

// ---------------------------------------------------------------------------------------
// The spec, as a reference model.

/** The error of a model State: a real Error (compared by identity) or a token for one the service makes. */
class WrapToken {
  constructor(readonly value: unknown) {}
}
class TimeoutToken {
  constructor(readonly ms: number) {}
}
type MErr = Error | WrapToken | TimeoutToken;

interface MState {
  active: boolean;
  config: RawConfig | undefined;
  loading: boolean;
  error: MErr | undefined;
  failedAttempts: number;
  lastInactiveTime: number | undefined;
  lastActiveTime: number | undefined;
  lastErrorTime: number | undefined;
  lastConfigTime: number | undefined;
  lastLoadingStartTime: number | undefined;
  lastLoadingEndTime: number | undefined;
  nextAttemptTime: number | undefined;
}

const PLAIN_FIELDS = [
  'active',
  'loading',
  'failedAttempts',
  'lastInactiveTime',
  'lastActiveTime',
  'lastErrorTime',
  'lastConfigTime',
  'lastLoadingStartTime',
  'lastLoadingEndTime',
  'nextAttemptTime',
] as const;

const TIME_FIELDS = [
  'lastInactiveTime',
  'lastActiveTime',
  'lastErrorTime',
  'lastConfigTime',
  'lastLoadingStartTime',
  'lastLoadingEndTime',
  'nextAttemptTime',
] as const;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** SPEC 2.3: equal means every field equal, config by content, error by identity. */
function specSame(a: MState, b: MState): boolean {
  const configEqual =
    a.config === b.config || (a.config instanceof Uint8Array && b.config instanceof Uint8Array && sameBytes(a.config, b.config));
  return configEqual && a.error === b.error && PLAIN_FIELDS.every((f) => Object.is(a[f], b[f]));
}

/** SPEC 2 (ParseFunc default): JSON of the text, bytes decoded as UTF-8. */
function specParse(raw: RawConfig): unknown {
  const text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
  return JSON.parse(text) as unknown;
}

interface Policy {
  readonly initialDelay: number;
  readonly factor: number;
  readonly maxDelay: number;
  readonly minDelay: number;
  readonly maxAttempts: number;
  readonly jitter: number;
  readonly random: () => number;
  readonly resetAfter: number;
}

/** SPEC 2.2 step 4: the delay after failure number `failures`. */
function specDelay(p: Policy, failures: number): number {
  // initialDelay * factor^(failures-1) is 0 when initialDelay is 0, however large the power.
  const grown = p.initialDelay === 0 ? 0 : p.initialDelay * p.factor ** (failures - 1);
  const delay = Math.max(Math.min(grown, p.maxDelay), p.minDelay);
  return p.jitter === 0 ? delay : delay * (1 - p.jitter * p.random());
}

interface MLoad {
  readonly config: unknown;
  failures: number;
  t0: number;
  /** Set while an Observable attempt has succeeded and runs as the task. */
  runningSince: number | undefined;
  closed: boolean;
}

type Phase = 'inflight' | 'live' | 'done' | 'failed' | 'gone';
interface MCall {
  readonly run: number;
  readonly load: MLoad;
  readonly behaviour: Behaviour;
  thrown: unknown;
  phase: Phase;
  aborted: boolean;
  /** A promise that settles with the next microtasks. */
  auto: 'resolve' | 'reject' | undefined;
  /** Settle commands may pick it. */
  controllable: boolean;
}

interface MTimer {
  readonly due: number;
  readonly kind: 'retry' | 'timeout';
  readonly load: MLoad;
  readonly call: MCall | undefined;
}

interface MLog {
  readonly attempt: number;
  readonly error: MErr | undefined;
  readonly delay: number;
  readonly t0: number;
}

interface MSub {
  readonly kind: 'state$' | 'changes' | 'snapshot';
  /** Index in `published` of the first State it gets; undefined until subscribed. */
  start: number | undefined;
  /** Index after the last State it gets, once unsubscribed. */
  end: number | undefined;
  active: boolean;
  /** For `snapshot`: the published index when stateAndChanges() was called. */
  readonly callIndex: number;
}

type MOutcome = { readonly ok: MState } | { readonly error: string };

type SpecEvent =
  | { readonly type: 'succeeded'; readonly failures: number }
  | { readonly type: 'retrying'; readonly failures: number; readonly error: MErr; readonly delay: number }
  | { readonly type: 'gaveUp'; readonly failures: number; readonly error: MErr };

function loadStart(next: MState, now: number): void {
  next.loading = true;
  next.failedAttempts = 0;
  next.lastLoadingStartTime = now;
  next.lastLoadingEndTime = undefined;
  next.nextAttemptTime = undefined;
}

function loadEnd(next: MState, now: number): void {
  next.loading = false;
  next.lastLoadingEndTime = now;
  next.nextAttemptTime = undefined;
}

function toMErr(thrown: unknown): MErr {
  return thrown instanceof Error || thrown instanceof TimeoutToken ? thrown : new WrapToken(thrown);
}

/** The service as SPEC.md describes it, one synchronous step at a time. */
class Spec {
  now = 0;
  st: MState;
  readonly published: MState[];
  readonly queue: MState[] = [];
  draining = false;
  depth = 0;
  parsed: { readonly value: unknown } | undefined = undefined;
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
  ) {
    this.st = {
      active: false,
      config: undefined,
      loading: false,
      error: undefined,
      failedAttempts: 0,
      lastInactiveTime: 0,
      lastActiveTime: undefined,
      lastErrorTime: undefined,
      lastConfigTime: undefined,
      lastLoadingStartTime: undefined,
      lastLoadingEndTime: undefined,
      nextAttemptTime: undefined,
    };
    this.published = [this.st];
  }

  // -- the three commands (SPEC 2.1)

  start(): MState {
    if (this.st.active) throw new AlreadyStartedError();
    let result: MState;
    this.depth++;
    try {
      const next: MState = { ...this.st, active: true, error: undefined, lastActiveTime: this.now };
      if (this.parsed !== undefined) loadStart(next, this.now);
      this.commit(next);
      this.run++;
      if (next.loading) this.beginLoad();
      result = this.st;
    } finally {
      this.depth--;
    }
    this.flush();
    return result;
  }

  configure(data: RawConfig): MState {
    const value = specParse(data);
    if (this.st.loading && !this.switchLoad) throw new AlreadyLoadingError();
    let result: MState;
    this.depth++;
    try {
      const next: MState = { ...this.st, config: data, lastConfigTime: this.now };
      if (this.st.active) loadStart(next, this.now);
      this.parsed = { value };
      this.commit(next);
      if (next.loading) this.beginLoad();
      result = this.st;
    } finally {
      this.depth--;
    }
    this.flush();
    return result;
  }

  stop(): MState {
    if (!this.st.active) throw new AlreadyStoppedError();
    let result: MState;
    this.depth++;
    try {
      const next: MState = { ...this.st, active: false, lastInactiveTime: this.now };
      if (this.st.loading) loadEnd(next, this.now);
      this.commit(next);
      this.endRun();
      result = this.st;
    } finally {
      this.depth--;
    }
    this.flush();
    this.onStops++;
    const hook = this.stopHook;
    if (hook !== undefined) {
      this.stopHook = undefined;
      this.exec(hook, -1);
    }
    return result;
  }

  // -- publishing (SPEC 2.3)

  commit(next: MState): void {
    if (specSame(this.st, next)) return;
    this.st = next;
    this.queue.push(next);
  }

  flush(): void {
    if (this.depth > 0 || this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        this.published.push(this.queue.shift()!);
        const hook = this.hook;
        if (hook !== undefined) {
          this.hook = undefined;
          this.exec(hook, this.published.length - 1);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** A re-entrant call, from the hook subscriber while it gets State `index`, or from onStop. */
  exec(hook: HookAction, index: number): void {
    const record = (fn: () => MState) => {
      try {
        this.hookResults.push({ ok: fn() });
      } catch (err) {
        this.hookResults.push({ error: (err as Error).name });
      }
    };
    switch (hook.type) {
      case 'start':
        return record(() => this.start());
      case 'stop':
        return record(() => this.stop());
      case 'configure':
        return record(() => this.configure(hook.data));
      case 'subscribe': {
        // state$ starts from the current State: the last committed, which may still be queued.
        const current = this.published.length - 1 + this.queue.length;
        this.subs.push({ kind: 'state$', start: current, end: undefined, active: true, callIndex: current });
        return;
      }
      case 'unsubscribe': {
        const j = lastDynamic(this.subs);
        if (j >= 0) {
          this.subs[j]!.end = index;
          this.subs[j]!.active = false;
        }
      }
    }
  }

  // -- a load (SPEC 2.2)

  beginLoad(): void {
    const previous = this.load;
    const load: MLoad = { config: this.parsed!.value, failures: 0, t0: this.now, runningSince: undefined, closed: false };
    this.load = load;
    if (previous !== undefined) this.closeLoad(previous);
    this.attempt(load);
  }

  /** The load ends: its pending timer is cancelled, its running attempt or task is closed and aborted. */
  closeLoad(load: MLoad): void {
    load.closed = true;
    if (this.timer?.load === load) this.timer = undefined;
    for (const call of this.calls) {
      if (call.load === load && (call.phase === 'inflight' || call.phase === 'live')) {
        call.phase = 'gone';
        call.aborted = true;
      }
    }
  }

  /** The run ends: its load ends and every signal handed out during it aborts. */
  endRun(): void {
    const load = this.load;
    this.load = undefined;
    if (load !== undefined) this.closeLoad(load);
    for (const call of this.calls) if (call.run === this.run) call.aborted = true;
  }

  attempt(load: MLoad): void {
    const b = this.behaviour;
    const call: MCall = { run: this.run, load, behaviour: b, thrown: this.thrown, phase: 'inflight', aborted: false, auto: undefined, controllable: false };
    this.calls.push(call);
    switch (b.kind) {
      case 'void':
      case 'null':
      case 'value':
        call.phase = 'done';
        this.succeed(load);
        return;
      case 'throw':
        call.phase = 'failed';
        call.aborted = true;
        this.fail(load, call.thrown);
        return;
      case 'obs':
        if (b.first === 'next') {
          call.controllable = true;
          call.phase = 'live';
          this.succeed(load);
        } else if (b.first === 'complete') {
          call.phase = 'done';
          this.succeed(load);
        } else if (b.first === 'error') {
          call.phase = 'failed';
          call.aborted = true;
          this.fail(load, call.thrown);
        } else {
          call.controllable = true;
          this.startTimeout(call);
        }
        return;
      case 'promise':
        this.startTimeout(call);
        if (b.how === 'hang') call.controllable = true;
        else call.auto = b.how;
        return;
    }
  }

  startTimeout(call: MCall): void {
    if (this.applyTimeout !== undefined) {
      this.timer = { due: this.now + this.applyTimeout, kind: 'timeout', load: call.load, call };
    }
  }

  cancelTimeout(call: MCall): void {
    if (this.timer?.call === call) this.timer = undefined;
  }

  succeed(load: MLoad): void {
    load.runningSince = this.now;
    this.settle(load, { type: 'succeeded', failures: load.failures }, { attempt: load.failures, error: undefined, delay: 0, t0: load.t0 });
  }

  fail(load: MLoad, thrown: unknown): void {
    if (load.runningSince !== undefined) {
      // SPEC 2.2 / 7 resetAfter: a crash after a long enough run counts from zero again.
      if (this.now - load.runningSince >= this.policy.resetAfter) load.failures = 0;
      load.runningSince = undefined;
      load.t0 = this.now;
    }
    load.failures++;
    const failures = load.failures;
    const fatal = thrown instanceof AbortRetryError;
    if (fatal || (this.policy.maxAttempts > 0 && failures >= this.policy.maxAttempts)) {
      const error = toMErr(fatal ? thrown.cause : thrown);
      this.settle(load, { type: 'gaveUp', failures, error }, { attempt: failures, error, delay: 0, t0: load.t0 });
      return;
    }
    const delay = specDelay(this.policy, failures);
    const error = toMErr(thrown);
    this.settle(load, { type: 'retrying', failures, error, delay }, { attempt: failures, error, delay, t0: load.t0 });
    if (!load.closed) this.timer = { due: this.now + delay, kind: 'retry', load, call: undefined };
  }

  settle(load: MLoad, event: SpecEvent, log: MLog): void {
    if (load.closed) return;
    this.depth++;
    try {
      this.commit(this.reduce(event));
      if (event.type === 'gaveUp') this.endRun();
      if (this.logging) this.logs.push(log);
    } finally {
      this.depth--;
    }
    this.flush();
  }

  reduce(event: SpecEvent): MState {
    const now = this.now;
    const next: MState = { ...this.st };
    switch (event.type) {
      case 'succeeded':
        loadEnd(next, now);
        next.failedAttempts = event.failures;
        break;
      case 'retrying':
        if (!next.loading) loadStart(next, now); // an Observable task crashed after its success
        next.error = event.error;
        next.failedAttempts = event.failures;
        next.lastErrorTime = now;
        next.nextAttemptTime = now + event.delay;
        break;
      case 'gaveUp':
        if (!next.loading) loadStart(next, now);
        loadEnd(next, now);
        next.active = false;
        next.error = event.error;
        next.failedAttempts = event.failures;
        next.lastErrorTime = now;
        next.lastInactiveTime = now;
        break;
    }
    return next;
  }

  // -- the outside world

  /** Virtual time moves to `until`, firing the timers that fall due on the way. */
  advance(until: number): void {
    while (this.timer !== undefined && this.timer.due <= until) {
      const timer = this.timer;
      this.timer = undefined;
      this.now = timer.due;
      if (timer.kind === 'retry') {
        this.attempt(timer.load);
      } else {
        const call = timer.call!;
        call.phase = 'failed';
        call.aborted = true;
        this.fail(call.load, new TimeoutToken(this.applyTimeout!));
      }
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
      this.cancelTimeout(call);
      if (how === 'resolve') {
        call.phase = 'done';
        this.succeed(call.load);
      } else {
        call.phase = 'failed';
        call.aborted = true;
        this.fail(call.load, call.thrown);
      }
    }
  }

  /** A hanging Observable emits, completes or errors; a hanging promise settles. */
  settleCall(call: MCall, outcome: SettleOutcome, thrown: unknown): void {
    if (call.behaviour.kind === 'promise') {
      call.controllable = false;
      call.auto = outcome === 'error' ? 'reject' : 'resolve';
      call.thrown = thrown;
      return;
    }
    if (outcome !== 'next') call.controllable = false;
    if (call.phase === 'inflight') {
      this.cancelTimeout(call);
      if (outcome === 'next') {
        call.phase = 'live';
        this.succeed(call.load);
      } else if (outcome === 'complete') {
        call.phase = 'done';
        this.succeed(call.load);
      } else {
        call.phase = 'failed';
        call.aborted = true;
        this.fail(call.load, thrown);
      }
    } else if (call.phase === 'live') {
      if (outcome === 'complete') {
        call.phase = 'done';
      } else if (outcome === 'error') {
        call.phase = 'failed';
        call.aborted = true;
        this.fail(call.load, thrown); // the task crashed after its success: a reload
      }
    }
  }

  settleCandidates(): number[] {
    const out: number[] = [];
    this.calls.forEach((call, i) => {
      if (call.controllable) out.push(i);
    });
    return out;
  }
}

/** The last subscriber added by a test (not one of the three fixed ones) that is still subscribed. */
function lastDynamic(subs: readonly { active: boolean }[]): number {
  for (let j = subs.length - 1; j >= FIXED_SUBS; j--) if (subs[j]!.active) return j;
  return -1;
}

/** Subscribers 0..2: plain, the one with the re-entrant hook, one that throws at every State. */
const FIXED_SUBS = 3;

// ---------------------------------------------------------------------------------------
// The real service and the world around it.

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

interface GenOptions {
  /** What apply does until a command changes it. */
  readonly initial: Behaviour;
  readonly initialErr: ErrKind;
  readonly retry: undefined | boolean | Omit<RetryOptions, 'random' | 'logger'>;
  readonly random: number;
  readonly whileLoading: 'reject' | 'switch' | undefined;
  readonly applyTimeout: number | undefined;
}

function policyOf(gen: GenOptions): Policy {
  const defaults: Policy = {
    initialDelay: 500,
    factor: 1.5,
    maxDelay: 30_000,
    minDelay: 500,
    maxAttempts: 0,
    jitter: 0,
    random: () => gen.random,
    resetAfter: 0,
  };
  if (gen.retry === undefined || gen.retry === false) return { ...defaults, maxAttempts: 1 }; // give up at the first failure
  if (gen.retry === true) return defaults;
  const r = gen.retry;
  return {
    ...defaults,
    initialDelay: r.initialDelay ?? defaults.initialDelay,
    factor: r.factor ?? defaults.factor,
    maxDelay: r.maxDelay ?? defaults.maxDelay,
    minDelay: r.minDelay ?? defaults.minDelay,
    maxAttempts: r.maxAttempts ?? defaults.maxAttempts,
    jitter: r.jitter ?? defaults.jitter,
    resetAfter: r.resetAfter ?? defaults.resetAfter,
  };
}

class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

function fail(message: string): never {
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

class Harness {
  readonly sched = new VirtualTimeScheduler();
  readonly spec: Spec;
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
    this.spec = new Spec(policyOf(gen), gen.whileLoading === 'switch', gen.applyTimeout, typeof gen.retry === 'object');
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
    if (spec.queue.length > 0 || spec.depth !== 0 || spec.draining) fail('the spec model did not settle');
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

function outcome<T>(fn: () => T): { ok: T } | { error: unknown } {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
}

// ---------------------------------------------------------------------------------------
// Commands.

type Cmd = fc.AsyncCommand<Harness, Harness>;

function command(label: string, check: (h: Harness) => boolean, run: (h: Harness) => Promise<void>): Cmd {
  return { check, run: (_m, h) => run(h), toString: () => label };
}

const always = () => true;
const errKind = fc.constantFrom<ErrKind>('error', 'abort', 'string');
const rawIndex = fc.integer({ min: 0, max: RAWS.length - 1 });

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  { arbitrary: fc.constantFrom<Behaviour>({ kind: 'void' }, { kind: 'null' }, { kind: 'value' }), weight: 2 },
  { arbitrary: errKind.map((err): Behaviour => ({ kind: 'throw', err })), weight: 2 },
  {
    arbitrary: fc
      .record({ first: fc.constantFrom('none' as const, 'next' as const, 'complete' as const, 'error' as const), err: errKind })
      .map((r): Behaviour => ({ kind: 'obs', ...r })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ how: fc.constantFrom('resolve' as const, 'reject' as const, 'hang' as const), thenable: fc.boolean(), err: errKind })
      .map((r): Behaviour => ({ kind: 'promise', ...r })),
    weight: 3,
  },
);

const hookArb: fc.Arbitrary<HookSpec> = fc.oneof(
  fc.constantFrom<HookSpec>({ type: 'start' }, { type: 'stop' }, { type: 'subscribe' }, { type: 'unsubscribe' }),
  rawIndex.map((raw): HookSpec => ({ type: 'configure', raw })),
);
const stopHookArb: fc.Arbitrary<HookSpec> = fc.oneof(
  fc.constantFrom<HookSpec>({ type: 'start' }, { type: 'stop' }),
  rawIndex.map((raw): HookSpec => ({ type: 'configure', raw })),
);

const startCmd = fc.constant(
  command('start()', always, (h) =>
    h.step(
      () => h.service.start(),
      () => h.spec.start(),
    ),
  ),
);
const stopCmd = fc.constant(
  command('stop()', always, (h) =>
    h.step(
      () => h.service.stop(),
      () => h.spec.stop(),
    ),
  ),
);
const configureCmd = rawIndex.map((raw) =>
  command(`configure(RAWS[${raw}])`, always, (h) => {
    const data = RAWS[raw]!();
    return h.step(
      () => h.service.configure(data),
      () => h.spec.configure(data),
    );
  }),
);
const behaviourCmd = behaviourArb.map((b) =>
  command(`behaviour(${JSON.stringify(b)})`, always, (h) => {
    const thrown = 'err' in b ? makeThrown(b.err) : undefined;
    return h.step(
      () => {
        h.behaviour = b;
        h.thrown = thrown;
      },
      () => {
        h.spec.behaviour = b;
        h.spec.thrown = thrown;
      },
    );
  }),
);
const settleCmd = fc
  .tuple(fc.nat(), fc.constantFrom<SettleOutcome>('next', 'complete', 'error', 'error'), errKind)
  .map(([pick, how, err]) =>
    command(
      `settle(${pick}, ${how}, ${err})`,
      (h) => h.spec.settleCandidates().length > 0,
      (h) => {
        const candidates = h.spec.settleCandidates();
        const i = candidates[pick % candidates.length]!;
        const thrown = makeThrown(err);
        return h.step(
          () => {
            const call = h.calls[i]!;
            if (call.behaviour.kind === 'promise') {
              call.settled = true;
              if (how === 'error') call.reject!(thrown);
              else call.resolve!();
            } else {
              call.settled = true;
              if (how === 'next') call.subscriber!.next(2);
              else if (how === 'complete') call.subscriber!.complete();
              else call.subscriber!.error(thrown);
            }
          },
          () => h.spec.settleCall(h.spec.calls[i]!, how, thrown),
        );
      },
    ),
  );
const advanceCmd = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3000 }), fc.constant(30_000)).map((ms) =>
  command(`advance(${ms})`, always, (h) => {
    const until = h.spec.now + ms;
    return h.step(
      () => {
        h.sched.maxFrames = until;
        h.sched.flush();
        h.sched.frame = until;
      },
      () => h.spec.advance(until),
    );
  }),
);
const hookCmd = hookArb.map((spec) =>
  command(`subscriberWillCall(${JSON.stringify(spec)})`, always, (h) => {
    const action = materialize(spec);
    return h.step(
      () => {
        h.hook = action;
      },
      () => {
        h.spec.hook = action;
      },
    );
  }),
);
const stopHookCmd = stopHookArb.map((spec) =>
  command(`onStopWillCall(${JSON.stringify(spec)})`, always, (h) => {
    const action = materialize(spec);
    return h.step(
      () => {
        h.stopHook = action;
      },
      () => {
        h.spec.stopHook = action;
      },
    );
  }),
);
const subscribeCmd = fc.constantFrom('state$' as const, 'changes' as const, 'snapshot' as const).map((kind) =>
  command(`subscribe(${kind})`, always, (h) =>
    h.step(
      () => h.subscribe(kind),
      () => {
        const n = h.spec.published.length;
        h.spec.subs.push(
          kind === 'snapshot'
            ? { kind, start: undefined, end: undefined, active: false, callIndex: n - 1 }
            : { kind, start: kind === 'state$' ? n - 1 : n, end: undefined, active: true, callIndex: n - 1 },
        );
      },
    ),
  ),
);
const subscribeLateCmd = fc.nat().map((pick) =>
  command(
    `subscribeSnapshot(${pick})`,
    (h) => h.spec.subs.some((s) => s.kind === 'snapshot' && s.start === undefined),
    (h) => {
      const pending = h.spec.subs.flatMap((s, i) => (s.kind === 'snapshot' && s.start === undefined ? [i] : []));
      const j = pending[pick % pending.length]!;
      return h.step(
        () => {
          const sub = h.subs[j]!;
          sub.active = true;
          sub.subscription = sub.pending!.subscribe((s) => sub.received.push(s));
        },
        () => {
          const ms = h.spec.subs[j]!;
          const last = h.spec.published.length - 1;
          // SPEC 2.3: if the State changed between the call and the subscription, the current one comes first.
          ms.start = ms.callIndex === last ? last + 1 : last;
          ms.active = true;
        },
      );
    },
  ),
);
const unsubscribeCmd = fc.nat().map((pick) =>
  command(
    `unsubscribe(${pick})`,
    (h) => h.spec.subs.some((s, i) => i >= FIXED_SUBS && s.active),
    (h) => {
      const live = h.spec.subs.flatMap((s, i) => (i >= FIXED_SUBS && s.active ? [i] : []));
      const j = live[pick % live.length]!;
      return h.step(
        () => h.unsubscribe(j),
        () => {
          h.spec.subs[j]!.end = h.spec.published.length;
          h.spec.subs[j]!.active = false;
        },
      );
    },
  ),
);

const commandArbs = [
  startCmd,
  startCmd,
  stopCmd,
  stopCmd,
  configureCmd,
  configureCmd,
  configureCmd,
  behaviourCmd,
  behaviourCmd,
  behaviourCmd,
  settleCmd,
  settleCmd,
  settleCmd,
  advanceCmd,
  advanceCmd,
  advanceCmd,
  hookCmd,
  hookCmd,
  stopHookCmd,
  subscribeCmd,
  subscribeLateCmd,
  unsubscribeCmd,
];

/**
 * Retries for ever with (next to) no delay would loop for ever at one instant of virtual time,
 * as the library is asked to: keep such policies to a few attempts.
 */
function bounded(gen: GenOptions): GenOptions {
  if (typeof gen.retry !== 'object') return gen;
  const floor = (gen.retry.minDelay ?? 500) * (1 - (gen.retry.jitter ?? 0) * gen.random);
  if (floor >= 20 || (gen.retry.maxAttempts ?? 0) > 0) return gen;
  return { ...gen, retry: { ...gen.retry, maxAttempts: 5 } };
}

const optionsArb: fc.Arbitrary<GenOptions> = fc.record({
  initial: behaviourArb,
  initialErr: errKind,
  retry: fc.oneof(
    fc.constant(undefined),
    fc.constant(false),
    fc.constant(true),
    fc.record(
      {
        initialDelay: fc.integer({ min: 0, max: 2000 }),
        factor: fc.double({ min: 1, max: 3, noNaN: true }),
        maxDelay: fc.integer({ min: 0, max: 5000 }),
        minDelay: fc.integer({ min: 0, max: 1000 }),
        maxAttempts: fc.integer({ min: 0, max: 5 }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }),
        resetAfter: fc.integer({ min: 0, max: 3000 }),
      },
      { requiredKeys: [] },
    ),
  ),
  random: fc.double({ min: 0, max: 0.999, noNaN: true }),
  whileLoading: fc.constantFrom(undefined, 'reject' as const, 'switch' as const),
  applyTimeout: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
}).map(bounded);

describe('Service (model-based properties)', () => {
  // Counted, not kept: a long fuzz run reports millions of them.
  const unexpected: unknown[] = [];
  const previousHandler = rxConfig.onUnhandledError;
  beforeAll(() => {
    rxConfig.onUnhandledError = (err) => {
      if ((err as Error).message !== 'a subscriber that throws' && unexpected.length < 10) unexpected.push(err);
    };
  });
  afterAll(async () => {
    // Reports go out on a timer: let them arrive before the handler is put back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    rxConfig.onUnhandledError = previousHandler;
  });

  it(
    'should follow the spec and keep its invariants after every step',
    async () => {
      await assertProperty(
        'test/properties/service.property.test.ts',
        fc.asyncProperty(optionsArb, fc.commands(commandArbs, commandsOptions(60)), async (options, cmds) => {
          const h = new Harness(options);
          try {
            h.verify();
            await fc.asyncModelRun(() => ({ model: h, real: h }), cmds);
            h.finalCheck();
          } finally {
            h.dispose();
          }
        }),
        DEFAULT_RUNS,
      );
      // Only the subscriber that throws on purpose reported anything.
      expect(unexpected).toEqual([]);
    },
    timeoutFor(DEFAULT_RUNS),
  );
});
