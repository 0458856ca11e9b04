/**
 * The same lifecycle as an XState v5 machine, doing the same work as the Service: the same
 * State fields and timestamps (one clock reading per event), the config parsed as JSON on
 * configure, an `AbortController` per load whose signal apply reads, aborted with a prebuilt
 * reason (when the next load begins or the service stops), and a reload on start when a
 * config has been accepted. Apply is synchronous; its success is sent to the actor as a
 * `loaded` event, so the subscriber sees the same five snapshots per cycle as a Service's
 * subscriber sees States.
 */
import { assign, createActor, setup } from 'xstate';
import { CONFIG, REASON, sink, subscriber } from './floor.js';
import type { MicroTask } from './measure.js';

interface Context {
  readonly active: boolean;
  readonly config: string | undefined;
  readonly loading: boolean;
  readonly error: Error | undefined;
  readonly failedAttempts: number;
  readonly lastInactiveTime: number | undefined;
  readonly lastActiveTime: number | undefined;
  readonly lastErrorTime: number | undefined;
  readonly lastConfigTime: number | undefined;
  readonly lastLoadingStartTime: number | undefined;
  readonly lastLoadingEndTime: number | undefined;
  readonly nextAttemptTime: number | undefined;
  readonly parsed: unknown;
  readonly controller: AbortController | undefined;
}

type Event = { type: 'start' } | { type: 'stop' } | { type: 'configure'; config: string } | { type: 'loaded' };

/** An apply that settles at once and reads its signal, as the Service's apply does. */
function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

/** Begins a load: aborts the previous load's signal, makes a new one, calls apply. */
function beginLoad(context: Context, now: number): Partial<Context> {
  context.controller?.abort(REASON);
  const controller = new AbortController();
  apply(context.parsed, controller.signal);
  return { loading: true, failedAttempts: 0, lastLoadingStartTime: now, lastLoadingEndTime: undefined, controller };
}

export const lifecycleMachine = setup({
  types: {} as { context: Context; events: Event },
  guards: {
    hasConfig: ({ context }) => context.config !== undefined,
  },
  actions: {
    start: assign(() => ({ active: true, loading: false, error: undefined, lastActiveTime: Date.now() })),
    startAndLoad: assign(({ context }) => {
      const now = Date.now();
      return { active: true, error: undefined, lastActiveTime: now, ...beginLoad(context, now) };
    }),
    accept: assign(({ event }) => {
      const config = (event as { config: string }).config;
      return { config, parsed: JSON.parse(config) as unknown, lastConfigTime: Date.now() };
    }),
    acceptAndLoad: assign(({ context, event }) => {
      const config = (event as { config: string }).config;
      const parsed = JSON.parse(config) as unknown;
      const now = Date.now();
      return { config, parsed, lastConfigTime: now, ...beginLoad({ ...context, parsed }, now) };
    }),
    loaded: assign(() => ({ loading: false, lastLoadingEndTime: Date.now(), nextAttemptTime: undefined })),
    stop: assign(({ context }) => {
      context.controller?.abort(REASON);
      return { active: false, loading: false, lastInactiveTime: Date.now(), nextAttemptTime: undefined, controller: undefined };
    }),
  },
}).createMachine({
  id: 'service',
  initial: 'inactive',
  context: () => ({
    active: false,
    config: undefined,
    loading: false,
    error: undefined,
    failedAttempts: 0,
    lastInactiveTime: Date.now(),
    lastActiveTime: undefined,
    lastErrorTime: undefined,
    lastConfigTime: undefined,
    lastLoadingStartTime: undefined,
    lastLoadingEndTime: undefined,
    nextAttemptTime: undefined,
    parsed: undefined,
    controller: undefined,
  }),
  states: {
    inactive: {
      on: {
        start: [
          { guard: 'hasConfig', target: 'loading', actions: 'startAndLoad' },
          { target: 'active', actions: 'start' },
        ],
        configure: { actions: 'accept' },
      },
    },
    active: {
      on: {
        configure: { target: 'loading', actions: 'acceptAndLoad' },
        stop: { target: 'inactive', actions: 'stop' },
      },
    },
    loading: {
      on: {
        loaded: { target: 'active', actions: 'loaded' },
        stop: { target: 'inactive', actions: 'stop' },
      },
    },
  },
});

const START = { type: 'start' } as const;
const STOP = { type: 'stop' } as const;
const LOADED = { type: 'loaded' } as const;
const CONFIGURE = { type: 'configure', config: CONFIG } as const;

/** A new actor per operation: create, subscribe, start it, then start, configure, stop. */
export function xstateFresh(): MicroTask {
  return {
    key: 'xstate.fresh',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const actor = createActor(lifecycleMachine);
        actor.subscribe(subscriber);
        actor.start();
        actor.send(START);
        actor.send(CONFIGURE);
        actor.send(LOADED);
        actor.send(STOP);
      }
    },
  };
}

/** One actor with a config: start (reloads), loaded, configure, loaded, stop per operation. */
export function xstateReused(): MicroTask {
  return reusedCycle('xstate.reused', lifecycleMachine);
}

/**
 * The reused cycle on one actor of `machine` (any machine that takes the events start,
 * loaded, configure and stop and keeps `active` in its context).
 */
export function reusedCycle(key: string, machine: Parameters<typeof createActor>[0]): MicroTask {
  const actor = createActor(machine);
  actor.subscribe(subscriber);
  actor.start();
  actor.send(CONFIGURE);
  return {
    key,
    run: (n) => {
      for (let i = 0; i < n; i++) {
        actor.send(START);
        actor.send(LOADED);
        actor.send(CONFIGURE);
        actor.send(LOADED);
        actor.send(STOP);
      }
      sink.count += (actor.getSnapshot() as { context: { active: boolean } }).context.active ? 1 : 0;
    },
  };
}

export function checkXState(): void {
  const fresh = createActor(lifecycleMachine);
  const seen: Context[] = [];
  fresh.subscribe((snapshot) => seen.push(snapshot.context));
  fresh.start();
  fresh.send(START);
  fresh.send(CONFIGURE);
  const signal = fresh.getSnapshot().context.controller?.signal;
  fresh.send(LOADED);
  fresh.send(STOP);
  const last = seen[seen.length - 1];
  if (seen.length !== 5 || last?.active !== false || last.config !== CONFIG || signal?.aborted !== true) {
    throw new Error(`the fresh XState cycle did not run as modelled (${seen.length} snapshots)`);
  }

  seen.length = 0;
  const signals: AbortSignal[] = [];
  fresh.send(START);
  signals.push(fresh.getSnapshot().context.controller!.signal);
  fresh.send(LOADED);
  fresh.send(CONFIGURE);
  signals.push(fresh.getSnapshot().context.controller!.signal);
  fresh.send(LOADED);
  fresh.send(STOP);
  const times = seen.map((c) => c.lastLoadingStartTime);
  if (seen.length !== 5 || signals[0] === signals[1] || !signals.every((s) => s.aborted && s.reason === REASON) || times.includes(undefined)) {
    throw new Error(`the reused XState cycle did not run as modelled (${seen.length} snapshots)`);
  }
}
