/**
 * The inputs of test/properties/service.property.test.ts: what the fake apply does, the raw
 * configs, the re-entrant hooks, and the options a run is made with.
 */
import { abortRetry, type RawConfig, type RetryOptions } from 'rx-lifecycle';
import type { Policy } from './serviceModel';

export type ErrKind = 'error' | 'abort' | 'string';
export type Behaviour =
  | { readonly kind: 'void' | 'null' | 'value' }
  | { readonly kind: 'throw'; readonly err: ErrKind }
  | { readonly kind: 'obs'; readonly first: 'none' | 'next' | 'complete' | 'error'; readonly err: ErrKind }
  | { readonly kind: 'promise'; readonly how: 'resolve' | 'reject' | 'hang'; readonly thenable: boolean; readonly err: ErrKind };
export type SettleOutcome = 'next' | 'complete' | 'error';

/** Raw configs: valid and invalid text, bytes, bytes that are not UTF-8. Each call makes a fresh object. */
export const RAWS: readonly (() => RawConfig)[] = [
  () => '{"a":1}',
  () => '{"a":2}',
  () => 'null',
  () => '[1,2]',
  () => '',
  () => '{oops',
  () => new TextEncoder().encode('{"a":1}'),
  () => new TextEncoder().encode('{"a":3}'),
  () => new Uint8Array([0xff, 0xfe, 0x7b]),
  () => Buffer.from('{"a":1}'), // a Uint8Array subclass, equal by its bytes to RAWS[6]
];

export type HookSpec = { readonly type: 'start' | 'stop' | 'subscribe' | 'unsubscribe' } | { readonly type: 'configure'; readonly raw: number };
/** A hook with its config made: the very same object goes to the service and to the spec. */
export type HookAction = { readonly type: 'start' | 'stop' | 'subscribe' | 'unsubscribe' } | { readonly type: 'configure'; readonly data: RawConfig };

let thrownCounter = 0;
export function makeThrown(kind: ErrKind): unknown {
  const n = ++thrownCounter;
  if (kind === 'abort') return abortRetry(new Error(`fatal ${n}`));
  if (kind === 'string') return `thrown string ${n}`;
  return new Error(`boom ${n}`);
}

export function materialize(h: HookSpec): HookAction {
  return h.type === 'configure' ? { type: 'configure', data: RAWS[h.raw]!() } : { type: h.type };
}

export interface GenOptions {
  /** What apply does until a command changes it. */
  readonly initial: Behaviour;
  readonly initialErr: ErrKind;
  readonly retry: undefined | boolean | Omit<RetryOptions, 'random' | 'logger'>;
  readonly random: number;
  readonly whileLoading: 'reject' | 'switch' | undefined;
  readonly applyTimeout: number | undefined;
}

export function policyOf(gen: GenOptions): Policy {
  const defaults: Policy = {
    initialDelay: 500,
    factor: 1.5,
    maxDelay: 30_000,
    minDelay: 500,
    maxAttempts: 0,
    jitter: 0,
    random: () => gen.random,
    resetAfter: 0,
  };
  if (gen.retry === undefined || gen.retry === false) return { ...defaults, maxAttempts: 1 }; // give up at the first failure
  if (gen.retry === true) return defaults;
  const r = gen.retry;
  return {
    ...defaults,
    initialDelay: r.initialDelay ?? defaults.initialDelay,
    factor: r.factor ?? defaults.factor,
    maxDelay: r.maxDelay ?? defaults.maxDelay,
    minDelay: r.minDelay ?? defaults.minDelay,
    maxAttempts: r.maxAttempts ?? defaults.maxAttempts,
    jitter: r.jitter ?? defaults.jitter,
    resetAfter: r.resetAfter ?? defaults.resetAfter,
  };
}

/**
 * Retries for ever with (next to) no delay would loop for ever at one instant of virtual time,
 * as the library is asked to: keep such policies to a few attempts.
 */
export function bounded(gen: GenOptions): GenOptions {
  if (typeof gen.retry !== 'object') return gen;
  const floor = (gen.retry.minDelay ?? 500) * (1 - (gen.retry.jitter ?? 0) * gen.random);
  if (floor >= 20 || (gen.retry.maxAttempts ?? 0) > 0) return gen;
  return { ...gen, retry: { ...gen.retry, maxAttempts: 5 } };
}

/** Subscribers 0..2: plain, the one with the re-entrant hook, one that throws at every State. */
export const FIXED_SUBS = 3;

/** The last subscriber added by a test (not one of the three fixed ones) that is still subscribed. */
export function lastDynamic(subs: readonly { active: boolean }[]): number {
  for (let j = subs.length - 1; j >= FIXED_SUBS; j--) if (subs[j]!.active) return j;
  return -1;
}
