import type { KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { asyncScheduler, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { ServiceMapSummary } from '../ServiceStates.js';
import type { RawConfig } from '../State.js';
import type { StateChange } from '../records.js';
import type { ConfigureOptions, CreateCommand, RemoteCommands } from '../client/RemoteCommands.js';
import type { RemoteStateRecord } from '../client/RemoteStateRecord.js';
import type { CommandAction } from '../internal/commands.js';
import { optionalDelay, optionalObject, optionalScheduler, show } from '../internal/validate.js';
import { bytesToBase64, fromWireState, isWireState, type WireRecord } from '../internal/wire.js';
import { checkBucket, checkConnection, decodeJson, encodeJson, type CommandReply, type CommandRequest } from './bucket.js';
import { BucketWatch } from './BucketWatch.js';
import { replyFailure, unreachable } from './failures.js';
import { FleetMirror } from './FleetMirror.js';
import { commandSubject, fleetId, parseKey, splitFleetId } from './keys.js';

/**
 * Options of {@link natsFleet}.
 * @example
 * ```ts no-run
 * import type { NatsFleetOptions } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const options: NatsFleetOptions = { nc, staleAfterMs: 10_000, timeout: 3000 };
 * console.log(options.staleAfterMs); // 10000
 * ```
 * @category Fleet
 */
export interface NatsFleetOptions {
  /** An open NATS connection; closing the fleet leaves it open. */
  readonly nc: NatsConnection;
  /**
   * The bucket the nodes publish into; made when missing.
   * @defaultValue `'rx-lifecycle'`
   */
  readonly bucket?: string | undefined;
  /**
   * A published map whose heartbeat has not been heard for this long (ms) has its records
   * marked `stale`.
   * @defaultValue 15000
   */
  readonly staleAfterMs?: number | undefined;
  /**
   * How long a command may take (ms), the node's answer and the mirror showing its effect
   * together; then it rejects with a `RemoteError` of status `503`.
   * @defaultValue 5000
   */
  readonly timeout?: number | undefined;
  /**
   * Drives the stale timers and stamps `changeTime`.
   * @defaultValue `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * Every service of every node that publishes into a bucket, as one `ServiceStates` with
 * commands: what {@link natsFleet} returns.
 * @example
 * ```ts no-run
 * import { natsFleet, type NatsFleet } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const fleet: NatsFleet = natsFleet({ nc });
 * fleet.summary$.subscribe((s) => console.log(`${s.active}/${s.total} active, ${s.stale} stale`));
 * // 0/0 active, 0 stale
 * // 3/5 active, 0 stale
 * ```
 * @category Fleet
 */
export interface NatsFleet extends RemoteCommands<RemoteStateRecord> {
  /** Resolves once the mirror holds everything the bucket held when the fleet began watching. */
  readonly ready: Promise<void>;
  /** The bucket revision of the last change the mirror applied (0 before any). */
  readonly revision: number;
  /** Stops watching; pending commands reject; every stream completes. The connection stays open; closing the connection closes the fleet. */
  close(): Promise<void>;
}

/** One published map, as the fleet hears it. */
interface Publisher {
  stale: boolean;
  timer: Subscription | undefined;
  /** The fleet ids of its records. */
  readonly ids: Set<string>;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

/** The longest time between two checks that the watch keeps up with the bucket. */
const WATCHDOG_MS = 2000;

/**
 * Watches every node that publishes into a bucket ({@link publishServiceMap}) and commands
 * them: one `ServiceStates` over the fleet, with ids `<node>/<name>/<id>`.
 *
 * @remarks
 * - Returns at once; {@link NatsFleet.ready} tells when the first view is complete.
 * - A record carries `stale: true` while its map's heartbeat has not been heard for
 *   `staleAfterMs` (counted from when the fleet heard it last, or first saw the map; a
 *   heartbeat read while catching up counts from when the server stored it), or at once
 *   when the map's publisher closed. Setting and clearing `stale` are `update`
 *   changes; `summary$.stale` counts those records, which count in `total` and `byKind` but
 *   not as active, loading, retrying or failed.
 * - The watch resumes from the last bucket revision it applied whenever it has to start
 *   again (a lost consumer, a restarted server): no change is applied twice and none is
 *   skipped (a key changed several times meanwhile arrives once, with its latest value).
 * - Commands go by request/reply to the node (`rxl.cmd.<node>.<name>`) and resolve once the
 *   mirror shows their effect. A node that does not answer (gone, or no such map) rejects
 *   with `RemoteError` status `503`; refusals reject like `RemoteServiceMap`'s (the
 *   section 5 classes where the code matches, else `RemoteError` with the status).
 *
 * @param options - see {@link NatsFleetOptions}.
 * @returns the fleet.
 * @throws TypeError when an option is invalid (the message names it).
 * @example
 * ```ts no-run
 * import { statusOf } from 'rx-lifecycle';
 * import { natsFleet } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const fleet = natsFleet({ nc });
 * await fleet.ready;
 * for (const r of fleet.states()) console.log(r.id, statusOf(r.state), r.stale ? 'stale' : '');
 * // site-a/drivers/pump-1 running
 * await fleet.stop('site-a/drivers/pump-1');
 * await fleet.close();
 * await nc.close();
 * ```
 * @see {@link publishServiceMap}
 * @category Fleet
 */
export function natsFleet(options: NatsFleetOptions): NatsFleet {
  optionalObject('options', options);
  if (options === undefined) throw new TypeError('options must be an object with nc');
  const nc = checkConnection(options.nc);
  const bucket = checkBucket(options.bucket);
  optionalDelay('staleAfterMs', options.staleAfterMs, true);
  optionalDelay('timeout', options.timeout, true);
  optionalScheduler('scheduler', options.scheduler);
  return new Fleet(nc, bucket, options.staleAfterMs ?? 15000, options.timeout ?? 5000, options.scheduler ?? asyncScheduler);
}

class Fleet implements NatsFleet {
  readonly ready: Promise<void>;
  readonly #nc: NatsConnection;
  readonly #staleAfterMs: number;
  readonly #timeout: number;
  readonly #scheduler: SchedulerLike;
  readonly #mirror: FleetMirror;
  readonly #publishers = new Map<string, Publisher>();
  readonly #waiters = new Set<Waiter>();
  readonly #watch: BucketWatch;
  #closed = false;
  #markReady: () => void = () => undefined;

  constructor(nc: NatsConnection, bucket: string, staleAfterMs: number, timeout: number, scheduler: SchedulerLike) {
    this.#nc = nc;
    this.#staleAfterMs = staleAfterMs;
    this.#timeout = timeout;
    this.#scheduler = scheduler;
    this.#mirror = new FleetMirror(() => scheduler.now());
    this.ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#watch = new BucketWatch(nc, bucket, {
      onEntry: (entry) => this.#apply(entry),
      onCaughtUp: () => this.#markReady(),
      checkMs: Math.max(100, Math.min(WATCHDOG_MS, staleAfterMs / 2)),
      scheduler,
    });
    void nc.closed().then(() => this.close()); // a closed connection ends the fleet
  }

  get revision(): number {
    return this.#watch.revision;
  }

  states(): RemoteStateRecord[] {
    return this.#mirror.states();
  }

  getAndListenState(): [RemoteStateRecord[], Observable<StateChange<RemoteStateRecord>>] {
    return this.#mirror.getAndListenState();
  }

  get states$(): Observable<ReadonlyMap<string, RemoteStateRecord>> {
    return this.#mirror.states$;
  }

  get summary$(): Observable<ServiceMapSummary> {
    return this.#mirror.summary$;
  }

  stateOf$(id: string): Observable<RemoteStateRecord['state'] | undefined> {
    return this.#mirror.stateOf$(id);
  }

  start(id: string): Promise<RemoteStateRecord> {
    return this.#command('start', id, {}) as Promise<RemoteStateRecord>;
  }

  stop(id: string): Promise<RemoteStateRecord> {
    return this.#command('stop', id, {}) as Promise<RemoteStateRecord>;
  }

  configure(id: string, config: RawConfig, options: ConfigureOptions = {}): Promise<RemoteStateRecord> {
    const body = options.ifConfigTime === undefined ? { config: wireConfig(config) } : { config: wireConfig(config), ifConfigTime: options.ifConfigTime };
    return this.#command('configure', id, body) as Promise<RemoteStateRecord>;
  }

  create(command: CreateCommand): Promise<RemoteStateRecord> {
    if (command === null || typeof command !== 'object') return Promise.reject(new TypeError(`command must be an object, got ${show(command)}`));
    const { id, kind, active, config } = command;
    const body: Record<string, unknown> = { kind };
    if (active !== undefined) body.active = active;
    if (config !== undefined) body.config = wireConfig(config);
    return this.#command('create', id, body) as Promise<RemoteStateRecord>;
  }

  async delete(id: string): Promise<void> {
    await this.#command('delete', id, {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    for (const publisher of this.#publishers.values()) publisher.timer?.unsubscribe();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
    this.#mirror.complete();
    this.#markReady();
  }

  #apply(entry: KvWatchEntry): void {
    const key = parseKey(entry.key);
    const put = entry.operation === 'PUT';
    if (key?.type === 'heartbeat') {
      const publisher = this.#publisher(key.node, key.name);
      // a heartbeat read while catching up may be old: it counts from when the server stored it
      if (put) this.#heard(publisher, entry.isUpdate ? 0 : Math.max(0, this.#scheduler.now() - entry.created.getTime()));
      else this.#silent(publisher);
    } else if (key?.type === 'record') {
      const id = fleetId(key.node, key.name, key.id);
      const publisher = this.#publisher(key.node, key.name);
      const wire = put ? parseRecord(entry) : undefined;
      if (wire === undefined) {
        publisher.ids.delete(id);
        this.#mirror.remove(id);
      } else {
        publisher.ids.add(id);
        this.#mirror.put(record(id, wire.kind, fromWireState(wire.state), publisher.stale));
      }
    }
    for (const waiter of this.#waiters) if (waiter.done()) waiter.resolve();
  }

  #publisher(node: string, name: string): Publisher {
    const key = `${node}/${name}`;
    let publisher = this.#publishers.get(key);
    if (publisher === undefined) {
      publisher = { stale: false, timer: undefined, ids: new Set() };
      this.#publishers.set(key, publisher);
      this.#heard(publisher);
    }
    return publisher;
  }

  /** A heartbeat `age` ms old was heard: fresh for `staleAfterMs - age` more. */
  #heard(publisher: Publisher, age = 0): void {
    publisher.timer?.unsubscribe();
    const left = this.#staleAfterMs - age;
    if (left <= 0) {
      publisher.timer = undefined;
      this.#setStale(publisher, true);
      return;
    }
    publisher.timer = this.#scheduler.schedule(() => this.#setStale(publisher, true), left);
    if (publisher.stale) this.#setStale(publisher, false);
  }

  #silent(publisher: Publisher): void {
    publisher.timer?.unsubscribe();
    publisher.timer = undefined;
    this.#setStale(publisher, true);
  }

  #setStale(publisher: Publisher, stale: boolean): void {
    if (publisher.stale === stale || this.#closed) return;
    publisher.stale = stale;
    for (const id of publisher.ids) {
      const current = this.#mirror.get(id);
      if (current !== undefined) this.#mirror.put(record(id, current.kind, current.state, stale));
    }
  }

  async #command(action: CommandAction, id: unknown, body: Record<string, unknown>): Promise<RemoteStateRecord | undefined> {
    const target = splitFleetId(id);
    if (this.#closed) throw unreachable('ERR_CLOSED', 'the fleet is closed');
    const deadline = this.#scheduler.now() + this.#timeout;
    const request: CommandRequest = action === 'create' ? { action, body: target.id === '' ? body : { ...body, id: target.id } } : { action, id: target.id, body };
    let reply: CommandReply;
    try {
      const msg = await this.#nc.request(commandSubject(target.node, target.name), encodeJson(request), { timeout: this.#timeout });
      reply = decodeJson(msg.data) as CommandReply;
    } catch (err) {
      throw unreachable('ERR_UNREACHABLE', `node ${target.node} (map ${target.name}) did not answer: ${(err as Error).message}`, err);
    }
    if (reply.status >= 300) throw replyFailure(reply);
    const wire = reply.body as unknown as WireRecord & { seq?: number };
    const fid = fleetId(target.node, target.name, wire.id);
    const shown = action === 'delete' ? () => this.#mirror.get(fid) === undefined : () => this.#watch.revision >= (wire.seq ?? 0) && this.#mirror.get(fid) !== undefined;
    const seen = await this.#until(() => shown() || this.#closed, deadline - this.#scheduler.now());
    if (this.#closed) throw unreachable('ERR_CLOSED', `the fleet closed before it saw the ${action} of ${fid}`);
    if (!seen) throw unreachable('ERR_TIMEOUT', `${action} of ${fid} was done, but the fleet did not see it within ${this.#timeout} ms`);
    return action === 'delete' ? undefined : this.#mirror.get(fid);
  }

  /** Resolves to whether `done()` held within `ms` (no limit when absent). */
  #until(done: () => boolean, ms?: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: Subscription | undefined;
      const waiter: Waiter = {
        done,
        resolve: () => {
          this.#waiters.delete(waiter);
          timer?.unsubscribe();
          resolve(done());
        },
      };
      this.#waiters.add(waiter);
      if (ms !== undefined) timer = this.#scheduler.schedule(() => waiter.resolve(), Math.max(0, ms));
    });
  }
}

function record(id: string, kind: string, state: RemoteStateRecord['state'], stale: boolean): RemoteStateRecord {
  return stale ? Object.freeze({ id, kind, state, stale: true }) : Object.freeze({ id, kind, state });
}

function parseRecord(entry: KvWatchEntry): WireRecord | undefined {
  try {
    const value = entry.json<WireRecord>();
    return value !== null && typeof value === 'object' && typeof value.kind === 'string' && isWireState(value.state) ? value : undefined;
  } catch {
    return undefined;
  }
}

function wireConfig(config: RawConfig): unknown {
  if (typeof config === 'string') return config;
  if (config instanceof Uint8Array) return { base64: bytesToBase64(config) };
  return JSON.stringify(config);
}
