/**
 * The world of test/properties/serviceMap.property.test.ts: a ServiceMap, the services its
 * factory made (Services, Lifecycles that wrap one, Lifecycles that copy their States), the
 * listeners of every kind, and the model: the ids the spec says the map holds, in order.
 * Listeners and the services' own stops (from `onStop`, an abort listener or a `state$`
 * subscriber) may act on the map from inside a notification: create, delete, re-create ids,
 * their own included (issue 15 #2). The checks are in serviceMap.mirrors.ts.
 */
import { Observable, VirtualTimeScheduler, type Subscriber, type Subscription } from 'rxjs';
import {
  Service,
  ServiceMap,
  type Change,
  type Lifecycle,
  type ServiceMapSummary,
  type ServiceRecord,
  type State,
  type StateChange,
  type StateRecord,
} from 'rx-lifecycle';
import { Copying, Wrapped, fail } from './mapLifecycles';

export const IDS = ['a', 'b', 'c', undefined, ''] as const;
export const KINDS = ['worker', 'wrapped', 'copying', 'stubborn', 'noid', 'refuses', 'bad', 'junk', 'sneaky', ''] as const;
export const CONFIGS = [undefined, '{"n":1}', '{oops', ''] as const;
export type Kind = (typeof KINDS)[number];
type ApplyMode = 'ok' | 'fail' | 'hang';
export type SvcOp = 'start' | 'stop' | 'configure' | 'configureBad' | 'ok' | 'fail' | 'hang' | 'next' | 'error';
export type ListenerKind = 'state' | 'records' | 'states$' | 'summary$' | 'stateOf$';
/** Where a service's own stop may act on the map from. */
export type StopSite = 'onStop' | 'abort' | 'subscriber';

export interface CreateArgs {
  readonly id: (typeof IDS)[number];
  readonly kind: Kind;
  readonly active: boolean;
  readonly config: (typeof CONFIGS)[number];
}

export type MapAction =
  | { readonly type: 'create'; readonly args: CreateArgs }
  | { readonly type: 'delete'; readonly pick: number }
  | { readonly type: 'svc'; readonly pick: number; readonly op: SvcOp }
  | { readonly type: 'listen'; readonly kind: ListenerKind }
  | { readonly type: 'unlisten'; readonly pick: number };

/** What a service does from inside its own stop: a map action, or one on its own id. */
export type StopAction = MapAction | { readonly type: 'recreateSelf' } | { readonly type: 'deleteSelf' };

/** What the fake apply of one service does, and its hanging task. */
interface Holder {
  mode: ApplyMode;
  task: Subscriber<unknown> | undefined;
}

export interface Made {
  readonly id: string;
  readonly kind: string;
  readonly service: Lifecycle;
  readonly inner: Service<unknown>;
  readonly holder: Holder;
  /** Hands out copies of its States: compare them by content. */
  readonly copying: boolean;
  /** Every State the inner service published, in order, and the index of each. */
  readonly published: State[];
  readonly index: Map<State, number>;
  /** A command has called one of its methods (so it may run for reasons of its own). */
  touched: boolean;
  /** What it does, once, the next time it stops (from `site`). */
  stopHook: { readonly site: StopSite; readonly action: StopAction } | undefined;
}

export interface Listener {
  readonly kind: ListenerKind;
  active: boolean;
  subscription: Subscription | undefined;
  hook: MapAction | undefined;
  /** getAndListenState / getAndListen: the replay of snapshot + events, in map order. */
  readonly replay: Map<string, StateRecord | ServiceRecord>;
  readonly pending: (StateChange | Change)[];
  /** states$ / summary$ / stateOf$('a'): what it emitted. */
  readonly views: ReadonlyMap<string, StateRecord>[];
  readonly viewCopies: Map<string, StateRecord>[];
  readonly summaries: ServiceMapSummary[];
  readonly stateOf: (State | undefined)[];
}

/** The id that `stateOf$` listeners follow. */
export const FOLLOWED_ID = 'a';

type Outcome = { readonly ok: string } | { readonly error: string };

export class MapHarness {
  readonly sched = new VirtualTimeScheduler();
  readonly map: ServiceMap;
  readonly made: Made[] = [];
  readonly listeners: Listener[] = [];
  readonly violations: string[] = [];
  /**
   * Ids of Lifecycles that are not Services deleted (or refused to be) in this step: the map
   * stops following them before their stop, publishes the State they are in, and cannot know
   * States still queued in them (docs/decisions.md).
   */
  readonly unfollowed = new Set<string>();
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
        return this.makeService(id, kind, 'plain');
      case 'wrapped':
        return this.makeService(id, kind, 'wrapped');
      case 'copying':
        return this.makeService(id, kind, 'copying');
      case 'refuses':
        return this.makeService(id, kind, 'wrapped', true);
      case 'stubborn':
        return this.makeService(id, kind, 'wrapped', false, true);
      default:
        return this.makeService(id, kind, 'plain');
    }
  }

  makeService(id: string, kind: string, how: 'plain' | 'wrapped' | 'copying', refuseStart = false, refuseStop = false): Lifecycle {
    const holder: Holder = { mode: 'ok', task: undefined };
    const inner = new Service<unknown>(
      (_config, signal) => {
        signal.addEventListener('abort', () => this.fireStop(made, 'abort'), { once: true });
        if (holder.mode === 'fail') throw new Error('apply failed');
        if (holder.mode === 'hang') {
          return new Observable<unknown>((subscriber) => {
            holder.task = subscriber;
          });
        }
        return undefined;
      },
      {
        scheduler: this.sched,
        retry: { initialDelay: 100, minDelay: 0, maxAttempts: 3 },
        onStop: () => this.fireStop(made, 'onStop'),
      },
    );
    const service = how === 'plain' ? inner : how === 'wrapped' ? new Wrapped(inner, refuseStart, refuseStop) : new Copying(inner, refuseStart);
    const pending = this.creating[this.creating.length - 1];
    if (pending !== undefined && pending.id === id && pending.kind === kind && pending.service === undefined) {
      pending.service = service;
      this.services.set(id, service);
    }
    const made: Made = {
      id,
      kind,
      service,
      inner,
      holder,
      copying: how === 'copying',
      published: [],
      index: new Map(),
      touched: false,
      stopHook: undefined,
    };
    inner.state$.subscribe((s) => {
      const before = made.published[made.published.length - 1];
      made.index.set(s, made.published.length);
      made.published.push(s);
      if (before?.active && !s.active) this.fireStop(made, 'subscriber');
    });
    this.made.push(made);
    return service;
  }

  /** A service's own stop reached `site`: it does what it was armed to do, once. */
  fireStop(made: Made, site: StopSite): void {
    const hook = made.stopHook;
    if (hook === undefined || hook.site !== site) return;
    made.stopHook = undefined;
    // Thrown from inside the library's callbacks, a failed check would be lost: keep it.
    try {
      if (hook.action.type === 'recreateSelf') this.create({ id: made.id as 'a', kind: 'worker', active: true, config: '{"n":1}' });
      else if (hook.action.type === 'deleteSelf') this.deleteId(made.id);
      else this.exec(hook.action);
    } catch (err) {
      this.violations.push(`inside the stop of ${made.id} (${site}): ${(err as Error).message}`);
    }
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
    this.deleteId(candidates[pick % candidates.length]!);
  }

  deleteId(id: string): void {
    const known = this.kinds.has(id);
    const service = this.services.get(id);
    // SPEC 4 delete: an error of stop() other than AlreadyStoppedError propagates, and the
    // record stays where it was (issue 15 #10).
    const refused = service instanceof Wrapped && service.refuseStop && !service.inner.state.active;
    if (known && !refused) {
      this.ids.splice(this.ids.indexOf(id), 1);
      this.kinds.delete(id);
    }
    if (!refused) this.services.delete(id);
    let actual: string;
    let state: State | undefined;
    try {
      state = this.map.delete(id);
      actual = 'ok';
    } catch (err) {
      actual = (err as Error).name;
    }
    if (service instanceof Wrapped) this.unfollowed.add(id);
    const expected = !known ? 'NotFoundError' : refused ? 'Error' : 'ok';
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
      stateOf: [],
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
      case 'stateOf$':
        l.subscription = this.map.stateOf$(FOLLOWED_ID).subscribe((state) => {
          if (state !== undefined && !Object.isFrozen(state)) this.violations.push('a State is not frozen');
          l.stateOf.push(state);
          received('a State');
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

  dispose(): void {
    for (const m of this.made) m.stopHook = undefined;
    for (const l of this.listeners) {
      l.active = false;
      l.hook = undefined;
      l.subscription?.unsubscribe();
    }
  }
}
