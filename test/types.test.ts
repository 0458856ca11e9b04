import { expectTypeOf } from 'expect-type';
import { Observable, of } from 'rxjs';
import {
  AlreadyStartedError,
  LifecycleError,
  Service,
  ServiceMap,
  TimeoutError,
  toExternalStore,
  updateConfig,
  type MapLifecycleEvent,
  type ServiceStates,
  type StateRecordBase,
  lifecycleEvents,
  monoApply,
  retryApply,
  retryBackoff,
  statusOf,
  type ApplyFunc,
  type LifecycleEvent,
  type Lifecycle,
  type ServiceMapSummary,
  type State,
  type StateChange,
  type StateRecord,
  type Status,
} from 'rx-lifecycle';

// These assertions are checked by the type-check step of `npm test` (tsc); the runtime
// test below only keeps jest from reporting an empty file.
describe('public types', () => {
  it('should infer the config type of a Service from its apply', () => {
    const service = new Service((config: { port: number }) => {
      expectTypeOf(config).toEqualTypeOf<{ port: number }>();
    });
    expectTypeOf(service).toEqualTypeOf<Service<{ port: number }>>();
    expectTypeOf(service).toMatchTypeOf<Lifecycle>();
    expectTypeOf(service.start()).toEqualTypeOf<State>();
    expectTypeOf(service.state$).toEqualTypeOf<Observable<State>>();
    expectTypeOf(service.stateAndChanges()).toEqualTypeOf<[State, Observable<State>]>();
    expect(service.state.active).toBe(true); // expectTypeOf evaluated start() above
  });

  it('should accept applies returning void, a promise or an Observable', () => {
    expectTypeOf<() => void>().toMatchTypeOf<ApplyFunc<unknown>>();
    expectTypeOf<() => Promise<void>>().toMatchTypeOf<ApplyFunc<unknown>>();
    expectTypeOf<() => Observable<number>>().toMatchTypeOf<ApplyFunc<unknown>>();
    expectTypeOf<() => number>().not.toMatchTypeOf<ApplyFunc<unknown>>();
    expectTypeOf(monoApply((_: string) => of(1))).toEqualTypeOf<ApplyFunc<string>>();
    expectTypeOf(retryApply(async (_: string) => {})).toEqualTypeOf<(config: string, signal: AbortSignal) => Promise<void>>();
    expectTypeOf(retryApply(async (_: string) => {})).toMatchTypeOf<ApplyFunc<string>>();
    expect(typeof monoApply(() => {})).toBe('function');
  });

  it('should keep the element type through retryBackoff', () => {
    const out = of('a').pipe(retryBackoff());
    expectTypeOf(out).toEqualTypeOf<Observable<string>>();
    expect(out).toBeInstanceOf(Observable);
  });

  it('should type the map streams', () => {
    const map = new ServiceMap(() => new Service(() => {}));
    type Rec = StateRecord<Service<unknown>>;
    expectTypeOf(map.getAndListenState()).toEqualTypeOf<[Rec[], Observable<StateChange<Rec>>]>();
    expectTypeOf(map.states$).toEqualTypeOf<Observable<ReadonlyMap<string, Rec>>>();
    expectTypeOf(map.summary$).toEqualTypeOf<Observable<ServiceMapSummary>>();
    expectTypeOf(statusOf).returns.toEqualTypeOf<Status>();
    expect(map.values()).toEqual([]);
  });

  it('should narrow lifecycle events by type', () => {
    const events = lifecycleEvents(new Service(() => {}));
    expectTypeOf(events).toEqualTypeOf<Observable<LifecycleEvent>>();
    const describe = (e: LifecycleEvent): string => {
      switch (e.type) {
        case 'retryScheduled':
          expectTypeOf(e.delay).toEqualTypeOf<number>();
          expectTypeOf(e.error).toEqualTypeOf<Error>();
          return `retry ${e.attempt}`;
        case 'recovered':
          expectTypeOf(e.attempts).toEqualTypeOf<number>();
          return `recovered ${e.duration}`;
        case 'gaveUp':
          return e.error.message;
        default:
          // @ts-expect-error only retryScheduled carries a delay
          return String(e.delay);
      }
    };
    expect(describe({ type: 'gaveUp', time: 1, state: new Service(() => {}).state, error: new Error('x') })).toBe('x');
  });

  describe('section 8: typed configs and maps', () => {
    interface Cfg {
      readonly port: number;
    }

    it('should infer the raw config type from parse, so configure takes objects', () => {
      const service = new Service((c: Cfg) => void expectTypeOf(c).toEqualTypeOf<Cfg>(), { parse: (c: Cfg) => c });
      expectTypeOf(service).toEqualTypeOf<Service<Cfg, Cfg>>();
      expectTypeOf(service.configure).parameter(0).toEqualTypeOf<Cfg>();
      expectTypeOf(service.state.config).toEqualTypeOf<Cfg | undefined>();
      expectTypeOf(service.parsedConfig).toEqualTypeOf<Cfg | undefined>();
      // @ts-expect-error a service configured with objects takes no JSON text
      expect(() => service.configure('{"port":80}')).not.toThrow();
      expect(service.configure({ port: 80 }).config).toEqual({ port: 80 });
    });

    it('should keep text or bytes as the raw config without a parse', () => {
      const service = new Service((c: Cfg) => void c);
      expectTypeOf(service.configure).parameter(0).toEqualTypeOf<string | Uint8Array>();
      expectTypeOf(service.parsedConfig).toEqualTypeOf<Cfg | undefined>();
      expect(service.parsedConfig).toBeUndefined();
    });

    it('should carry C in the instance type: no phantom config parameter', () => {
      // @ts-expect-error a service of { url } configs is not a service of { port } configs
      const wrong: Service<Cfg> = new Service((c: { url: string }) => void c);
      expect(wrong).toBeInstanceOf(Service);
    });

    it('should type a map by its services', () => {
      const map = new ServiceMap((_id, _kind) => new Service((c: Cfg) => void c, { parse: (c: Cfg) => c }));
      type S = Service<Cfg, Cfg>;
      expect(map.create('a', 'k', { active: true, config: { port: 1 } }).state.config).toEqual({ port: 1 });
      expectTypeOf(map).toEqualTypeOf<ServiceMap<S>>();
      expectTypeOf(map.get('a')).toEqualTypeOf<import('rx-lifecycle').ServiceRecord<S> | undefined>();
      expectTypeOf(map.values()[0]!.service).toEqualTypeOf<S>();
      expectTypeOf(map.states()[0]!.state.config).toEqualTypeOf<Cfg | undefined>();
      expectTypeOf(map.create).parameter(2).toEqualTypeOf<import('rx-lifecycle').CreateState<Cfg> | undefined>();
      expectTypeOf(map).toMatchTypeOf<ServiceStates<StateRecordBase>>();
    });

    it('should give map events a required id and kind', () => {
      const events = lifecycleEvents(new ServiceMap(() => new Service(() => {})));
      expectTypeOf(events).toEqualTypeOf<Observable<MapLifecycleEvent>>();
      expectTypeOf<MapLifecycleEvent['id']>().toEqualTypeOf<string>();
      expectTypeOf<MapLifecycleEvent['kind']>().toEqualTypeOf<string>();
      expect(events).toBeInstanceOf(Observable);
    });

    it('should type updateConfig by the service config', () => {
      const service = new Service((c: Cfg) => void c, { parse: (c: Cfg) => c });
      const state = updateConfig(service, () => ({ port: 1 }));
      expectTypeOf(state).toEqualTypeOf<State<Cfg>>();
      expect(state.config).toEqual({ port: 1 });
    });

    it('should derive every error class from LifecycleError', () => {
      expectTypeOf(new AlreadyStartedError()).toMatchTypeOf<LifecycleError>();
      expectTypeOf(new TimeoutError(5).code).toEqualTypeOf<string>();
      expect(new TimeoutError(5)).toBeInstanceOf(LifecycleError);
    });

    it('should type toExternalStore by its source', () => {
      const store = toExternalStore(new Service(() => {}).state$);
      expectTypeOf(store.getSnapshot()).toEqualTypeOf<State>();
      expectTypeOf(store.subscribe).returns.toEqualTypeOf<() => void>();
      expect(store.getSnapshot().active).toBe(false);
    });
  });
});
