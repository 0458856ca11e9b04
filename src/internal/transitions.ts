import { AlreadyLoadingError, AlreadyStartedError, AlreadyStoppedError } from '../errors.js';
import { MutableState, sameState, type RawConfig, type State } from '../State.js';

/**
 * Everything that can change a {@link State}: the three commands and what a load reports.
 * Each carries the time it happened, so the reducer never reads a clock.
 */
export type ServiceEvent<R = RawConfig> =
  /** `start()`; `hasConfig` says a config was accepted before, so a load begins. */
  | { readonly type: 'start'; readonly now: number; readonly hasConfig: boolean }
  /**
   * `configure()`, after the parse succeeded; `switchLoad` allows it during a load, and
   * `reload: false` records the config of an active service without loading it.
   */
  | { readonly type: 'configure'; readonly now: number; readonly config: R; readonly switchLoad: boolean; readonly reload: boolean }
  /** `stop()`: ends the run, and a load in progress with it. */
  | { readonly type: 'stop'; readonly now: number }
  /** An attempt succeeded after `failures` failed ones. */
  | { readonly type: 'succeeded'; readonly now: number; readonly failures: number }
  /** An attempt failed and the next one runs in `delay` ms. */
  | { readonly type: 'retrying'; readonly now: number; readonly failures: number; readonly error: Error; readonly delay: number }
  /** An attempt failed and the load gives up: the run ends with `error`. */
  | { readonly type: 'gaveUp'; readonly now: number; readonly failures: number; readonly error: Error };

/**
 * The lifecycle as a pure function: the State after `event`, frozen, or the very same
 * `state` object when the event changes nothing. Throws the spec's error when a command is
 * not allowed in `state`; it never performs effects.
 */
export function transition<R>(state: State<R>, event: ServiceEvent<R>): State<R> {
  const now = event.now;
  const next = new MutableState(state);
  switch (event.type) {
    case 'start':
      if (state.active) throw new AlreadyStartedError();
      next.active = true;
      next.error = undefined;
      next.lastActiveTime = now;
      if (event.hasConfig) loadStart(next, now);
      break;

    case 'configure':
      if (state.loading && !event.switchLoad) throw new AlreadyLoadingError();
      next.config = event.config;
      next.lastConfigTime = now;
      if (state.active && event.reload) loadStart(next, now);
      break;

    case 'stop':
      if (!state.active) throw new AlreadyStoppedError();
      next.active = false;
      next.lastInactiveTime = now;
      if (state.loading) loadEnd(next, now);
      break;

    case 'succeeded':
      loadEnd(next, now);
      next.failedAttempts = event.failures;
      break;

    case 'retrying':
      // A failure while not loading is an Observable task that crashed after its success:
      // the reload it starts and the failure are one State.
      if (!state.loading) loadStart(next, now);
      next.error = event.error;
      next.failedAttempts = event.failures;
      next.lastErrorTime = now;
      next.nextAttemptTime = now + event.delay;
      break;

    case 'gaveUp':
      if (!state.loading) loadStart(next, now);
      loadEnd(next, now);
      next.active = false;
      next.error = event.error;
      next.failedAttempts = event.failures;
      next.lastErrorTime = now;
      next.lastInactiveTime = now;
      break;
  }
  return sameState(state, next) ? state : Object.freeze(next);
}

/** Step 1 of a load. */
function loadStart(next: MutableState<unknown>, now: number): void {
  next.loading = true;
  next.failedAttempts = 0;
  next.lastLoadingStartTime = now;
  next.lastLoadingEndTime = undefined;
  next.nextAttemptTime = undefined;
}

/** A load ends, whatever its outcome. */
function loadEnd(next: MutableState<unknown>, now: number): void {
  next.loading = false;
  next.lastLoadingEndTime = now;
  next.nextAttemptTime = undefined;
}
