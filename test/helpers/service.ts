/**
 * Helpers of the Service tests (test/service/): a Service on a virtual clock with every State it
 * publishes (checked against the spec's invariants after each test), applies that record their
 * calls or that a test drives by hand, and ways to let time and promises run.
 *
 * A test file that uses `setup` (or pushes to `recorded`) registers the check itself:
 *
 * ```ts
 * afterEach(checkRecordedStates);
 * ```
 */
import { Observable, VirtualTimeScheduler, config as rxConfig, type Subscriber } from 'rxjs';
import { Service, type ApplyFunc, type ServiceOptions, type State } from 'rx-lifecycle';

/** Lets every pending promise callback run. */
export const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs the scheduler's due actions up to `ms` from now, and moves its clock there. */
export function advance(scheduler: VirtualTimeScheduler, ms: number): void {
  const target = scheduler.frame + ms;
  scheduler.maxFrames = target;
  scheduler.flush();
  scheduler.maxFrames = Infinity;
  scheduler.frame = target;
}

/** A promise with its resolve and reject at hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Every State recorded by `setup`, checked against the spec's invariants after each test. */
export const recorded: State[] = [];

export function setup<C = unknown>(apply: ApplyFunc<C>, options: ServiceOptions<C> = {}) {
  const scheduler = new VirtualTimeScheduler();
  const service = new Service<C>(apply, { scheduler, ...options });
  const states: State[] = [];
  service.state$.subscribe((s) => {
    states.push(s);
    recorded.push(s);
  });
  return { scheduler, service, states };
}

/** The afterEach of the files that use `setup`: checks the States recorded during the test, then forgets them. */
export function checkRecordedStates(): void {
  for (const s of recorded) {
    expect(Object.isFrozen(s)).toBe(true);
    if (s.loading) expect(s.active).toBe(true);
    if (s.nextAttemptTime !== undefined) expect(s.loading).toBe(true);
  }
  recorded.length = 0;
}

/** An apply whose calls are recorded with their config and signal. */
export function recorder<R extends ReturnType<ApplyFunc<unknown>>>(result: (call: number) => R = () => undefined as R) {
  const calls: { config: unknown; signal: AbortSignal }[] = [];
  const apply = (config: unknown, signal: AbortSignal): R => {
    calls.push({ config, signal });
    return result(calls.length);
  };
  return { apply, calls };
}

/** An Observable apply whose subscribers the test drives by hand. */
export function observableApply() {
  const subscribers: Subscriber<unknown>[] = [];
  const signals: AbortSignal[] = [];
  const teardowns: number[] = [];
  const apply = (_config: unknown, signal: AbortSignal) => {
    signals.push(signal);
    const index = signals.length - 1;
    return new Observable<unknown>((subscriber) => {
      subscribers.push(subscriber);
      return () => teardowns.push(index);
    });
  };
  return { apply, subscribers, signals, teardowns };
}

/**
 * Catches the errors that RxJS reports through `config.onUnhandledError` during each test of the
 * describe block that calls it, and gives them in the list it returns (emptied before each test).
 */
export function catchUnhandledErrors(): unknown[] {
  const reported: unknown[] = [];
  const savedOnUnhandledError = rxConfig.onUnhandledError;
  beforeEach(() => {
    reported.length = 0;
    rxConfig.onUnhandledError = (err) => reported.push(err);
  });
  afterEach(async () => {
    await tick(); // RxJS reports on a timeout: let it run before the handler goes
    rxConfig.onUnhandledError = savedOnUnhandledError;
  });
  return reported;
}
