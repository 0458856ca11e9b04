import type { Observable } from 'rxjs';
import type { RawConfig } from './State.js';

/**
 * Loads one parsed config: called each time an active service has a config to apply.
 *
 * @remarks
 * What it returns decides when the attempt has succeeded or failed:
 * - `void` (or any plain value): success, at once. A synchronous throw is a failure.
 * - a promise (any thenable): success or failure when it settles.
 * - an `Observable`: success at its first value or its completion, failure if it errors
 *   before that. It stays subscribed, as the background task, until the run ends or the next
 *   load begins; an error after its success starts a new load of the same config.
 *
 * `signal` is fresh for each attempt. It aborts when the attempt fails, when the service
 * stops or gives up, and, for an Observable, when the next load begins. Tie background work
 * to it. At most one attempt of a service is in flight at a time.
 *
 * @typeParam C - the parsed config.
 * @example
 * A promise result: the load ends when it settles.
 * ```ts
 * import { filter, firstValueFrom } from 'rxjs';
 * import { Service, type ApplyFunc } from 'rx-lifecycle';
 *
 * const apply: ApplyFunc<{ port: number }> = async (config) => {
 *   if (config.port < 1024) throw new Error(`port ${config.port} is reserved`);
 * };
 * const service = new Service(apply);
 * service.configure('{"port":80}');
 * console.log(service.start().loading); // true
 * const done = await firstValueFrom(service.state$.pipe(filter((s) => !s.loading)));
 * console.log(done.active, done.error?.message); // false port 80 is reserved
 * ```
 * @category Service
 */
export type ApplyFunc<C> = (config: C, signal: AbortSignal) => void | PromiseLike<void> | Observable<unknown>;

/**
 * Turns raw config (`R`: text or bytes unless `parse` says otherwise) into `C`, and validates
 * it: it throws on invalid input, and the error propagates from {@link Service.configure} with
 * nothing changed.
 * @example
 * ```ts
 * import { Service, type ParseFunc } from 'rx-lifecycle';
 *
 * const parse: ParseFunc<number> = (data) => {
 *   const n = Number(typeof data === 'string' ? data : new TextDecoder().decode(data));
 *   if (!Number.isInteger(n)) throw new RangeError(`not a whole number: ${String(data)}`);
 *   return n;
 * };
 * const service = new Service((n: number) => console.log('apply', n), { parse });
 * service.start();
 * service.configure('42');
 * // apply 42
 * try { service.configure('x'); } catch (err) { console.log((err as Error).message); }
 * // not a whole number: x
 * ```
 * @category Service
 */
export type ParseFunc<C, R = RawConfig> = (data: R) => C;
