import fc from 'fast-check';
import { AlreadyLoadingError, AlreadyStartedError, AlreadyStoppedError } from '../../src/errors';
import { initialState, sameState, type State } from '../../src/State';
import { transition, type ServiceEvent } from '../../src/internal/transitions';

/** The reducer's event type. */
type LifecycleEvent = ServiceEvent;

const numRuns = Number(process.env['FC_NUM_RUNS'] ?? 200);

/** Applies events in order, each at the given time. */
function run(state: State, ...events: LifecycleEvent[]): State {
  return events.reduce(transition, state);
}

const start = (now: number, hasConfig = false): LifecycleEvent => ({ type: 'start', now, hasConfig });
const configure = (now: number, config: string | Uint8Array = '{}', switchLoad = false, reload = true): LifecycleEvent => ({
  type: 'configure',
  now,
  config,
  switchLoad,
  reload,
});
const stop = (now: number): LifecycleEvent => ({ type: 'stop', now });
const succeeded = (now: number, failures = 0): LifecycleEvent => ({ type: 'succeeded', now, failures });
const retrying = (now: number, error: Error, failures: number, delay: number): LifecycleEvent => ({
  type: 'retrying',
  now,
  error,
  failures,
  delay,
});
const gaveUp = (now: number, error: Error, failures: number): LifecycleEvent => ({ type: 'gaveUp', now, error, failures });

const s0: State = initialState(1);

function expectInvariants(state: State): void {
  expect(Object.isFrozen(state)).toBe(true);
  if (state.loading) expect(state.active).toBe(true);
  if (state.nextAttemptTime !== undefined) expect(state.loading).toBe(true);
  if (state.error !== undefined) expect(state.lastErrorTime).toBeDefined();
  expect(Number.isInteger(state.failedAttempts) && state.failedAttempts >= 0).toBe(true);
}

describe('initialState', () => {
  it('should be inactive, not loading, never failed, inactive since now', () => {
    expect(s0).toEqual({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 1 });
    expect(Object.isFrozen(s0)).toBe(true);
  });

  it('should have every State key', () => {
    expect(Object.keys(s0).sort()).toEqual(
      [
        'active',
        'config',
        'error',
        'failedAttempts',
        'lastActiveTime',
        'lastConfigTime',
        'lastErrorTime',
        'lastInactiveTime',
        'lastLoadingEndTime',
        'lastLoadingStartTime',
        'loading',
        'nextAttemptTime',
      ].sort(),
    );
  });
});

describe('transition', () => {
  it('should record the config of an active service and begin no load with reload false', () => {
    const active = run(initialState(0), start(1));
    const next = transition(active, configure(2, '{"a":1}', false, false));
    expect(next).toMatchObject({ active: true, loading: false, config: '{"a":1}', lastConfigTime: 2 });
    expect(next.lastLoadingStartTime).toBeUndefined();
  });

  describe('start', () => {
    it('should become active without a config', () => {
      const s = transition(s0, start(10));
      expect(s).toEqual({ ...s0, active: true, lastActiveTime: 10 });
      expect(s.loading).toBe(false);
      expectInvariants(s);
    });

    it('should begin a load when a config was accepted', () => {
      const configured = transition(s0, configure(5));
      const s = transition(configured, start(10, true));
      expect(s).toEqual({
        ...configured,
        active: true,
        lastActiveTime: 10,
        loading: true,
        failedAttempts: 0,
        lastLoadingStartTime: 10,
        lastLoadingEndTime: undefined,
      });
      expectInvariants(s);
    });

    it('should clear the error and reset the failures of a given-up load', () => {
      const err = new Error('boom');
      const failed = run(s0, configure(2), start(3, true), gaveUp(4, err, 1));
      expect(failed.error).toBe(err);
      const s = transition(failed, start(10, true));
      expect(s.error).toBeUndefined();
      expect(s.lastErrorTime).toBe(4); // a time is history, not cleared
      expect(s.failedAttempts).toBe(0);
      expect(s.lastLoadingEndTime).toBeUndefined();
      expect(s.lastLoadingStartTime).toBe(10);
      expectInvariants(s);
    });

    it('should throw AlreadyStartedError when active, leaving the state as it was', () => {
      const active = transition(s0, start(10));
      expect(() => transition(active, start(11))).toThrow(AlreadyStartedError);
      expect(active.lastActiveTime).toBe(10);
    });
  });

  describe('configure', () => {
    it('should accept the config when inactive, without a load', () => {
      const s = transition(s0, configure(5, '{"a":1}'));
      expect(s).toEqual({ ...s0, config: '{"a":1}', lastConfigTime: 5 });
      expectInvariants(s);
    });

    it('should begin a load when active', () => {
      const active = transition(s0, start(2));
      const s = transition(active, configure(5));
      expect(s).toEqual({
        ...active,
        config: '{}',
        lastConfigTime: 5,
        loading: true,
        failedAttempts: 0,
        lastLoadingStartTime: 5,
        lastLoadingEndTime: undefined,
      });
      expectInvariants(s);
    });

    it('should reset lastLoadingEndTime and failedAttempts of an earlier load', () => {
      const loaded = run(s0, start(1), configure(2), retrying(3, new Error('x'), 1, 500), succeeded(503, 1));
      expect(loaded.lastLoadingEndTime).toBe(503);
      expect(loaded.failedAttempts).toBe(1);
      const s = transition(loaded, configure(600, '{"b":2}'));
      expect(s.lastLoadingEndTime).toBeUndefined();
      expect(s.failedAttempts).toBe(0);
      expect(s.lastLoadingStartTime).toBe(600);
      expect(s.nextAttemptTime).toBeUndefined();
    });

    it('should keep a Uint8Array config by reference', () => {
      const bytes = new Uint8Array([123, 125]);
      const s = transition(s0, configure(5, bytes));
      expect(s.config).toBe(bytes);
      expect(Object.isFrozen(s)).toBe(true);
    });

    it('should throw AlreadyLoadingError while loading', () => {
      const loading = run(s0, start(1), configure(2));
      expect(() => transition(loading, configure(3, '{"b":1}'))).toThrow(AlreadyLoadingError);
      const waiting = transition(loading, retrying(3, new Error('x'), 1, 500));
      expect(() => transition(waiting, configure(4, '{"b":1}'))).toThrow(AlreadyLoadingError);
    });

    it('should begin a new load while loading with switchLoad', () => {
      const err = new Error('x');
      const waiting = run(s0, start(1), configure(2), retrying(3, err, 2, 500));
      const s = transition(waiting, configure(4, '{"b":1}', true));
      expect(s).toMatchObject({
        active: true,
        loading: true,
        config: '{"b":1}',
        lastConfigTime: 4,
        failedAttempts: 0,
        lastLoadingStartTime: 4,
        lastLoadingEndTime: undefined,
        nextAttemptTime: undefined,
      });
      expectInvariants(s);
    });

    it('should be a plain configure with switchLoad when inactive', () => {
      expect(transition(s0, configure(5, '{}', true))).toEqual(transition(s0, configure(5, '{}', false)));
    });
  });

  describe('stop', () => {
    it('should become inactive', () => {
      const active = transition(s0, start(2));
      const s = transition(active, stop(7));
      expect(s).toEqual({ ...active, active: false, lastInactiveTime: 7 });
      expectInvariants(s);
    });

    it('should end a load in progress', () => {
      const waiting = run(s0, configure(1), start(2, true), retrying(3, new Error('x'), 1, 500));
      const s = transition(waiting, stop(7));
      expect(s).toEqual({
        ...waiting,
        active: false,
        lastInactiveTime: 7,
        loading: false,
        lastLoadingEndTime: 7,
        nextAttemptTime: undefined,
      });
      expectInvariants(s);
    });

    it('should keep lastLoadingEndTime of a finished load', () => {
      const loaded = run(s0, configure(1), start(2, true), succeeded(3));
      expect(transition(loaded, stop(9)).lastLoadingEndTime).toBe(3);
    });

    it('should throw AlreadyStoppedError when inactive', () => {
      expect(() => transition(s0, stop(3))).toThrow(AlreadyStoppedError);
    });
  });

  describe('succeeded', () => {
    it('should end the load with the failure count, keeping the error', () => {
      const err = new Error('x');
      const waiting = run(s0, configure(1), start(2, true), retrying(3, err, 2, 750));
      const s = transition(waiting, succeeded(753, 2));
      expect(s).toEqual({
        ...waiting,
        loading: false,
        lastLoadingEndTime: 753,
        nextAttemptTime: undefined,
        failedAttempts: 2,
      });
      expect(s.error).toBe(err);
      expect(s.lastErrorTime).toBe(3);
      expectInvariants(s);
    });

    it('should end a first-time load with no failures', () => {
      const loading = run(s0, configure(1), start(2, true));
      const s = transition(loading, succeeded(2, 0));
      expect(s).toEqual({ ...loading, loading: false, lastLoadingEndTime: 2, failedAttempts: 0 });
    });
  });

  describe('retrying', () => {
    it('should record the failure and the next attempt, still loading', () => {
      const err = new Error('x');
      const loading = run(s0, configure(1), start(2, true));
      const s = transition(loading, retrying(5, err, 1, 500));
      expect(s).toEqual({
        ...loading,
        error: err,
        lastErrorTime: 5,
        failedAttempts: 1,
        nextAttemptTime: 505,
      });
      expect(s.loading).toBe(true);
      expect(s.lastLoadingStartTime).toBe(2);
      expectInvariants(s);
    });

    it('should start a reload in the same State when not loading (a task that crashed after its success)', () => {
      const err = new Error('crash');
      const loaded = run(s0, configure(1), start(2, true), succeeded(3));
      const s = transition(loaded, retrying(100, err, 1, 500));
      expect(s).toEqual({
        ...loaded,
        loading: true,
        lastLoadingStartTime: 100,
        lastLoadingEndTime: undefined,
        error: err,
        lastErrorTime: 100,
        failedAttempts: 1,
        nextAttemptTime: 600,
      });
      expectInvariants(s);
    });

    it('should keep a failure count above 1 on a reload', () => {
      const loaded = run(s0, configure(1), start(2, true), succeeded(3, 2));
      expect(transition(loaded, retrying(100, new Error('x'), 3, 1125)).failedAttempts).toBe(3);
    });
  });

  describe('gaveUp', () => {
    it('should end the load and the run with the error', () => {
      const err = new Error('x');
      const loading = run(s0, configure(1), start(2, true));
      const s = transition(loading, gaveUp(5, err, 1));
      expect(s).toEqual({
        ...loading,
        active: false,
        loading: false,
        error: err,
        lastErrorTime: 5,
        lastInactiveTime: 5,
        lastLoadingEndTime: 5,
        nextAttemptTime: undefined,
        failedAttempts: 1,
      });
      expectInvariants(s);
    });

    it('should clear nextAttemptTime after retries', () => {
      const waiting = run(s0, configure(1), start(2, true), retrying(3, new Error('a'), 1, 500));
      const err = new Error('b');
      const s = transition(waiting, gaveUp(503, err, 2));
      expect(s.nextAttemptTime).toBeUndefined();
      expect(s.failedAttempts).toBe(2);
      expect(s.error).toBe(err);
      expectInvariants(s);
    });

    it('should record a reload that gives up at once (a task that crashed after its success)', () => {
      const err = new Error('crash');
      const loaded = run(s0, configure(1), start(2, true), succeeded(3));
      const s = transition(loaded, gaveUp(100, err, 1));
      expect(s).toMatchObject({
        active: false,
        loading: false,
        error: err,
        lastErrorTime: 100,
        lastInactiveTime: 100,
        lastLoadingStartTime: 100,
        lastLoadingEndTime: 100,
        failedAttempts: 1,
      });
      expectInvariants(s);
    });
  });

  describe('when nothing changes', () => {
    it('should return the very same object for a configure with the same text at the same time', () => {
      const a = transition(s0, configure(5, '{"a":1}'));
      expect(transition(a, configure(5, '{"a":1}'))).toBe(a);
    });

    it('should compare byte configs by content', () => {
      const a = transition(s0, configure(5, new Uint8Array([1, 2, 3])));
      expect(transition(a, configure(5, new Uint8Array([1, 2, 3])))).toBe(a);
      expect(transition(a, configure(5, new Uint8Array([1, 2, 4])))).not.toBe(a);
      expect(transition(a, configure(5, new Uint8Array([1, 2])))).not.toBe(a);
    });

    it('should tell text from bytes', () => {
      const a = transition(s0, configure(5, 'ab'));
      expect(transition(a, configure(5, new Uint8Array([97, 98])))).not.toBe(a);
    });

    it('should compare errors by identity', () => {
      const err = new Error('same');
      const waiting = run(s0, configure(1), start(2, true), retrying(3, err, 1, 500));
      expect(transition(waiting, retrying(3, err, 1, 500))).toBe(waiting);
      const other = transition(waiting, retrying(3, new Error('same'), 1, 500));
      expect(other).not.toBe(waiting);
      expect(other.error).not.toBe(err);
    });

    it('should return the same object for a success reported twice at the same time', () => {
      const loaded = run(s0, configure(1), start(2, true), succeeded(3));
      expect(transition(loaded, succeeded(3))).toBe(loaded);
    });

    it('should return a new object for a change of time alone', () => {
      const a = transition(s0, configure(5, '{}'));
      const b = transition(a, configure(6, '{}'));
      expect(b).not.toBe(a);
      expect(b.lastConfigTime).toBe(6);
    });

    it('should not mutate its input', () => {
      const active = transition(s0, start(2));
      const copy = { ...active };
      transition(active, configure(3));
      transition(active, stop(4));
      expect(active).toEqual(copy);
    });
  });

  describe('sameState', () => {
    it('should compare every field', () => {
      const keys = Object.keys(s0) as (keyof State)[];
      for (const key of keys) {
        const changed = { ...s0, [key]: key === 'active' || key === 'loading' ? !s0[key] : 12345 } as State;
        expect(sameState(s0, changed)).toBe(false);
      }
      expect(sameState(s0, { ...s0 })).toBe(true);
    });
  });

  describe('invariants', () => {
    type Cmd =
      | { kind: 'start' }
      | { kind: 'configure'; config: string; switchLoad: boolean }
      | { kind: 'stop' }
      | { kind: 'succeeded' }
      | { kind: 'retrying'; delay: number }
      | { kind: 'gaveUp' };

    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.constant<Cmd>({ kind: 'start' }),
      fc.record({ kind: fc.constant('configure' as const), config: fc.constantFrom('{}', '{"a":1}'), switchLoad: fc.boolean() }),
      fc.constant<Cmd>({ kind: 'stop' }),
      fc.constant<Cmd>({ kind: 'succeeded' }),
      fc.record({ kind: fc.constant('retrying' as const), delay: fc.integer({ min: 0, max: 5000 }) }),
      fc.constant<Cmd>({ kind: 'gaveUp' }),
    );

    it('should hold after every step of any command sequence the Service can send', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(cmd, fc.integer({ min: 0, max: 100 })), { maxLength: 40 }), (steps) => {
          let state = initialState(0);
          let now = 0;
          let failures = 0;
          let hasConfig = false;
          for (const [c, dt] of steps) {
            now += dt;
            let event: LifecycleEvent;
            switch (c.kind) {
              case 'start':
                event = start(now, hasConfig);
                break;
              case 'configure':
                event = configure(now, c.config, c.switchLoad);
                break;
              case 'stop':
                event = stop(now);
                break;
              // a load reports only while its run is active
              case 'succeeded':
                if (!state.loading) continue;
                event = succeeded(now, failures);
                break;
              case 'retrying':
                if (!state.active) continue;
                event = retrying(now, new Error('x'), state.loading ? ++failures : (failures = 1), c.delay);
                break;
              case 'gaveUp':
                if (!state.active) continue;
                event = gaveUp(now, new Error('y'), failures + 1);
                break;
            }
            let next: State;
            try {
              next = transition(state, event);
            } catch (err) {
              expect(
                err instanceof AlreadyStartedError || err instanceof AlreadyStoppedError || err instanceof AlreadyLoadingError,
              ).toBe(true);
              continue;
            }
            if (c.kind === 'configure') hasConfig = true;
            if (next.loading && !state.loading) failures = next.failedAttempts;
            expectInvariants(next);
            if (next !== state) expect(sameState(next, state)).toBe(false);
            if (next.loading && next.lastLoadingEndTime !== undefined) throw new Error('lastLoadingEndTime set while loading');
            state = next;
          }
        }),
        { numRuns },
      );
    });
  });
});
