import type { State } from '../State.js';
import { TIME_FIELDS } from '../internal/wire.js';

function sameError(a: Error | undefined, b: Error | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.name === b.name && a.message === b.message && (a as { code?: unknown }).code === (b as { code?: unknown }).code;
}

function sameConfig(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return a !== undefined && b !== undefined && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether two States rebuilt from the wire say the same: errors by name, message and code
 * (two travelled errors are never the same object), configs by content, the rest by `===`.
 */
export function sameRemoteState(a: State<unknown>, b: State<unknown>): boolean {
  if (a === b) return true;
  if (a.active !== b.active || a.loading !== b.loading || a.failedAttempts !== b.failedAttempts) return false;
  for (const field of TIME_FIELDS) if (a[field] !== b[field]) return false;
  return sameError(a.error, b.error) && sameConfig(a.config, b.config);
}
