/**
 * The reference model of test/properties/service.property.test.ts, written from the sentences of
 * SPEC.md sections 1, 2 and 7 (issue 14: not from src/internal/transitions.ts). Each change a
 * sentence makes to the State is one `Patch`, quoted where it is defined; what happens is a
 * list of patches, and the State it makes is published once (SPEC 2.1: "its own changes and
 * step 1 of 2.2 are one State, published once"). The rest is the world the spec speaks of:
 * runs, loads, attempts with their signals, one pending timer, and the subscribers.
 */
import type { RawConfig } from 'rx-lifecycle';
import type { Behaviour } from './serviceWorld';

/** An error in a model State: a real Error (by identity) or a token for one the service makes. */
export class WrapToken {
  constructor(readonly value: unknown) {}
}
export class TimeoutToken {
  constructor(readonly ms: number) {}
}
export type MErr = Error | WrapToken | TimeoutToken;

/** SPEC 1: the fields of a State. */
export interface MState {
  readonly active: boolean;
  readonly config: RawConfig | undefined;
  readonly loading: boolean;
  readonly error: MErr | undefined;
  readonly failedAttempts: number;
  readonly lastInactiveTime: number | undefined;
  readonly lastActiveTime: number | undefined;
  readonly lastErrorTime: number | undefined;
  readonly lastConfigTime: number | undefined;
  readonly lastLoadingStartTime: number | undefined;
  readonly lastLoadingEndTime: number | undefined;
  readonly nextAttemptTime: number | undefined;
}
export type Patch = Partial<MState>;

export const PLAIN_FIELDS = [
  'active',
  'loading',
  'failedAttempts',
  'lastInactiveTime',
  'lastActiveTime',
  'lastErrorTime',
  'lastConfigTime',
  'lastLoadingStartTime',
  'lastLoadingEndTime',
  'nextAttemptTime',
] as const;

// -- The sentences, one patch each.

/** 2.1: "A new service has {active: false, loading: false, failedAttempts: 0, lastInactiveTime: now()}." */
export const NEW: MState = Object.freeze({
  active: false,
  config: undefined,
  loading: false,
  error: undefined,
  failedAttempts: 0,
  lastInactiveTime: 0,
  lastActiveTime: undefined,
  lastErrorTime: undefined,
  lastConfigTime: undefined,
  lastLoadingStartTime: undefined,
  lastLoadingEndTime: undefined,
  nextAttemptTime: undefined,
});
/** start(): "active = true, loading = false, error = undefined, lastActiveTime = now". */
export const started = (now: number): Patch => ({ active: true, loading: false, error: undefined, lastActiveTime: now });
/** configure(): "config = data, lastConfigTime = now". */
export const accepted = (data: RawConfig, now: number): Patch => ({ config: data, lastConfigTime: now });
/** stop(): "active = false, lastInactiveTime = now". */
export const stopped = (now: number): Patch => ({ active: false, lastInactiveTime: now });
/** stop(): "A load in progress ends: loading = false, lastLoadingEndTime = now, nextAttemptTime = undefined". */
export const loadEndedByStop = (now: number): Patch => ({ loading: false, lastLoadingEndTime: now, nextAttemptTime: undefined });
/**
 * 2.2 step 1: "loading = true, failedAttempts = 0, lastLoadingStartTime = now, lastLoadingEndTime =
 * undefined"; and section 1: nextAttemptTime is set "while one [retry] is pending": a new load has none.
 */
export const loadBegins = (now: number): Patch => ({
  loading: true,
  failedAttempts: 0,
  lastLoadingStartTime: now,
  lastLoadingEndTime: undefined,
  nextAttemptTime: undefined,
});
/** Step 3: "loading = false, lastLoadingEndTime = now, nextAttemptTime = undefined, failedAttempts = the failure count". */
export const succeeded = (now: number, failures: number): Patch => ({
  loading: false,
  lastLoadingEndTime: now,
  nextAttemptTime: undefined,
  failedAttempts: failures,
});
/** Step 4, retry: "error, lastErrorTime = now, failedAttempts = failures, nextAttemptTime = now + delay (still loading)". */
export const retryScheduled = (now: number, failures: number, error: MErr, delay: number): Patch => ({
  error,
  lastErrorTime: now,
  failedAttempts: failures,
  nextAttemptTime: now + delay,
});
/**
 * Step 4, give up: "active = false, loading = false, error = cause, lastErrorTime = now,
 * lastInactiveTime = now, lastLoadingEndTime = now, nextAttemptTime = undefined, failedAttempts = failures".
 */
export const gaveUp = (now: number, failures: number, error: MErr): Patch => ({
  active: false,
  loading: false,
  error,
  lastErrorTime: now,
  lastInactiveTime: now,
  lastLoadingEndTime: now,
  nextAttemptTime: undefined,
  failedAttempts: failures,
});

/** 2.3: "Equal means every field equal: config by content, error by identity, the rest by ===." */
export function specSame(a: MState, b: MState): boolean {
  const bytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;
  const sameConfig =
    a.config === b.config ||
    (bytes(a.config) && bytes(b.config) && a.config.length === b.config.length && a.config.every((x, i) => x === (b.config as Uint8Array)[i]));
  return sameConfig && a.error === b.error && PLAIN_FIELDS.every((f) => Object.is(a[f], b[f]));
}

/** 2, ParseFunc default: "JSON of the text (bytes decoded as UTF-8)". */
export function specParse(raw: RawConfig): unknown {
  return JSON.parse(typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw)) as unknown;
}

export interface Policy {
  readonly initialDelay: number;
  readonly factor: number;
  readonly maxDelay: number;
  readonly minDelay: number;
  readonly maxAttempts: number;
  readonly jitter: number;
  readonly random: () => number;
  readonly resetAfter: number;
}

/**
 * Step 4: "delay = initialDelay * factor^(failures-1), capped at maxDelay, then raised to at least
 * minDelay, then jittered: delay * (1 - jitter * random())".
 */
export function specDelay(p: Policy, failures: number): number {
  const grown = p.initialDelay === 0 ? 0 : p.initialDelay * p.factor ** (failures - 1); // 0 however large the power
  const delay = Math.max(Math.min(grown, p.maxDelay), p.minDelay);
  return p.jitter === 0 ? delay : delay * (1 - p.jitter * p.random());
}

// -- The world the sentences speak of.

/** A load (2.2) of one parsed config: its failure count, its t0, its task once it succeeded. */
export interface MLoad {
  readonly config: unknown;
  failures: number;
  t0: number;
  runningSince: number | undefined;
  ended: boolean;
}

export type Phase = 'inflight' | 'live' | 'done' | 'failed' | 'gone';
/** One call of apply: its run, its load, and whether its signal aborted. */
export interface MCall {
  readonly run: number;
  readonly load: MLoad;
  readonly behaviour: Behaviour;
  thrown: unknown;
  phase: Phase;
  aborted: boolean;
  /** A promise that settles with the next microtasks. */
  auto: 'resolve' | 'reject' | undefined;
  /** Settle commands may pick it. */
  controllable: boolean;
  /** An Observable that succeeded at a value: the background task, which belongs to its load. */
  task: boolean;
}
export interface MTimer {
  readonly due: number;
  readonly kind: 'retry' | 'timeout';
  readonly load: MLoad;
  readonly call: MCall | undefined;
}
export interface MLog {
  readonly attempt: number;
  readonly error: MErr | undefined;
  readonly delay: number;
  readonly t0: number;
}
export interface MSub {
  readonly kind: 'state$' | 'changes' | 'snapshot';
  /** Index in `published` of the first State it gets; undefined until subscribed. */
  start: number | undefined;
  /** Index after the last State it gets, once unsubscribed. */
  end: number | undefined;
  active: boolean;
  /** For `snapshot`: the published index when stateAndChanges() was called. */
  readonly callIndex: number;
}
export type MOutcome = { readonly ok: MState } | { readonly error: string };

export const asError = (thrown: unknown): MErr =>
  thrown instanceof Error || thrown instanceof TimeoutToken ? thrown : new WrapToken(thrown);
