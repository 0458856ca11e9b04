/**
 * The wire format of remote maps (SPEC section 9), shared by the HTTP server, the HTTP client
 * and the NATS fleet: a State becomes plain JSON and back.
 *
 * - Times are epoch milliseconds; a time that is `undefined` ("never") is left out.
 * - `error` is `{ name, message, code? }`.
 * - `config` is sent only when the server exposes configs: text as a string, bytes as
 *   `{ base64 }`, any other (typed, section 8) config as `{ json }`.
 * - Nothing here touches Node: it runs in browsers as it is.
 */
import type { RawConfig, State } from '../State.js';
import type { StateRecordBase } from '../records.js';

/** An error as it travels: the fields a remote reader can rely on. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** A config as it travels, when configs are exposed. */
export type WireConfig = string | { readonly base64: string } | { readonly json: unknown };

/** A {@link State} as it travels. */
export interface WireState {
  readonly active: boolean;
  readonly loading: boolean;
  readonly failedAttempts: number;
  readonly config?: WireConfig;
  readonly error?: WireError;
  readonly lastInactiveTime?: number;
  readonly lastActiveTime?: number;
  readonly lastErrorTime?: number;
  readonly lastConfigTime?: number;
  readonly lastLoadingStartTime?: number;
  readonly lastLoadingEndTime?: number;
  readonly nextAttemptTime?: number;
}

/** A record as it travels: `stale` only on fleet records whose node went silent. */
export interface WireRecord {
  readonly id: string;
  readonly kind: string;
  readonly state: WireState;
  readonly stale?: boolean;
}

/** The body of every error response: `{ error: { code, name, message } }`. */
export interface WireErrorBody {
  readonly error: { readonly code: string; readonly name: string; readonly message: string };
}

/** The time fields of a State, in the order they are written. */
export const TIME_FIELDS = [
  'lastInactiveTime',
  'lastActiveTime',
  'lastErrorTime',
  'lastConfigTime',
  'lastLoadingStartTime',
  'lastLoadingEndTime',
  'nextAttemptTime',
] as const;

/** `bytes` as base64, without Node's Buffer (so it runs in browsers). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

/** The bytes of a base64 text; throws a `TypeError` for text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError('base64: not valid base64 text');
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A config as it travels. */
export function toWireConfig(config: unknown): WireConfig {
  if (typeof config === 'string') return config;
  if (config instanceof Uint8Array) return { base64: bytesToBase64(config) };
  return { json: config };
}

/** A travelled config back as a raw config (text, bytes, or the typed value). */
export function fromWireConfig(config: WireConfig): RawConfig {
  if (typeof config === 'string') return config;
  if ('base64' in config) return base64ToBytes(config.base64);
  return config.json as RawConfig;
}

/** An error as it travels. */
export function toWireError(error: Error): WireError {
  const code = (error as { code?: unknown }).code;
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : String(error);
  return typeof code === 'string' ? { name, message, code } : { name, message };
}

/** A travelled error back as an `Error` with its `name`, `message` and `code`. */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  Object.defineProperty(error, 'name', { value: wire.name, enumerable: false, writable: true, configurable: true });
  if (wire.code !== undefined) (error as Error & { code?: string }).code = wire.code;
  return error;
}

/**
 * A State as it travels.
 * @param exposeConfig - send the config too (otherwise configs never leave the server).
 */
export function toWireState(state: State<unknown>, exposeConfig: boolean): WireState {
  const out: Record<string, unknown> = {
    active: state.active,
    loading: state.loading,
    failedAttempts: state.failedAttempts,
  };
  if (exposeConfig && state.config !== undefined) out.config = toWireConfig(state.config);
  if (state.error !== undefined) out.error = toWireError(state.error);
  for (const field of TIME_FIELDS) {
    const time = state[field];
    if (time !== undefined) out[field] = time;
  }
  return out as unknown as WireState;
}

/**
 * A travelled State back as a frozen State with every key (unset ones `undefined`), like the
 * States a local service publishes.
 */
export function fromWireState(wire: WireState): State {
  const error = wire.error === undefined ? undefined : Object.freeze(fromWireError(wire.error));
  const config = wire.config === undefined ? undefined : fromWireConfig(wire.config);
  return Object.freeze({
    active: wire.active,
    config,
    loading: wire.loading,
    error,
    failedAttempts: wire.failedAttempts,
    lastInactiveTime: wire.lastInactiveTime,
    lastActiveTime: wire.lastActiveTime,
    lastErrorTime: wire.lastErrorTime,
    lastConfigTime: wire.lastConfigTime,
    lastLoadingStartTime: wire.lastLoadingStartTime,
    lastLoadingEndTime: wire.lastLoadingEndTime,
    nextAttemptTime: wire.nextAttemptTime,
  });
}

/** A record as it travels (`stale` kept when the record has it set). */
export function toWireRecord(record: StateRecordBase & { readonly stale?: boolean | undefined }, exposeConfig: boolean): WireRecord {
  const state = toWireState(record.state, exposeConfig);
  return record.stale ? { id: record.id, kind: record.kind, state, stale: true } : { id: record.id, kind: record.kind, state };
}

/** An error response body for `error`, with the code it should carry. */
export function errorBody(code: string, name: string, message: string): WireErrorBody {
  return { error: { code, name, message } };
}

/** Whether `value` has the shape of a {@link WireState} (a cheap check of the required keys). */
export function isWireState(value: unknown): value is WireState {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.active === 'boolean' && typeof v.loading === 'boolean' && typeof v.failedAttempts === 'number';
}

/** A travelled record back, frozen, with its State rebuilt (`stale` only when set). */
export function fromWireRecord(wire: WireRecord): { readonly id: string; readonly kind: string; readonly state: State; readonly stale?: boolean } {
  const state = fromWireState(wire.state);
  return Object.freeze(wire.stale ? { id: wire.id, kind: wire.kind, state, stale: true } : { id: wire.id, kind: wire.kind, state });
}
