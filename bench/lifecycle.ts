/**
 * One Service's lifecycle, the work its floors and XState do (see floor.ts and xstate.ts).
 *
 * Every Service here has one subscriber, the default clock and the default parse, and its
 * apply reads its signal and returns nothing (a synchronous success).
 */
import { lib } from './lib.js';
import { CONFIG, floorFresh, floorReused, floorStartStop, sink, subscriber } from './floor.js';
import type { MicroTask } from './measure.js';
import { xstateFresh, xstateReused } from './xstate.js';
import { xstateReusedInvoke } from './xstateInvoke.js';

const { Service } = lib;

/** An apply that settles at once, and reads its signal as a real one would. */
function apply(_config: unknown, signal: AbortSignal): void {
  if (signal.aborted) throw new Error('aborted before apply');
}

/** start() + stop() per operation, on one long-lived Service with no config. */
export function serviceStartStop(key = 'service.startStop'): MicroTask {
  const service = new Service(apply);
  service.state$.subscribe(subscriber);
  return {
    key,
    run: (n) => {
      for (let i = 0; i < n; i++) {
        service.start();
        service.stop();
      }
    },
  };
}

/** A new Service per operation: new, subscribe, start, configure, stop. */
export function serviceFresh(): MicroTask {
  return {
    key: 'service.fresh',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        const service = new Service(apply);
        service.state$.subscribe(subscriber);
        service.start();
        service.configure(CONFIG);
        service.stop();
      }
    },
  };
}

/** One Service with a config: start (reloads it), configure, stop per operation. */
export function serviceReused(): MicroTask {
  const service = new Service(apply);
  service.state$.subscribe(subscriber);
  service.configure(CONFIG);
  return {
    key: 'service.reused',
    run: (n) => {
      for (let i = 0; i < n; i++) {
        service.start();
        service.configure(CONFIG);
        service.stop();
      }
      sink.count += service.state.failedAttempts;
    },
  };
}

/**
 * Runs both cycles once and throws unless they do what the figures claim: the fresh one
 * publishes 5 States (the initial one and 4 changes) and hands out 1 signal, the reused one
 * publishes 5 changes and hands out 2 signals; every signal is aborted after stop().
 */
export function checkService(): void {
  const signals: AbortSignal[] = [];
  const recording = (_config: unknown, signal: AbortSignal): void => void signals.push(signal);

  const service = new Service(recording);
  let published = 0;
  service.state$.subscribe(() => published++);
  service.start();
  const loadedState = service.configure(CONFIG);
  const stoppedState = service.stop();
  if (published !== 5 || signals.length !== 1 || loadedState.loading || !loadedState.active || stoppedState.active) {
    throw new Error(`the fresh cycle did not run as modelled (${published} States, ${signals.length} signals)`);
  }

  published = 0;
  const fresh = signals.length;
  service.start();
  service.configure(CONFIG);
  service.stop();
  const handedOut = signals.length - fresh;
  if (published !== 5 || handedOut !== 2 || !signals.every((s) => s.aborted)) {
    throw new Error(`the reused cycle did not run as modelled (${published} States, ${handedOut} signals)`);
  }
}

/**
 * Throws unless each floor, Service task and XState task of a group makes its subscriber see
 * the same number of publications per operation: 2 for start+stop, 5 per cycle.
 */
export function checkParity(): void {
  const groups: [number, MicroTask[]][] = [
    [2, [floorStartStop(), serviceStartStop()]],
    [5, [floorFresh(), serviceFresh(), xstateFresh()]],
    [5, [floorReused(), serviceReused(), xstateReused(), xstateReusedInvoke()]],
  ];
  for (const [expected, tasks] of groups) {
    for (const task of tasks) {
      const before = sink.published;
      task.run(3);
      const seen = (sink.published - before) / 3;
      if (seen !== expected) throw new Error(`${task.key}: ${seen} publications per operation, not ${expected}`);
    }
  }
}
