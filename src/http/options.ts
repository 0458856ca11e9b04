import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Action } from '../internal/commands.js';

/**
 * What {@link ServiceMapServerOptions.authorize} decides on: who asks, to do what, where.
 * @example
 * ```ts
 * import type { AuthorizeContext } from 'rx-lifecycle/http';
 *
 * const operatorsOnly = ({ principal, action }: AuthorizeContext) => action === 'read' || principal === 'operator';
 * console.log(operatorsOnly({ principal: 'viewer', action: 'stop', map: 'drivers', id: 'a', kind: 'modbus' })); // false
 * ```
 * @category Remote
 */
export interface AuthorizeContext {
  /** What `authenticate` returned for the request; `undefined` = anonymous. */
  readonly principal: unknown;
  /** `read` for every GET (lists, records, summary, watch), else the command. */
  readonly action: Action;
  /** The map's name, as a key of the maps given to the server. */
  readonly map: string;
  /** The record's id, for requests about one record. */
  readonly id?: string;
  /** The record's kind, when known: the record's, a create's, or a watch's `kind` filter. */
  readonly kind?: string;
}

/**
 * Options of {@link createServiceMapServer}.
 * @example
 * ```ts
 * import type { ServiceMapServerOptions } from 'rx-lifecycle/http';
 *
 * const options: ServiceMapServerOptions = {
 *   authenticate: (req) => req.headers.get('x-user') ?? undefined,
 *   authorize: ({ principal, action }) => action === 'read' || principal === 'admin',
 *   exposeConfig: true,
 * };
 * console.log(Object.keys(options).join(' ')); // authenticate authorize exposeConfig
 * ```
 * @category Remote
 */
export interface ServiceMapServerOptions {
  /**
   * Who is asking: the principal for a request (`undefined` = anonymous). Both handlers pass
   * a WHATWG `Request` (its body is not readable). A throw answers `401`.
   * @defaultValue none: every request is anonymous
   */
  readonly authenticate?: ((req: Request) => unknown) | undefined;
  /**
   * Whether the principal may do the action. A refusal answers `401` when `authenticate` is
   * given and returned `undefined`, else `403`.
   * @defaultValue reads allowed, every command refused
   */
  readonly authorize?: ((context: AuthorizeContext) => boolean | Promise<boolean>) | undefined;
  /**
   * Send configs in records (text as a string, bytes as `{ base64 }`). Off, configs never
   * leave the server.
   * @defaultValue false
   */
  readonly exposeConfig?: boolean | undefined;
  /**
   * Changes kept per map for clients that reconnect with `Last-Event-ID`; a client whose gap
   * is longer gets a fresh snapshot.
   * @defaultValue 10000
   */
  readonly journalSize?: number | undefined;
  /**
   * Milliseconds between heartbeat comments on a quiet watch stream.
   * @defaultValue 15000
   */
  readonly heartbeatMs?: number | undefined;
  /**
   * How far (in bytes, counted as UTF-16 units) a watching client may fall behind before it is
   * disconnected; it then resumes from the journal or a fresh snapshot.
   * @defaultValue 1048576 (1 MiB)
   */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * Largest command body accepted, in bytes; a larger one answers `413`.
   * @defaultValue 1048576 (1 MiB)
   */
  readonly maxBodyBytes?: number | undefined;
  /**
   * Drives the heartbeats and gives `serverTime`.
   * @defaultValue asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
}

/** The options with their defaults filled in. */
export interface ResolvedOptions {
  readonly authenticate: ((req: Request) => unknown) | undefined;
  readonly authorize: (context: AuthorizeContext) => boolean | Promise<boolean>;
  readonly exposeConfig: boolean;
  readonly journalSize: number;
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly maxBodyBytes: number;
  readonly scheduler: SchedulerLike;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'function' ? 'a function' : String(value);
}

function count(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${field} must be a number, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${field} must be an integer of at least ${min}, got ${show(value)}`);
  return value;
}

function fn<T>(field: string, value: unknown): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${field} must be a function, got ${show(value)}`);
  return value as T | undefined;
}

/** Checks the options (a bad one throws, naming the field) and fills in the defaults. */
export function resolveOptions(options: ServiceMapServerOptions | undefined): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const o = options ?? {};
  if (o.exposeConfig !== undefined && typeof o.exposeConfig !== 'boolean') {
    throw new TypeError(`exposeConfig must be a boolean, got ${show(o.exposeConfig)}`);
  }
  const scheduler = o.scheduler ?? asyncScheduler;
  if (typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new TypeError(`scheduler must be a SchedulerLike, got ${show(scheduler)}`);
  }
  return {
    authenticate: fn('authenticate', o.authenticate),
    authorize: fn('authorize', o.authorize) ?? (({ action }) => action === 'read'),
    exposeConfig: o.exposeConfig ?? false,
    journalSize: count('journalSize', o.journalSize, 10_000, 0),
    heartbeatMs: count('heartbeatMs', o.heartbeatMs, 15_000, 1),
    maxBufferedBytes: count('maxBufferedBytes', o.maxBufferedBytes, 1 << 20, 1),
    maxBodyBytes: count('maxBodyBytes', o.maxBodyBytes, 1 << 20, 1),
    scheduler,
  };
}
