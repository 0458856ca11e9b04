/**
 * Model-based property test of `ServiceMap`: random creates (good ones, and every way a create
 * can fail: empty kind, taken id, an IdFunc that throws, a factory that throws or returns a
 * non-Lifecycle or re-entrantly adds the same id, a start or configure that throws), deletes
 * (known and unknown ids), state changes of the services (start, stop, configure, applies that
 * succeed, fail, hang and retry on virtual time, also of services already removed), and
 * listeners of every kind subscribing and unsubscribing mid-stream, also from inside a
 * notification, where they may also create, delete or change services.
 *
 * After every step:
 * - `values()` holds exactly the records the model expects, each made by the factory for
 *   that id and kind; every create and delete threw exactly what the spec says;
 * - for every `getAndListenState()` listener, its snapshot plus the events it got, replayed,
 *   equal `states()` (same records, same States, each the service's current State); every
 *   event is consistent with the replay so far (an `add` for an absent id, an `update` or
 *   `remove` whose oldValue is the current State of a present id) and every `update` moves
 *   to the very next State the service published (nothing missed, nothing repeated);
 * - the same for `getAndListen()` against `values()`;
 * - `states$` last emitted the whole map, once per change; `summary$` last emitted a recount,
 *   and only when it changed;
 * - a Lifecycle that is not a Service is followed through exactly one subscription while
 *   anyone listens to States, none otherwise, and none once removed;
 * - a failed create leaves the service it made stopped; every change carries the time it
 *   happened; unsubscribed listeners get nothing more.
 *
 * Runs: `FC_NUM_RUNS` (default 200, a fixed seed), seed `FC_SEED`, replay `FC_PATH` (see fcEnv.ts).
 */
import fc from 'fast-check';
import { Observable, VirtualTimeScheduler, type Subscriber, type Subscription } from 'rxjs';
import {
  Service,
  ServiceMap,
  statusOf,
  type Change,
  type Lifecycle,
  type RawConfig,
  type ServiceMapSummary,
  type ServiceRecord,
  type State,
  type StateChange,
  type StateRecord,
} from 'rx-lifecycle';
import { assertProperty, commandsOptions, timeoutFor } from './fcEnv';

const DEFAULT_RUNS = 200;

const IDS = ['a', 'b', 'c', undefined, ''] as const;
const KINDS = ['worker', 'wrapped', 'noid', 'refuses', 'bad', 'junk', 'sneaky', ''] as const;
const CONFIGS = [undefined, '{"n":1}', '{oops', ''] as const;
type Kind = (typeof KINDS)[number];
type ApplyMode = 'ok' | 'fail' | 'hang';
type SvcOp = 'start' | 'stop' | 'configure' | 'configureBad' | 'ok' | 'fail' | 'hang' | 'next' | 'error';
type ListenerKind = 'state' | 'records' | 'states$' | 'summary$';

interface CreateArgs {
  readonly id: (typeof IDS)[number];
  readonly kind: Kind;
  readonly active: boolean;
  readonly config: (typeof CONFIGS)[number];
}

type MapAction =
  | { readonly type: 'create'; readonly args: CreateArgs }
  | { readonly type: 'delete'; readonly pick: number }
  | { readonly type: 'svc'; readonly pick: number; readonly op: SvcOp }
  | { readonly type: 'listen'; readonly kind: ListenerKind }
  | { readonly type: 'unlisten'; readonly pick: number };

class PropertyFailure extends Error {
  override readonly name = 'PropertyFailure';
}

function fail(message: string): never {
  throw new PropertyFailure(message);
}

/** What the fake apply of one service does, and its hanging task. */
interface Holder {
  mode: ApplyMode;
  task: Subscriber<unknown> | undefined;
}

/** A Lifecycle that is not a Service: the map must follow it by subscribing. Counts those subscriptions. */
class Wrapped implements Lifecycle {
  subscriptions = 0;

  constructor(
    readonly inner: Service<unknown>,
    readonly refuseStart: boolean,
  ) {}

  start(): State {
    if (this.refuseStart) throw new Error('start refused');
    return this.inner.start();
  }

  configure(data: RawConfig): State {
    return this.inner.configure(data);
  }

  stop(): State {
    return this.inner.stop();
  }

  get state(): State {
    return this.inner.state;
  }

  get state$(): Observable<State> {
    return this.counted(this.inner.state$);
  }

  stateChanges(): Observable<State> {
    return this.counted(this.inner.stateChanges());
  }

  stateAndChanges(): [State, Observable<State>] {
    const [state, changes] = this.inner.stateAndChanges();
    return [state, this.counted(changes)];
  }

  private counted(source: Observable<State>): Observable<State> {
    return new Observable<State>((subscriber) => {
      this.subscriptions++;
      const subscription = source.subscribe(subscriber);
      return () => {
        this.subscriptions--;
        subscription.unsubscribe();
      };
    });
  }
}

interface Made {
  readonly id: string;
  readonly kind: string;
  readonly service: Lifecycle;
  readonly inner: Service<unknown>;
  readonly holder: Holder;
  /** Every State the inner service published, in order, and the index of each. */
  readonly published: State[];
  readonly index: Map<State, number>;
  /** A command has called one of its methods (so it may run for reasons of its own). */
  touched: boolean;
}

interface Listener {
  readonly kind: ListenerKind;
  active: boolean;
  subscription: Subscription | undefined;
  hook: MapAction | undefined;
  /** getAndListenState / getAndListen: the replay of snapshot + events, in map order. */
  readonly replay: Map<string, StateRecord | ServiceRecord>;
  readonly pending: (StateChange | Change)[];
  /** states$ / summary$: what it emitted. */
  readonly views: ReadonlyMap<string, StateRecord>[];
  readonly viewCopies: Map<string, StateRecord>[];
  readonly summaries: ServiceMapSummary[];
}

type Outcome = { readonly ok: string } | { readonly error: string };

class MapHarness {
  readonly sched = new VirtualTimeScheduler();
  readonly map: ServiceMap;
  readonly made: Made[] = [];
  readonly listeners: Listener[] = [];
  readonly violations: string[] = [];
  /** The model: the ids in the map, in the order they were added, with their kinds. */
  readonly ids: string[] = [];
  readonly kinds = new Map<string, string>();
  readonly services = new Map<string, Lifecycle>();
  /** Creates under way that the model expects to succeed: their factory call binds the service. */
  readonly creating: { readonly id: string; readonly kind: string; service: Lifecycle | undefined }[] = [];

  constructor() {
    this.map = new ServiceMap(
      (id, kind) => this.factory(id, kind),
      (kind, exists) => {
        if (kind === 'noid') throw new Error('no id for this kind');
        let n = 0;
        while (exists(`${kind}${n}`)) n++;
        return `${kind}${n}`;
      },
      { now: () => this.sched.now() },
    );
  }

  factory(id: string, kind: string): Lifecycle {
    switch (kind) {
      case 'bad':
        throw new Error(`unknown kind: ${kind}`);
      case 'junk':
        return { start: 1 } as unknown as Lifecycle;
      case 'sneaky':
        // Adds the very id being created, from inside the factory: the outer create must fail.
        this.create({ id: id as 'a', kind: 'worker', active: false, config: undefined });
        return this.makeService(id, kind, false);
      case 'wrapped':
        return this.makeService(id, kind, true, false);
      case 'refuses':
        return this.makeService(id, kind, true, true);
      default:
        return this.makeService(id, kind, false);
    }
  }

  makeService(id: string, kind: string, wrap: boolean, refuseStart = false): Lifecycle {
    const holder: Holder = { mode: 'ok', task: undefined };
    const inner = new Service<unknown>(
      () => {
        if (holder.mode === 'fail') throw new Error('apply failed');
        if (holder.mode === 'hang') {
          return new Observable<unknown>((subscriber) => {
            holder.task = subscriber;
          });
        }
        return undefined;
      },
      { scheduler: this.sched, retry: { initialDelay: 100, minDelay: 0, maxAttempts: 3 } },
    );
    const service = wrap ? new Wrapped(inner, refuseStart) : inner;
    const pending = this.creating[this.creating.length - 1];
    if (pending !== undefined && pending.id === id && pending.kind === kind && pending.service === undefined) {
      pending.service = service;
      this.services.set(id, service);
    }
    const made: Made = { id, kind, service, inner, holder, published: [], index: new Map(), touched: false };
    inner.state$.subscribe((s) => {
      made.index.set(s, made.published.length);
      made.published.push(s);
    });
    this.made.push(made);
    return service;
  }

  // -- the model's predictions

  /** SPEC 4 create: what it throws, in the spec's order of checks, or the id it adds. */
  predictCreate(args: CreateArgs): Outcome {
    if (args.kind === '') return { error: 'TypeError' };
    let id: string;
    if (args.id === undefined || args.id === '') {
      if (args.kind === 'noid') return { error: 'bad id' };
      let n = 0;
      while (this.kinds.has(`${args.kind}${n}`)) n++;
      id = `${args.kind}${n}`;
    } else {
      id = args.id;
    }
    if (this.kinds.has(id)) return { error: 'AlreadyExistsError' };
    if (args.kind === 'bad') return { error: 'Error' };
    if (args.kind === 'junk') return { error: 'TypeError' };
    // CreateFunc, then start(), then configure(): the first that throws decides.
    if (args.kind === 'refuses' && args.active) return { error: 'Error' };
    if (args.config === '{oops') return { error: 'SyntaxError' };
    // The factory of 'sneaky' added this id itself meanwhile.
    if (args.kind === 'sneaky') return { error: 'AlreadyExistsError' };
    return { ok: id };
  }

  create(args: CreateArgs): void {
    const predicted = this.predictCreate(args);
    const madeBefore = this.made.length;
    // The record is in the map before any listener hears of it: so it is in the model too.
    const pending = 'ok' in predicted ? { id: predicted.ok, kind: args.kind as string, service: undefined } : undefined;
    if (pending !== undefined) {
      this.ids.push(pending.id);
      this.kinds.set(pending.id, pending.kind);
      this.creating.push(pending);
    }
    let actual: Outcome;
    try {
      const state = args.config === undefined ? { active: args.active } : { active: args.active, config: args.config };
      const result = this.map.create(args.id, args.kind, state);
      actual = { ok: result.id };
    } catch (err) {
      const e = err as Error;
      actual = { error: e instanceof Error && e.message.startsWith('bad id') ? 'bad id' : e.name };
      if (actual.error === 'bad id' && e.cause === undefined) fail('a bad id error has no cause');
    } finally {
      if (pending !== undefined) this.creating.pop();
    }
    const show = (o: Outcome) => ('ok' in o ? `ok ${o.ok}` : `${o.error}`);
    if (show(actual) !== show(predicted)) {
      fail(`create(${JSON.stringify(args)}) gave ${show(actual)}, the spec says ${show(predicted)}`);
    }
    if (pending !== undefined) {
      if (pending.service === undefined) fail(`the factory was not called for ${pending.id}`);
    } else {
      // SPEC 4: a failed create is undone: a started service is stopped (unless a listener
      // started it again meanwhile, from inside a notification the create delivered).
      for (const m of this.made.slice(madeBefore)) {
        if (m.service !== this.services.get(m.id) && !m.touched && m.inner.state.active) fail(`a failed create left ${m.id} running`);
      }
    }
  }

  delete(pick: number): void {
    const candidates = [...this.ids, 'nope'];
    const id = candidates[pick % candidates.length]!;
    const known = this.kinds.has(id);
    if (known) {
      this.ids.splice(this.ids.indexOf(id), 1);
      this.kinds.delete(id);
    }
    this.services.delete(id);
    let actual: string;
    let state: State | undefined;
    try {
      state = this.map.delete(id);
      actual = 'ok';
    } catch (err) {
      actual = (err as Error).name;
    }
    const expected = known ? 'ok' : 'NotFoundError';
    if (actual !== expected) fail(`delete(${id}) gave ${actual}, the spec says ${expected}`);
    // SPEC 4: delete stops the service and returns the State (that of the stop: what a
    // listener does from inside the remove notification comes after it).
    if (state !== undefined && state.active) fail(`delete(${id}) returned an active State`);
  }

  svc(pick: number, op: SvcOp): void {
    if (this.made.length === 0) return;
    const m = this.made[pick % this.made.length]!;
    m.touched = true;
    try {
      switch (op) {
        case 'start':
          m.service.start();
          break;
        case 'stop':
          m.service.stop();
          break;
        case 'configure':
          m.service.configure('{"n":2}');
          break;
        case 'configureBad':
          m.service.configure('{oops');
          break;
        case 'next':
          m.holder.task?.next(1);
          break;
        case 'error':
          m.holder.task?.error(new Error('task crashed'));
          break;
        default:
          m.holder.mode = op;
      }
    } catch {
      // The services' own rules are tested elsewhere; here only the map's view of them counts.
    }
  }

  listen(kind: ListenerKind): void {
    const l: Listener = {
      kind,
      active: true,
      subscription: undefined,
      hook: undefined,
      replay: new Map(),
      pending: [],
      views: [],
      viewCopies: [],
      summaries: [],
    };
    this.listeners.push(l);
    const received = (what: string) => {
      if (!l.active) this.violations.push(`an unsubscribed ${l.kind} listener got ${what}`);
      const hook = l.hook;
      if (hook !== undefined) {
        l.hook = undefined;
        // A failed check in here would go to RxJS's unhandled-error report: keep it for verify().
        try {
          this.exec(hook);
        } catch (err) {
          this.violations.push(`inside a notification: ${(err as Error).message}`);
        }
      }
    };
    const onChange = (change: StateChange | Change) => {
      const record = change.newValue ?? change.oldValue;
      if (record !== undefined && 'state' in record && !Object.isFrozen(record.state)) this.violations.push('a State is not frozen');
      if (change.changeTime !== this.sched.now()) this.violations.push(`changeTime ${change.changeTime} at ${this.sched.now()}`);
      l.pending.push(change);
      received(change.changeType);
    };
    switch (kind) {
      case 'state': {
        const [records, changes] = this.map.getAndListenState();
        for (const r of records) l.replay.set(r.id, r);
        l.subscription = changes.subscribe(onChange);
        break;
      }
      case 'records': {
        const [records, changes] = this.map.getAndListen();
        for (const r of records) l.replay.set(r.id, r);
        l.subscription = changes.subscribe(onChange);
        break;
      }
      case 'states$':
        l.subscription = this.map.states$.subscribe((view) => {
          l.views.push(view);
          l.viewCopies.push(new Map(view));
          received('a map');
        });
        break;
      case 'summary$':
        l.subscription = this.map.summary$.subscribe((summary) => {
          if (!Object.isFrozen(summary)) this.violations.push('a summary is not frozen');
          l.summaries.push(summary);
          received('a summary');
        });
        break;
    }
  }

  unlisten(pick: number): void {
    const live = this.listeners.filter((l) => l.active);
    if (live.length === 0) return;
    const l = live[pick % live.length]!;
    l.active = false;
    l.subscription?.unsubscribe();
  }

  exec(action: MapAction): void {
    switch (action.type) {
      case 'create':
        return this.create(action.args);
      case 'delete':
        return this.delete(action.pick);
      case 'svc':
        return this.svc(action.pick, action.op);
      case 'listen':
        return this.listen(action.kind);
      case 'unlisten':
        return this.unlisten(action.pick);
    }
  }

  // -- checks

  /** Replays a listener's events in order, strictly. */
  drain(l: Listener): void {
    for (const change of l.pending) {
      const id = (change.newValue ?? change.oldValue)?.id;
      if (id === undefined) fail(`a ${change.changeType} change without a record`);
      const current = l.replay.get(id);
      const where = `${l.kind} listener, ${change.changeType} of ${id}`;
      switch (change.changeType) {
        case 'add':
          if (current !== undefined) fail(`${where}: the id is already there (repeated)`);
          if (change.oldValue !== undefined || change.newValue === undefined) fail(`${where}: wrong values`);
          l.replay.set(id, change.newValue);
          break;
        case 'update': {
          if (l.kind !== 'state') fail(`${where}: listen() must not publish updates`);
          if (current === undefined) fail(`${where}: the id is not there`);
          const oldValue = change.oldValue as StateRecord | undefined;
          const newValue = change.newValue as StateRecord | undefined;
          if (oldValue === undefined || newValue === undefined) fail(`${where}: wrong values`);
          if (oldValue.state !== (current as StateRecord).state) fail(`${where}: oldValue is not the last State seen`);
          const made = this.madeFor(newValue.service);
          const from = made.index.get(oldValue.state);
          const to = made.index.get(newValue.state);
          if (from === undefined || to !== from + 1) {
            fail(`${where}: went from State #${from} to #${to} of the service (missed or repeated States)`);
          }
          l.replay.set(id, newValue);
          break;
        }
        case 'remove': {
          if (current === undefined) fail(`${where}: the id is not there`);
          if (change.newValue !== undefined || change.oldValue === undefined) fail(`${where}: wrong values`);
          if (l.kind === 'state') {
            if ((change.oldValue as StateRecord).state !== (current as StateRecord).state) fail(`${where}: oldValue is not the last State seen`);
          } else if (change.oldValue !== current) {
            fail(`${where}: oldValue is not the record that was added`);
          }
          l.replay.delete(id);
          break;
        }
      }
    }
    l.pending.length = 0;
  }

  madeFor(service: Lifecycle): Made {
    const made = this.made.find((m) => m.service === service);
    if (made === undefined) fail('a record holds a service the factory never made');
    return made;
  }

  verify(): void {
    if (this.violations.length > 0) fail(this.violations.join('; '));
    const values = this.map.values();
    const ids = values.map((r) => r.id);
    if (ids.join(',') !== this.ids.join(',')) fail(`values() holds [${ids.join(', ')}], the model [${this.ids.join(', ')}]`);
    for (const r of values) {
      if (r.kind !== this.kinds.get(r.id) || r.service !== this.services.get(r.id)) fail(`the record of ${r.id} changed`);
    }
    const states = this.map.states();
    states.forEach((r, i) => {
      if (r.id !== ids[i] || r.service !== values[i]!.service) fail('states() and values() disagree');
      if (r.state !== r.service.state) fail(`states() has an old State for ${r.id}`);
    });

    const tracking = this.listeners.some((l) => l.active && l.kind !== 'records');
    for (const l of this.listeners) {
      this.drain(l); // also what an unsubscribed listener got before it left
      if (!l.active) continue;
      switch (l.kind) {
        case 'state':
        case 'records': {
          const replayIds = [...l.replay.keys()];
          if (replayIds.join(',') !== ids.join(',')) {
            fail(`a ${l.kind} listener's snapshot and events replay to [${replayIds.join(', ')}], the map holds [${ids.join(', ')}]`);
          }
          states.forEach((r, i) => {
            const seen = l.replay.get(r.id)!;
            if (seen.service !== r.service || seen.kind !== r.kind) fail(`a ${l.kind} listener has another record for ${r.id}`);
            if (l.kind === 'state' && (seen as StateRecord).state !== r.state) {
              fail(`a state listener's replay has an old State for ${r.id}`);
            }
            if (l.kind === 'records' && seen !== values[i]) fail(`a records listener's replay has another record for ${r.id}`);
          });
          break;
        }
        case 'states$': {
          const last = l.views[l.views.length - 1];
          if (last === undefined) fail('states$ emitted nothing on subscription');
          if (last.size !== states.length) fail(`states$ last emitted ${last.size} records, the map holds ${states.length}`);
          for (const r of states) {
            const seen = last.get(r.id);
            if (seen === undefined || seen.state !== r.state || seen.service !== r.service) fail(`states$ is out of date for ${r.id}`);
          }
          for (let i = 1; i < l.views.length; i++) {
            const before = l.viewCopies[i - 1]!;
            const after = l.viewCopies[i]!;
            const keys = new Set([...before.keys(), ...after.keys()]);
            const changed = [...keys].filter((k) => before.get(k) !== after.get(k));
            if (changed.length !== 1) fail(`states$ emission ${i} changed ${changed.length} records (once per change expected)`);
          }
          l.views.splice(0, l.views.length - 1);
          l.viewCopies.splice(0, l.viewCopies.length - 1);
          break;
        }
        case 'summary$': {
          const last = l.summaries[l.summaries.length - 1];
          if (last === undefined) fail('summary$ emitted nothing on subscription');
          const expected = recount(states);
          if (JSON.stringify(sortKinds(last)) !== JSON.stringify(expected)) {
            fail(`summary$ says ${JSON.stringify(sortKinds(last))}, a recount ${JSON.stringify(expected)}`);
          }
          for (let i = 1; i < l.summaries.length; i++) {
            if (JSON.stringify(sortKinds(l.summaries[i]!)) === JSON.stringify(sortKinds(l.summaries[i - 1]!))) {
              fail('summary$ emitted an unchanged summary');
            }
          }
          l.summaries.splice(0, l.summaries.length - 1);
          break;
        }
      }
    }

    // A Lifecycle that is not a Service: one subscription while States are listened to.
    for (const m of this.made) {
      if (!(m.service instanceof Wrapped)) continue;
      const inMap = this.services.get(m.id) === m.service;
      const expected = inMap && tracking ? 1 : 0;
      if (m.service.subscriptions !== expected) {
        fail(`${m.id} (${inMap ? 'in the map' : 'not in the map'}) has ${m.service.subscriptions} subscriptions, expected ${expected}`);
      }
    }
  }

  /** At the end: every map states$ emitted is still what it was. */
  finalCheck(): void {
    for (const l of this.listeners) {
      l.views.forEach((view, i) => {
        const copy = l.viewCopies[i]!;
        if (view.size !== copy.size || [...copy].some(([k, v]) => view.get(k) !== v)) fail('an emitted states$ map changed afterwards');
      });
    }
  }

  dispose(): void {
    for (const l of this.listeners) {
      l.active = false;
      l.hook = undefined;
      l.subscription?.unsubscribe();
    }
  }
}

function recount(states: StateRecord[]): ServiceMapSummary {
  const byKind: Record<string, number> = {};
  let active = 0;
  let loading = 0;
  let retrying = 0;
  let failed = 0;
  for (const r of states) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    if (r.state.active) active++;
    if (r.state.loading) loading++;
    const status = statusOf(r.state);
    if (status === 'retrying') retrying++;
    if (status === 'failed') failed++;
  }
  return sortKinds({ total: states.length, active, loading, retrying, failed, byKind });
}

function sortKinds(s: ServiceMapSummary): ServiceMapSummary {
  const byKind: Record<string, number> = {};
  for (const k of Object.keys(s.byKind).sort()) byKind[k] = s.byKind[k]!;
  return { total: s.total, active: s.active, loading: s.loading, retrying: s.retrying, failed: s.failed, byKind };
}

// ---------------------------------------------------------------------------------------
// Commands.

type Cmd = fc.Command<MapHarness, MapHarness>;

function command(label: string, run: (h: MapHarness) => void): Cmd {
  return {
    check: () => true,
    run: (_m, h) => {
      run(h);
      h.verify();
    },
    toString: () => label,
  };
}

const createArgs: fc.Arbitrary<CreateArgs> = fc.record({
  id: fc.constantFrom(...IDS),
  kind: fc.oneof({ arbitrary: fc.constantFrom<Kind>('worker', 'wrapped'), weight: 4 }, { arbitrary: fc.constantFrom(...KINDS), weight: 3 }),
  active: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
  config: fc.oneof({ arbitrary: fc.constant('{"n":1}' as const), weight: 3 }, { arbitrary: fc.constantFrom(...CONFIGS), weight: 2 }),
});
const svcOp = fc.constantFrom<SvcOp>('start', 'stop', 'configure', 'configureBad', 'ok', 'fail', 'hang', 'next', 'error');
const listenerKind = fc.constantFrom<ListenerKind>('state', 'records', 'states$', 'summary$');
const action: fc.Arbitrary<MapAction> = fc.oneof(
  createArgs.map((args): MapAction => ({ type: 'create', args })),
  fc.nat().map((pick): MapAction => ({ type: 'delete', pick })),
  fc.tuple(fc.nat(), svcOp).map(([pick, op]): MapAction => ({ type: 'svc', pick, op })),
  listenerKind.map((kind): MapAction => ({ type: 'listen', kind })),
  fc.nat().map((pick): MapAction => ({ type: 'unlisten', pick })),
);

const createCmd = createArgs.map((args) => command(`create(${JSON.stringify(args)})`, (h) => h.create(args)));
const svcCmd = fc.tuple(fc.nat(), svcOp).map(([pick, op]) => command(`svc(${pick}, ${op})`, (h) => h.svc(pick, op)));
const hookCmd = fc.tuple(fc.nat(), action).map(([pick, a]) =>
  command(`listenerWillDo(${pick}, ${JSON.stringify(a)})`, (h) => {
    const live = h.listeners.filter((l) => l.active);
    if (live.length > 0) live[pick % live.length]!.hook = a;
  }),
);
const listenCmd = listenerKind.map((kind) => command(`listen(${kind})`, (h) => h.listen(kind)));
const commandArbs = [
  createCmd,
  createCmd,
  createCmd,
  fc.nat().map((pick) => command(`delete(${pick})`, (h) => h.delete(pick))),
  svcCmd,
  svcCmd,
  svcCmd,
  svcCmd,
  svcCmd,
  hookCmd,
  hookCmd,
  hookCmd,
  listenCmd,
  listenCmd,
  fc.constantFrom(50, 100, 1000).map((ms) =>
    command(`advance(${ms})`, (h) => {
      const until = h.sched.now() + ms;
      h.sched.maxFrames = until;
      h.sched.flush();
      h.sched.frame = until;
    }),
  ),
  fc.nat().map((pick) => command(`unlisten(${pick})`, (h) => h.unlisten(pick))),
];

describe('ServiceMap (model-based properties)', () => {
  it(
    'should keep snapshots, events, states$ and summary$ equal to the map after every step',
    async () => {
      await assertProperty(
        'test/properties/serviceMap.property.test.ts',
        fc.asyncProperty(fc.commands(commandArbs, commandsOptions(80)), async (cmds) => {
          const h = new MapHarness();
          try {
            fc.modelRun(() => ({ model: h, real: h }), cmds);
            h.finalCheck();
          } finally {
            h.dispose();
          }
        }),
        DEFAULT_RUNS,
      );
    },
    timeoutFor(DEFAULT_RUNS),
  );
});
