import { expectTypeOf } from 'expect-type';
import { Observable, of } from 'rxjs';
import {
  Service,
  ServiceMap,
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
    expectTypeOf(map.getAndListenState()).toEqualTypeOf<[StateRecord[], Observable<StateChange>]>();
    expectTypeOf(map.states$).toEqualTypeOf<Observable<ReadonlyMap<string, StateRecord>>>();
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
});
