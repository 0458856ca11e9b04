/**
 * The bad-input table of docs/errors.md, one test per row (by ID): the error class, the exact
 * message (a pattern for messages of the JavaScript engine), and that nothing changed: the
 * service's State is the same object and no subscriber was notified, the map holds the same
 * records and no listener heard anything, `apply` and the `CreateFunc` were not called (or
 * what the factory made was stopped again). A last test checks the doc and this table list
 * the same rows with the same errors and messages.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Observable, VirtualTimeScheduler, config as rxConfig } from 'rxjs';
import {
  AlreadyExistsError,
  ImmutableError,
  NotFoundError,
  Service,
  ServiceMap,
  lifecycleEvents,
  logLifecycle,
  monoApply,
  quietFailures,
  retryApply,
  retryBackoff,
  statusOf,
  type Change,
  type CreateFunc,
  type IdFunc,
  type Lifecycle,
  type ParseFunc,
  type State,
  type StateChange,
} from 'rx-lifecycle';

// Deliberately wrong arguments, past the type checker.
type Any = any;
const bad = (value: unknown): Any => value;

/** A running service and a map with one running record, with everything that listens to them. */
interface Fixture {
  readonly service: Service<unknown>;
  readonly applied: unknown[];
  readonly serviceEvents: State[];
  readonly map: ServiceMap;
  /** Services the map's CreateFunc made after the fixture was set up. */
  readonly made: Lifecycle[];
  readonly factoryCalls: number[];
  readonly changes: Change[];
  readonly stateChanges: StateChange[];
  readonly before: { readonly state: State; readonly applied: number; readonly ids: string[]; readonly states: State[] };
}

interface FixtureOptions {
  readonly create?: CreateFunc;
  readonly idFunc?: IdFunc;
  readonly parse?: ParseFunc<unknown>;
}

function fixture(options: FixtureOptions = {}): Fixture {
  const applied: unknown[] = [];
  const service = new Service<unknown>((config) => void applied.push(config), options.parse ? { parse: options.parse } : {});
  service.configure('{"a":1}');
  service.start();
  const serviceEvents: State[] = [];
  service.stateChanges().subscribe((s) => serviceEvents.push(s));

  const made: Lifecycle[] = [];
  const factoryCalls: number[] = [];
  let ready = false;
  const create: CreateFunc = (id, kind) => {
    if (ready) factoryCalls.push(1);
    const custom = ready ? options.create : undefined;
    const s = custom ? custom(id, kind) : new Service(() => {});
    if (ready) made.push(s);
    return s;
  };
  const map = new ServiceMap(create, options.idFunc ?? ((kind) => `${kind}-1`));
  map.create('a', 'worker', { active: true, config: '{}' });
  ready = true;
  const changes: Change[] = [];
  map.listen().subscribe((c) => changes.push(c));
  const stateChanges: StateChange[] = [];
  map.getAndListenState()[1].subscribe((c) => stateChanges.push(c));

  return {
    service,
    applied,
    serviceEvents,
    map,
    made,
    factoryCalls,
    changes,
    stateChanges,
    before: {
      state: service.state,
      applied: applied.length,
      ids: map.values().map((r) => r.id),
      states: map.states().map((r) => r.state),
    },
  };
}

function expectUnchanged(fx: Fixture): void {
  expect(fx.service.state).toBe(fx.before.state);
  expect(fx.serviceEvents).toEqual([]);
  expect(fx.applied).toHaveLength(fx.before.applied);
  expect(fx.map.values().map((r) => r.id)).toEqual(fx.before.ids);
  expect(fx.map.states().map((r) => r.state)).toEqual(fx.before.states);
  expect(fx.changes).toEqual([]);
  expect(fx.stateChanges).toEqual([]);
  for (const s of fx.made) {
    const state = (s as Partial<Lifecycle> | null | undefined)?.state;
    if (typeof state === 'object' && state !== null) expect(state.active).toBe(false);
  }
}

type ErrorClass = new (...args: never[]) => Error;
const BUILTIN: ErrorClass[] = [Error, TypeError, RangeError, SyntaxError];

interface Row {
  readonly id: string;
  /** What it throws; `null` for the rows where the input is accepted. */
  readonly error: ErrorClass | null;
  /** The exact message, or a pattern it must match (for the engine's own messages). */
  readonly message?: string | RegExp;
  /** The CreateFunc must not run for this row. */
  readonly noFactory?: boolean;
  readonly setup?: FixtureOptions;
  readonly act: (fx: Fixture) => unknown;
  /** More checks after the act (instead of expectUnchanged for accepted inputs). */
  readonly then?: (fx: Fixture, thrown: unknown) => void | Promise<void>;
}

const svc = (options: unknown) => () => new Service(() => {}, bad(options));
const retry = (options: unknown) => svc({ retry: options });
const TOO_LONG = 'must be at most 2147483647 ms (about 24.8 days, the longest a timer can wait), got ';
const SOURCE = 'Lifecycle (such as a Service) or a ServiceStates (such as a ServiceMap)';
const lifecycle = 'Lifecycle (start, configure, stop, state, state$, stateChanges, stateAndChanges)';
const parseError = new SyntaxError('my parser says no');
const entropyError = new Error('no entropy');

/** What `random` gives (or throws) to a retry that jitters (issue 15 #6, #7). */
type Random = () => number;
const down = () => {
  throw new Error('down');
};

/** A running Service whose apply always fails, with `random` as its retry's source of jitter. */
function jitteredService(random: Random): { service: Service<unknown>; scheduler: VirtualTimeScheduler } {
  const scheduler = new VirtualTimeScheduler();
  const service = new Service(down, { scheduler, retry: { jitter: 0.5, random } });
  service.configure('{}');
  service.start();
  return { service, scheduler };
}

/**
 * A row for a `random` that returns a value out of [0, 1): not thrown, but the load gives up
 * with an error of `errorClass` naming the field (issue 15 #7), frozen (#8), and no timer left.
 */
function badRandomRow(id: string, value: unknown, errorClass: ErrorClass, shown: string): Row {
  return {
    id,
    error: null,
    act: () => jitteredService(() => value as number),
    then: (_fx, result) => {
      const { service, scheduler } = result as ReturnType<typeof jitteredService>;
      expect(service.state).toMatchObject({ active: false, loading: false, nextAttemptTime: undefined });
      expect(service.state.error).toBeInstanceOf(errorClass);
      expect(service.state.error!.message).toBe(`options.retry.random must return a number in [0, 1), got ${shown}`);
      expect(Object.isFrozen(service.state.error)).toBe(true);
      expect(scheduler.actions).toHaveLength(0);
    },
  };
}
const factoryError = new Error('unknown kind: robot');

const ROWS: Row[] = [
  // new Service(apply, options)
  { id: 'S1', error: TypeError, message: 'apply must be a function, got undefined', act: () => new Service(bad(undefined)) },
  { id: 'S2', error: TypeError, message: 'apply must be a function, got "run"', act: () => new Service(bad('run')) },
  { id: 'S3', error: TypeError, message: 'apply must be a function, got null', act: () => new Service(bad(null)) },
  { id: 'S4', error: TypeError, message: 'options must be an object, got null', act: svc(null) },
  { id: 'S5', error: TypeError, message: 'options must be an object, got "fast"', act: svc('fast') },
  { id: 'S6', error: TypeError, message: 'options.parse must be a function, got "json"', act: svc({ parse: 'json' }) },
  {
    id: 'S7',
    error: TypeError,
    message: 'options.scheduler must be an RxJS SchedulerLike with now() and schedule(), got an object',
    act: svc({ scheduler: {} }),
  },
  { id: 'S8', error: TypeError, message: 'options.now must be a function, got 0', act: svc({ now: 0 }) },
  { id: 'S9', error: TypeError, message: 'options.onStop must be a function, got true', act: svc({ onStop: true }) },
  {
    id: 'S10',
    error: TypeError,
    message: 'options.whileLoading must be one of "reject", "switch", got "queue"',
    act: svc({ whileLoading: 'queue' }),
  },
  { id: 'S11', error: TypeError, message: 'options.whileLoading must be one of "reject", "switch", got ""', act: svc({ whileLoading: '' }) },
  { id: 'S12', error: RangeError, message: 'options.applyTimeout must be a finite number > 0, got 0', act: svc({ applyTimeout: 0 }) },
  { id: 'S13', error: RangeError, message: 'options.applyTimeout must be a finite number > 0, got NaN', act: svc({ applyTimeout: NaN }) },
  { id: 'S14', error: TypeError, message: 'options.applyTimeout must be a number, got "5000"', act: svc({ applyTimeout: '5000' }) },
  { id: 'S15', error: RangeError, message: `options.applyTimeout ${TOO_LONG}2147483648`, act: svc({ applyTimeout: 2 ** 31 }) },
  { id: 'S16', error: TypeError, message: 'options.retry must be an object, got null', act: retry(null) },
  { id: 'S17', error: TypeError, message: 'options.retry must be an object, got "yes"', act: retry('yes') },

  // Retry options
  { id: 'R1', error: RangeError, message: 'options.retry.initialDelay must be a finite number >= 0, got -1', act: retry({ initialDelay: -1 }) },
  {
    id: 'R2',
    error: RangeError,
    message: 'options.retry.initialDelay must be a finite number >= 0, got Infinity',
    act: retry({ initialDelay: Infinity }),
  },
  { id: 'R3', error: RangeError, message: 'options.retry.initialDelay must be a finite number >= 0, got NaN', act: retry({ initialDelay: NaN }) },
  { id: 'R4', error: TypeError, message: 'options.retry.initialDelay must be a number, got "500"', act: retry({ initialDelay: '500' }) },
  { id: 'R5', error: TypeError, message: 'options.retry.initialDelay must be a number, got null', act: retry({ initialDelay: null }) },
  { id: 'R6', error: RangeError, message: 'options.retry.factor must be a finite number >= 1, got 0.5', act: retry({ factor: 0.5 }) },
  { id: 'R7', error: RangeError, message: 'options.retry.maxDelay must be a finite number >= 0, got -5', act: retry({ maxDelay: -5 }) },
  { id: 'R8', error: RangeError, message: 'options.retry.minDelay must be a finite number >= 0, got NaN', act: retry({ minDelay: NaN }) },
  { id: 'R9', error: RangeError, message: 'options.retry.maxAttempts must be an integer >= 0, got 2.5', act: retry({ maxAttempts: 2.5 }) },
  { id: 'R10', error: RangeError, message: 'options.retry.maxAttempts must be a finite number >= 0, got -1', act: retry({ maxAttempts: -1 }) },
  { id: 'R11', error: RangeError, message: 'options.retry.jitter must be between 0 and 1, got 1.5', act: retry({ jitter: 1.5 }) },
  { id: 'R12', error: RangeError, message: 'options.retry.jitter must be a finite number >= 0, got -0.1', act: retry({ jitter: -0.1 }) },
  { id: 'R13', error: TypeError, message: 'options.retry.random must be a function, got 0.5', act: retry({ random: 0.5 }) },
  { id: 'R14', error: TypeError, message: 'options.retry.logger must be a function, got "console"', act: retry({ logger: 'console' }) },
  { id: 'R15', error: RangeError, message: 'options.retry.resetAfter must be a finite number >= 0, got -1', act: retry({ resetAfter: -1 }) },
  { id: 'R16', error: RangeError, message: `options.retry.maxDelay ${TOO_LONG}1000000000000`, act: retry({ maxDelay: 1e12 }) },
  { id: 'R17', error: RangeError, message: `options.retry.initialDelay ${TOO_LONG}3000000000`, act: retry({ initialDelay: 3e9 }) },
  { id: 'R18', error: RangeError, message: `options.retry.minDelay ${TOO_LONG}3000000000`, act: retry({ minDelay: 3e9 }) },
  { id: 'R19', error: TypeError, message: 'options must be an object, got null', act: () => retryBackoff(bad(null)) },
  { id: 'R20', error: RangeError, message: 'options.factor must be a finite number >= 1, got 0', act: () => retryBackoff({ factor: 0 }) },
  {
    id: 'R21',
    error: TypeError,
    message: 'options.scheduler must be an RxJS SchedulerLike with now() and schedule(), got a function',
    act: () => retryBackoff({ scheduler: bad(Date) }),
  },
  { id: 'R22', error: TypeError, message: 'apply must be a function, got "fetch"', act: () => retryApply(bad('fetch')) },
  {
    id: 'R23',
    error: RangeError,
    message: 'options.maxAttempts must be a finite number >= 0, got NaN',
    act: () => retryApply(() => {}, { maxAttempts: NaN }),
  },
  { id: 'R24', error: RangeError, message: `options.maxDelay ${TOO_LONG}1000000000000`, act: () => retryBackoff({ maxDelay: 1e12 }) },
  { id: 'R25', error: TypeError, message: 'apply must be a function, got undefined', act: () => monoApply(bad(undefined)) },
  badRandomRow('R26', NaN, RangeError, 'NaN'),
  badRandomRow('R27', undefined, TypeError, 'undefined'),
  badRandomRow('R28', 1, RangeError, '1'),
  badRandomRow('R29', -0.5, RangeError, '-0.5'),
  {
    id: 'R30',
    error: null,
    act: () =>
      jitteredService(() => {
        throw entropyError;
      }),
    then: (_fx, result) => {
      const { service } = result as ReturnType<typeof jitteredService>;
      const { error } = service.state;
      expect(error === entropyError || error?.cause === entropyError).toBe(true);
      expect(service.state.loading === false || service.state.nextAttemptTime !== undefined).toBe(true);
    },
  },
  {
    id: 'R31',
    error: null,
    act: () => {
      const scheduler = new VirtualTimeScheduler();
      const failures = new Observable<never>((subscriber) => subscriber.error(new Error('down')));
      const errors: unknown[] = [];
      failures.pipe(retryBackoff({ scheduler, jitter: 0.5, random: () => NaN })).subscribe({ error: (e) => errors.push(e) });
      return { errors, scheduler };
    },
    then: (_fx, result) => {
      const { errors, scheduler } = result as { errors: unknown[]; scheduler: VirtualTimeScheduler };
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(RangeError);
      expect((errors[0] as Error).message).toBe('options.random must return a number in [0, 1), got NaN');
      expect(scheduler.actions).toHaveLength(0);
    },
  },
  {
    id: 'R32',
    error: null,
    act: () => {
      const scheduler = new VirtualTimeScheduler();
      const promise = retryApply(down, { scheduler, jitter: 0.5, random: () => 2 })({}, new AbortController().signal);
      const outcome: { error?: unknown } = {};
      promise.catch((e: unknown) => (outcome.error = e));
      return { outcome, scheduler };
    },
    then: async (_fx, result) => {
      const { outcome, scheduler } = result as { outcome: { error?: unknown }; scheduler: VirtualTimeScheduler };
      await new Promise((r) => setImmediate(r));
      expect(outcome.error).toBeInstanceOf(RangeError);
      expect((outcome.error as Error).message).toBe('options.random must return a number in [0, 1), got 2');
      expect(scheduler.actions).toHaveLength(0);
    },
  },

  // configure, parse, apply
  { id: 'C1', error: TypeError, message: 'config must be a string or a Uint8Array, got 42', act: (fx) => fx.service.configure(bad(42)) },
  { id: 'C2', error: TypeError, message: 'config must be a string or a Uint8Array, got null', act: (fx) => fx.service.configure(bad(null)) },
  {
    id: 'C3',
    error: TypeError,
    message: 'config must be a string or a Uint8Array, got undefined',
    act: (fx) => fx.service.configure(bad(undefined)),
  },
  { id: 'C4', error: SyntaxError, message: /JSON/, act: (fx) => fx.service.configure('') },
  { id: 'C5', error: SyntaxError, message: /JSON/, act: (fx) => fx.service.configure('{oops') },
  { id: 'C6', error: TypeError, message: /utf-8/i, act: (fx) => fx.service.configure(new Uint8Array([0xff, 0xfe])) },
  {
    id: 'C7',
    error: SyntaxError,
    message: 'my parser says no',
    setup: {
      parse: (data) => {
        if (data === 'no') throw parseError;
        return JSON.parse(String(data)) as unknown;
      },
    },
    act: (fx) => fx.service.configure('no'),
    then: (_fx, thrown) => expect(thrown).toBe(parseError),
  },
  {
    id: 'C8',
    error: null,
    act: () => {
      const got: unknown[] = [];
      const service = new Service((config) => void got.push(config), { parse: () => undefined });
      service.configure('anything');
      service.start();
      return { service, got };
    },
    then: (_fx, result) => {
      const { service, got } = result as { service: Service<unknown>; got: unknown[] };
      expect(got).toEqual([undefined]);
      expect(got).toHaveLength(1);
      expect(service.state).toMatchObject({ active: true, loading: false, config: 'anything', error: undefined });
    },
  },
  {
    id: 'C9',
    error: null,
    act: () => {
      let callBack!: () => void;
      // Not a Promise: only a then() that calls back later.
      const thenable = {
        then(onFulfilled: () => void) {
          callBack = onFulfilled;
        },
      };
      const service = new Service(() => bad(thenable));
      service.configure('{}');
      service.start();
      return { service, callBack: () => callBack() };
    },
    then: async (_fx, result) => {
      const { service, callBack } = result as { service: Service<unknown>; callBack: () => void };
      await new Promise((r) => setImmediate(r));
      expect(service.state.loading).toBe(true); // not settled until it calls back
      callBack();
      await new Promise((r) => setImmediate(r));
      expect(service.state).toMatchObject({ active: true, loading: false, error: undefined });
    },
  },
  {
    id: 'C10',
    error: null,
    act: () => {
      const service = new Service(() => {
        throw 'disk full';
      });
      service.configure('{}');
      return service.start();
    },
    then: (_fx, result) => {
      const state = result as State;
      expect(state.active).toBe(false);
      expect(state.error).toBeInstanceOf(Error);
      expect(state.error!.message).toBe('disk full');
      expect(state.error!.cause).toBe('disk full');
      expect(Object.isFrozen(state.error)).toBe(true); // made by the library: frozen with the State (issue 15 #8)
    },
  },

  // ServiceMap
  { id: 'M1', error: TypeError, message: 'create must be a function, got "factory"', act: () => new ServiceMap(bad('factory')) },
  { id: 'M2', error: TypeError, message: 'idFunc must be a function, got null', act: () => new ServiceMap(() => bad({}), bad(null)) },
  {
    id: 'M3',
    error: TypeError,
    message: 'options must be an object, got null',
    act: () => new ServiceMap(() => bad({}), undefined, bad(null)),
  },
  {
    id: 'M4',
    error: TypeError,
    message: 'options.now must be a function, got 5',
    act: () => new ServiceMap(() => bad({}), undefined, { now: bad(5) }),
  },
  { id: 'M5', error: TypeError, message: 'kind must be a non-empty string, got ""', noFactory: true, act: (fx) => fx.map.create('b', '') },
  {
    id: 'M6',
    error: TypeError,
    message: 'kind must be a non-empty string, got undefined',
    noFactory: true,
    act: (fx) => fx.map.create('b', bad(undefined)),
  },
  { id: 'M7', error: TypeError, message: 'id must be a string, got 42', noFactory: true, act: (fx) => fx.map.create(bad(42), 'worker') },
  { id: 'M8', error: TypeError, message: 'id must be a string, got null', noFactory: true, act: (fx) => fx.map.create(bad(null), 'worker') },
  {
    id: 'M9',
    error: TypeError,
    message: 'state must be an object, got null',
    noFactory: true,
    act: (fx) => fx.map.create('b', 'worker', bad(null)),
  },
  {
    id: 'M10',
    error: TypeError,
    message: 'state must be an object, got "active"',
    noFactory: true,
    act: (fx) => fx.map.create('b', 'worker', bad('active')),
  },
  {
    id: 'M11',
    error: TypeError,
    // The map hands any config to the service (raw configs may be objects): its parse refuses.
    message: 'config must be a string or a Uint8Array, got 42',
    act: (fx) => fx.map.create('b', 'worker', { config: bad(42) }),
  },
  {
    id: 'M12',
    error: TypeError,
    message: 'state.config must not be null (leave it out for no config)',
    act: (fx) => fx.map.create('b', 'worker', { active: true, config: bad(null) }),
  },
  {
    id: 'M13',
    error: TypeError,
    message: 'state.active must be a boolean, got "false"',
    act: (fx) => fx.map.create('b', 'worker', { active: bad('false') }),
  },
  {
    id: 'M14',
    error: TypeError,
    message: `the service returned by create must be a ${lifecycle}, got an object`,
    setup: { create: () => bad({ start: () => {} }) },
    act: (fx) => fx.map.create('b', 'worker', { active: true }),
  },
  {
    id: 'M15',
    error: TypeError,
    message: `the service returned by create must be a ${lifecycle}, got undefined`,
    setup: { create: () => bad(undefined) },
    act: (fx) => fx.map.create('b', 'worker'),
  },
  {
    id: 'M16',
    error: Error,
    message: 'unknown kind: robot',
    setup: {
      create: () => {
        throw factoryError;
      },
    },
    act: (fx) => fx.map.create('b', 'robot'),
    then: (_fx, thrown) => expect(thrown).toBe(factoryError),
  },
  {
    id: 'M17',
    error: Error,
    message: 'bad id: no more ids',
    noFactory: true,
    setup: {
      idFunc: () => {
        throw new Error('no more ids');
      },
    },
    act: (fx) => fx.map.create(undefined, 'worker'),
    then: (_fx, thrown) => expect(((thrown as Error).cause as Error).message).toBe('no more ids'),
  },
  {
    id: 'M18',
    error: Error,
    message: 'bad id: the IdFunc returned "", not a non-empty string',
    noFactory: true,
    setup: { idFunc: () => '' },
    act: (fx) => fx.map.create('', 'worker'),
  },
  {
    id: 'M19',
    error: Error,
    message: 'bad id: the IdFunc returned 42, not a non-empty string',
    noFactory: true,
    setup: { idFunc: () => bad(42) },
    act: (fx) => fx.map.create(undefined, 'worker'),
  },
  { id: 'M20', error: AlreadyExistsError, message: 'already exists: a', noFactory: true, act: (fx) => fx.map.create('a', 'worker') },
  {
    id: 'M21',
    error: SyntaxError,
    message: /JSON/,
    act: (fx) => fx.map.create('b', 'worker', { active: true, config: '{oops' }),
    then: (fx) => {
      expect(fx.made).toHaveLength(1);
      expect(fx.made[0]!.state.lastActiveTime).toBeDefined(); // it was started, then stopped again
    },
  },
  { id: 'M22', error: NotFoundError, message: 'not found: nope', act: (fx) => fx.map.delete('nope') },
  { id: 'M23', error: NotFoundError, message: 'not found: undefined', act: (fx) => fx.map.delete(bad(undefined)) },
  { id: 'M24', error: TypeError, message: 'known must be an array of Lifecycle, got "x"', act: () => ServiceMap.of(bad('x')) },
  {
    id: 'M25',
    error: TypeError,
    message: `known[1] must be a ${lifecycle}, got an object`,
    act: () => ServiceMap.of([new Service(() => {}), bad({})]),
  },
  {
    id: 'M26',
    error: ImmutableError,
    message: 'immutable',
    act: () => {
      const map = ServiceMap.of([new Service(() => {})]);
      try {
        map.create('x', 'worker');
      } finally {
        expect(map.values().map((r) => r.id)).toEqual(['0']);
      }
    },
  },
  {
    id: 'M27',
    error: ImmutableError,
    message: 'immutable',
    act: () => {
      const map = ServiceMap.of([new Service(() => {})]);
      try {
        map.delete('0');
      } finally {
        expect(map.values().map((r) => r.id)).toEqual(['0']);
      }
    },
  },

  // Events and status
  { id: 'E1', error: TypeError, message: `source must be a ${SOURCE}, got null`, act: () => lifecycleEvents(bad(null)) },
  { id: 'E2', error: TypeError, message: `source must be a ${SOURCE}, got null`, act: () => logLifecycle(bad(null), { log: () => {} }) },
  {
    id: 'E3',
    error: TypeError,
    message: 'options.log must be a function, got "console"',
    act: (fx) => logLifecycle(fx.service, { log: bad('console') }),
  },
  { id: 'E4', error: RangeError, message: 'options.firstAt must be a finite number >= 1, got 0', act: () => quietFailures({ firstAt: 0 }) },
  { id: 'E5', error: RangeError, message: 'options.every must be a whole number >= 1, got 1.5', act: () => quietFailures({ every: 1.5 }) },
  { id: 'E6', error: TypeError, message: 'options must be an object, got null', act: () => quietFailures(bad(null)) },
  { id: 'E7', error: TypeError, message: 'state must be a State object, got null', act: () => statusOf(bad(null)) },
];

describe('bad input (docs/errors.md)', () => {
  // A wrong source may surface as an unhandled error later (E1, E2 today): catch it here.
  const unhandled: unknown[] = [];
  const previous = rxConfig.onUnhandledError;
  beforeAll(() => {
    rxConfig.onUnhandledError = (err) => unhandled.push(err);
  });
  afterAll(async () => {
    await new Promise((r) => setTimeout(r, 10));
    rxConfig.onUnhandledError = previous;
  });

  it.each(ROWS.map((row) => [row.id, row] as const))('%s', async (_id, row) => {
    const fx = fixture(row.setup);
    let thrown: unknown;
    let result: unknown;
    try {
      result = row.act(fx);
    } catch (err) {
      thrown = err;
    }
    if (row.error === null) {
      expect(thrown).toBeUndefined();
      await row.then?.(fx, result);
      return;
    }
    if (BUILTIN.includes(row.error)) {
      // Errors made by Node itself (TextDecoder) come from another realm than jest's globals.
      expect(Object.prototype.toString.call(thrown)).toBe('[object Error]');
      expect((thrown as Error).name).toBe(row.error.name);
    } else {
      expect(thrown).toBeInstanceOf(row.error);
    }
    const message = (thrown as Error).message;
    if (typeof row.message === 'string') expect(message).toBe(row.message);
    else if (row.message !== undefined) expect(message).toMatch(row.message);
    if (row.noFactory) expect(fx.factoryCalls).toEqual([]);
    expectUnchanged(fx);
    await row.then?.(fx, thrown);
  });

  it('should list the same rows, errors and messages as docs/errors.md', () => {
    const doc = readFileSync(resolve(__dirname, '../docs/errors.md'), 'utf8');
    const docRows = new Map<string, { throws: string; message: string }>();
    for (const line of doc.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      const m = /^([SRCME]\d+)$/.exec(cells[1] ?? '');
      if (m === null) continue;
      docRows.set(m[1]!, { throws: cells[4]!, message: cells[5]! });
    }
    expect([...docRows.keys()]).toEqual(ROWS.map((r) => r.id));
    for (const row of ROWS) {
      const d = docRows.get(row.id)!;
      const passthrough = ['C7', 'M16'].includes(row.id); // "the very error it threw"
      if (row.error === null) expect(d.throws).toBe('—');
      else if (passthrough) expect(d.throws).toMatch(/^the very error/);
      else expect(d.throws).toContain(row.error.name);
      if (typeof row.message === 'string' && !passthrough) expect(d.message).toBe(`\`${row.message}\``);
    }
  });
});
