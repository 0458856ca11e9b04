/**
 * The floor, one Service's lifecycle, and the same lifecycle as an XState v5 actor.
 *
 * Every lifecycle here has one subscriber and reads the default clock (Date.now through the
 * asyncScheduler), and its apply reads its signal. The cycles are on a fresh Service (or a
 * fresh actor) each time: that is the cycle of the budget's model (three timestamped
 * publications plus one AbortController), whereas a reused Service that already has a config
 * loads it again on start(), so its steady-state cycle does two loads.
 */
import { BehaviorSubject } from 'rxjs';
import { assign, createActor, setup } from 'xstate';
import { lib } from './lib.js';
import type { MicroTask } from './measure.js';

const { Service } = lib;

/** Keeps results alive so that the optimizer cannot drop the work. */
export const sink = { value: undefined as unknown, count: 0 };

function subscriber(value: unknown): void {
  sink.value = value;
}

/** An apply that settles at once, and reads its signal as a real one would. */
function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

/** The same apply for the XState variant without a signal. */
function applyNoSignal(config: unknown): void {
  sink.value = config;
}

const CONFIG = '{"interval":1000}';

/** A State-shaped frozen object, for the floor. */
const FROZEN = Object.freeze({
  active: true,
  config: undefined,
  loading: false,
  error: undefined,
  failedAttempts: 0,
  lastInactiveTime: 1,
  lastActiveTime: 2,
  lastErrorTime: undefined,
  lastConfigTime: undefined,
  lastLoadingStartTime: undefined,
  lastLoadingEndTime: undefined,
  nextAttemptTime: undefined,
});

interface Context {
  readonly active: boolean;
  readonly loading: boolean;
  readonly config?: string | undefined;
  readonly parsed?: unknown;
  readonly controller?: AbortController | undefined;
  readonly lastActiveTime?: number | undefined;
  readonly lastInactiveTime?: number | undefined;
  readonly lastConfigTime?: number | undefined;
  readonly lastLoadingStartTime?: number | undefined;
  readonly lastLoadingEndTime?: number | undefined;
}
type LifecycleEvent = { type: 'configure'; config: string } | { type: 'done' } | { type: 'stop' };

/**
 * The lifecycle as a user of XState v5 would write it: the actor's start is the service's
 * start; `configure` accepts and parses a config and begins a load, which calls apply with a
 * signal (when `withSignal`); `done` ends the load; `stop` aborts the signal and ends the
 * actor (a final state). Timestamps as in a State.
 */
export function lifecycleMachine(withSignal: boolean) {
  return setup({
    types: {} as { context: Context; events: LifecycleEvent },
    actions: {
      accept: assign(({ event }) => {
        const config = (event as { config: string }).config;
        const now = Date.now();
        return {
          config,
          parsed: JSON.parse(config) as unknown,
          lastConfigTime: now,
          loading: true,
          lastLoadingStartTime: now,
          lastLoadingEndTime: undefined,
        };
      }),
      load: withSignal
        ? assign(({ context }) => {
            const controller = new AbortController();
            apply(context.parsed, controller.signal);
            return { controller };
          })
        : ({ context }) => applyNoSignal(context.parsed),
      loaded: assign(() => ({ loading: false, lastLoadingEndTime: Date.now() })),
      stop: assign(({ context }) => {
        context.controller?.abort();
        return { active: false, loading: false, lastInactiveTime: Date.now(), controller: undefined };
      }),
    },
  }).createMachine({
    id: 'service',
    initial: 'running',
    context: () => ({ active: true, loading: false, lastActiveTime: Date.now() }),
    states: {
      running: {
        on: { configure: { target: 'loading', actions: 'accept' }, stop: { target: 'stopped', actions: 'stop' } },
      },
      loading: {
        entry: 'load',
        on: { done: { target: 'running', actions: 'loaded' }, stop: { target: 'stopped', actions: 'stop' } },
      },
      stopped: { type: 'final' },
    },
  });
}


export function lifecycleTasks(scale: number): MicroTask[] {
  const batch = (n: number) => Math.max(1, Math.round(n * scale));

  // Floor: one timestamped publication of a prebuilt frozen state to one subscriber.
  const subject = new BehaviorSubject<unknown>(FROZEN);
  subject.subscribe(subscriber);
  const stepOps = batch(2000);
  const floorStep: MicroTask = {
    key: 'floor.step',
    opsPerSample: stepOps,
    sample: () => {
      let t = 0;
      for (let i = 0; i < stepOps; i++) {
        t += Date.now();
        subject.next(FROZEN);
      }
      sink.count += t;
    },
  };

  const abortOps = batch(40);
  const floorAbort: MicroTask = {
    key: 'floor.abort',
    opsPerSample: abortOps,
    sample: () => {
      for (let i = 0; i < abortOps; i++) {
        const controller = new AbortController();
        if (controller.signal.aborted) sink.count++;
        controller.abort();
      }
    },
  };

  const service = new Service(apply);
  service.state$.subscribe(subscriber);
  const pairOps = batch(500);
  const startStop: MicroTask = {
    key: 'service.startStop',
    opsPerSample: pairOps,
    sample: () => {
      for (let i = 0; i < pairOps; i++) {
        service.start();
        service.stop();
      }
    },
  };

  const cycleOps = batch(40);
  const cycle: MicroTask = {
    key: 'service.cycle',
    opsPerSample: cycleOps,
    sample: () => {
      for (let i = 0; i < cycleOps; i++) {
        const fresh = new Service(apply);
        fresh.state$.subscribe(subscriber);
        fresh.start();
        fresh.configure(CONFIG);
        fresh.stop();
      }
    },
  };

  const reused = new Service(apply);
  reused.state$.subscribe(subscriber);
  const cycleReused: MicroTask = {
    key: 'service.cycleReused',
    opsPerSample: cycleOps,
    sample: () => {
      for (let i = 0; i < cycleOps; i++) {
        reused.start();
        reused.configure(CONFIG);
        reused.stop();
      }
    },
  };

  const xstateTask = (key: string, machine: ReturnType<typeof lifecycleMachine>): MicroTask => ({
    key,
    opsPerSample: cycleOps,
    sample: () => {
      for (let i = 0; i < cycleOps; i++) {
        const actor = createActor(machine);
        actor.subscribe(subscriber);
        actor.start();
        actor.send({ type: 'configure', config: CONFIG });
        actor.send({ type: 'done' });
        actor.send({ type: 'stop' });
      }
    },
  });

  return [
    floorStep,
    floorAbort,
    startStop,
    cycle,
    xstateTask('xstate.cycle', lifecycleMachine(true)),
    xstateTask('xstate.cycleNoSignal', lifecycleMachine(false)),
    cycleReused,
  ];
}

/** Checks that the scenarios do what they claim, once, before anything is timed. */
export function checkLifecycle(): void {
  const fresh = new Service(apply);
  const seen: unknown[] = [];
  fresh.state$.subscribe((s) => seen.push(s));
  fresh.start();
  const loaded = fresh.configure(CONFIG);
  const stopped = fresh.stop();
  if (loaded.loading || !loaded.active || stopped.active || seen.length !== 5) {
    throw new Error(`the fresh cycle did not run as modelled (${seen.length} states)`);
  }
  for (const withSignal of [true, false]) {
    const actor = createActor(lifecycleMachine(withSignal));
    let signal: AbortSignal | undefined;
    actor.start();
    actor.send({ type: 'configure', config: CONFIG });
    signal = actor.getSnapshot().context.controller?.signal;
    actor.send({ type: 'done' });
    if (actor.getSnapshot().context.loading) throw new Error('the XState actor did not finish its load');
    actor.send({ type: 'stop' });
    if (actor.getSnapshot().status !== 'done') throw new Error('the XState actor did not stop');
    if (withSignal && !signal?.aborted) throw new Error('the XState actor did not abort its signal');
  }
}
