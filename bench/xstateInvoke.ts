/**
 * For information: the reused cycle written the other way a user of XState v5 would write it,
 * with each load an invoked callback actor that makes the AbortController, calls apply, and
 * aborts the signal in its cleanup when the state is left. Same State fields, timestamps,
 * parse and snapshots as the machine of xstate.ts; the load's success is sent as `loaded`.
 */
import { assign, fromCallback, setup } from 'xstate';
import { REASON } from './floor.js';
import { reusedCycle } from './xstate.js';
import type { MicroTask } from './measure.js';

type Event = { type: 'start' } | { type: 'stop' } | { type: 'configure'; config: string } | { type: 'loaded' };

/** An apply that settles at once and reads its signal, as the Service's apply does. */
function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

const load = fromCallback<Event, unknown>(({ input }) => {
  const controller = new AbortController();
  apply(input, controller.signal);
  return () => controller.abort(REASON);
});

function loadStart(now: number) {
  return { loading: true, failedAttempts: 0, lastLoadingStartTime: now, lastLoadingEndTime: undefined as number | undefined };
}

const machine = setup({
  types: {} as { events: Event; context: Record<string, unknown> & { config?: string | undefined; parsed?: unknown } },
  actors: { load },
  guards: { hasConfig: ({ context }) => context.config !== undefined },
  actions: {
    start: assign(() => ({ active: true, loading: false, error: undefined, lastActiveTime: Date.now() })),
    startAndLoad: assign(() => {
      const now = Date.now();
      return { active: true, error: undefined, lastActiveTime: now, ...loadStart(now) };
    }),
    accept: assign(({ event }) => {
      const config = (event as { config: string }).config;
      return { config, parsed: JSON.parse(config) as unknown, lastConfigTime: Date.now() };
    }),
    acceptAndLoad: assign(({ event }) => {
      const config = (event as { config: string }).config;
      const now = Date.now();
      return { config, parsed: JSON.parse(config) as unknown, lastConfigTime: now, ...loadStart(now) };
    }),
    loaded: assign(() => ({ loading: false, lastLoadingEndTime: Date.now(), nextAttemptTime: undefined })),
    stop: assign(() => ({ active: false, loading: false, lastInactiveTime: Date.now(), nextAttemptTime: undefined })),
  },
}).createMachine({
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
  }),
  states: {
    inactive: {
      on: {
        start: [{ guard: 'hasConfig', target: 'active.loading', actions: 'startAndLoad' }, { target: 'active.idle', actions: 'start' }],
        configure: { actions: 'accept' },
      },
    },
    active: {
      initial: 'idle',
      on: { stop: { target: 'inactive', actions: 'stop' } },
      states: {
        idle: { on: { configure: { target: 'loading', actions: 'acceptAndLoad' } } },
        loading: {
          invoke: { src: 'load', input: ({ context }: { context: { parsed?: unknown } }) => context.parsed },
          on: { loaded: { target: 'idle', actions: 'loaded' } },
        },
      },
    },
  },
});


/** One actor with a config: start (reloads), loaded, configure, loaded, stop per operation. */
export function xstateReusedInvoke(): MicroTask {
  return reusedCycle('xstate.reusedInvoke', machine);
}
