import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { asyncScheduler, timer, type SchedulerLike, type Subscription as RxSubscription } from 'rxjs';
import type { ServiceMap } from '../ServiceMap.js';
import type { StateRecordBase } from '../records.js';
import { failure, runCommand, type CommandAction } from '../internal/commands.js';
import { optionalDelay, optionalFunction, optionalObject, optionalScheduler } from '../internal/validate.js';
import { toWireRecord } from '../internal/wire.js';
import { checkBucket, checkConnection, decodeJson, encodeJson, openBucket, type CommandReply, type CommandRequest } from './bucket.js';
import { checkName, commandSubject, heartbeatKey, mapKeys, parseKey, recordKey } from './keys.js';
import { KeyWriter } from './KeyWriter.js';

/**
 * Options of {@link publishServiceMap}.
 * @example
 * ```ts no-run
 * import type { PublishServiceMapOptions } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const options: PublishServiceMapOptions = { nc, node: 'site-a', name: 'drivers', heartbeatMs: 2000 };
 * console.log(options.node, options.bucket ?? 'rx-lifecycle'); // site-a rx-lifecycle
 * ```
 * @category Fleet
 */
export interface PublishServiceMapOptions {
  /** An open NATS connection (from `connect()` of `@nats-io/transport-node`); closing the publication leaves it open. */
  readonly nc: NatsConnection;
  /** This process's name in the fleet: `[A-Za-z0-9_-]+`, unique in the fleet. */
  readonly node: string;
  /** The map's name on this node: `[A-Za-z0-9_-]+`. */
  readonly name: string;
  /**
   * The JetStream key-value bucket; made (one value per key) when missing.
   * @defaultValue `'rx-lifecycle'`
   */
  readonly bucket?: string | undefined;
  /**
   * How often the node's heartbeat is written, in ms; keep it well below the fleets' `staleAfterMs`.
   * @defaultValue 5000
   */
  readonly heartbeatMs?: number | undefined;
  /**
   * Drives the heartbeat and reads its clock.
   * @defaultValue `asyncScheduler`
   */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * Told of each failure to reach the bucket (it is tried again every `heartbeatMs`).
   * @defaultValue none
   */
  readonly onError?: ((error: Error) => void) | undefined;
}

/**
 * What {@link publishServiceMap} returns.
 * @example
 * ```ts no-run
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { publishServiceMap, type ServiceMapPublication } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const map = new ServiceMap(() => new Service(() => {}));
 * const publication: ServiceMapPublication = publishServiceMap(map, { nc, node: 'site-a', name: 'drivers' });
 * await publication.ready; // the bucket holds the map
 * process.once('SIGTERM', () => void publication.close().then(() => nc.close()));
 * ```
 * @category Fleet
 */
export interface ServiceMapPublication {
  /**
   * Resolves once the bucket holds the map (the keys reconciled, every record written) and
   * commands are answered.
   */
  readonly ready: Promise<void>;
  /**
   * Stops publishing: no more writes, heartbeats or answers; deletes the heartbeat, so fleets
   * mark the map's records stale at once. The records stay in the bucket until the node
   * publishes the map again. The connection stays open; closing the connection closes the publication.
   */
  close(): Promise<void>;
}

const ACTIONS: ReadonlySet<string> = new Set<CommandAction>(['start', 'stop', 'configure', 'create', 'delete']);
const CLOSE_WAIT_MS = 5000;

/**
 * Publishes a map into a JetStream key-value bucket for fleets ({@link natsFleet}) to watch
 * and command.
 *
 * @remarks
 * - Key `<node>.<name>.<encoded id>` holds the JSON wire record of each service (section 9
 *   of the spec, without config) and is deleted with it; any id encodes to one key token.
 * - Key `=hb.<node>.<name>` holds the heartbeat, written every `heartbeatMs`.
 * - From its start and after every reconnect it makes the keys under `<node>.<name>.` equal
 *   to the map: it writes every record again and deletes the keys of services it does not have.
 * - Writes are coalesced: a service that changes faster than the bucket takes writes has
 *   its latest State written, never an older one after a newer.
 * - Commands arrive by request/reply on `rxl.cmd.<node>.<name>`, with the bodies and error
 *   codes of the HTTP server; an answer waits until the bucket holds the command's effect.
 *
 * @param map - the map to publish.
 * @param options - see {@link PublishServiceMapOptions}.
 * @returns the publication, whose `close()` ends it.
 * @throws TypeError when an option is invalid (the message names it).
 * @example
 * ```ts no-run
 * import { Service, ServiceMap } from 'rx-lifecycle';
 * import { publishServiceMap } from 'rx-lifecycle/nats';
 * import { connect } from '@nats-io/transport-node';
 *
 * const nc = await connect({ servers: '127.0.0.1:4222' });
 * const map = new ServiceMap(() => new Service(() => {}));
 * map.create('pump-1', 'pump', { active: true });
 * const publication = publishServiceMap(map, { nc, node: 'site-a', name: 'drivers' });
 * await publication.ready;
 * console.log('published');
 * // published
 * await publication.close();
 * await nc.close();
 * ```
 * @see {@link natsFleet}
 * @category Fleet
 */
export function publishServiceMap(map: ServiceMap<any>, options: PublishServiceMapOptions): ServiceMapPublication {
  optionalObject('options', options);
  if (options === undefined) throw new TypeError('options must be an object with nc, node and name');
  if (map === null || typeof map !== 'object' || typeof map.getAndListenState !== 'function') {
    throw new TypeError('map must be a ServiceMap');
  }
  const nc = checkConnection(options.nc);
  const node = checkName('node', options.node);
  const name = checkName('name', options.name);
  const bucket = checkBucket(options.bucket);
  optionalDelay('heartbeatMs', options.heartbeatMs, true);
  optionalScheduler('scheduler', options.scheduler);
  optionalFunction('onError', options.onError);
  return new Publisher(map, nc, node, name, bucket, options.heartbeatMs ?? 5000, options.scheduler ?? asyncScheduler, options.onError);
}

class Publisher implements ServiceMapPublication {
  readonly ready: Promise<void>;
  readonly #map: ServiceMap<any>;
  readonly #nc: NatsConnection;
  readonly #node: string;
  readonly #name: string;
  readonly #heartbeatMs: number;
  readonly #scheduler: SchedulerLike;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #writer: KeyWriter;
  readonly #changes: RxSubscription;
  #kv: KV | undefined;
  #commands: Subscription | undefined;
  #heartbeat: RxSubscription | undefined;
  #status: (AsyncIterable<unknown> & { stop?: () => void }) | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(map: ServiceMap<any>, nc: NatsConnection, node: string, name: string, bucket: string, heartbeatMs: number, scheduler: SchedulerLike, onError: ((error: Error) => void) | undefined) {
    this.#map = map;
    this.#nc = nc;
    this.#node = node;
    this.#name = name;
    this.#heartbeatMs = heartbeatMs;
    this.#scheduler = scheduler;
    this.#onError = onError;
    this.#writer = new KeyWriter({
      put: (key, value) => this.#kv!.put(key, value),
      delete: (key) => this.#kv!.delete(key),
    });
    const [records, changes] = map.getAndListenState();
    this.#changes = changes.subscribe((change) => {
      if (change.changeType === 'remove') this.#writer.set(this.#key(change.oldValue!.id), null);
      else this.#write(change.newValue!);
    });
    for (const record of records) this.#write(record);
    this.ready = this.#start(bucket);
    void nc.closed().then(() => this.close()); // a closed connection ends the publication
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    this.#changes.unsubscribe();
    this.#heartbeat?.unsubscribe();
    this.#status?.stop?.();
    this.#commands?.unsubscribe();
    const kv = this.#kv;
    if (kv !== undefined) {
      await within(CLOSE_WAIT_MS, this.#writer.idle());
      await within(CLOSE_WAIT_MS, kv.delete(heartbeatKey(this.#node, this.#name)).catch(() => undefined));
    }
    this.#writer.close();
  }

  async #start(bucket: string): Promise<void> {
    while (!this.#closed) {
      try {
        this.#kv = await openBucket(this.#nc, bucket);
        break;
      } catch (err) {
        this.#onError?.(err instanceof Error ? err : new Error(String(err)));
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          const t = setTimeout(resolve, this.#heartbeatMs);
          t.unref?.();
        });
      }
    }
    if (this.#closed) return;
    await this.#reconcile(false);
    if (this.#closed) return;
    this.#commands = this.#nc.subscribe(commandSubject(this.#node, this.#name), {
      callback: (err, msg) => {
        if (err === null) void this.#answer(msg);
      },
    });
    this.#heartbeat = timer(0, this.#heartbeatMs, this.#scheduler).subscribe(() => this.#beat());
    void this.#followReconnects();
    await this.#writer.idle();
  }

  /** Makes the keys under `<node>.<name>.` equal to the map; `rewrite` writes every record again. */
  async #reconcile(rewrite: boolean): Promise<void> {
    const kv = this.#kv!;
    try {
      const keys = await kv.keys(mapKeys(this.#node, this.#name));
      for await (const key of keys) {
        const parsed = parseKey(key);
        if (parsed?.type === 'record' && this.#map.get(parsed.id) === undefined) this.#writer.set(key, null);
      }
    } catch (err) {
      this.#onError?.(err instanceof Error ? err : new Error(String(err)));
    }
    if (rewrite) for (const record of this.#map.states()) this.#write(record, true);
    this.#writer.resume();
  }

  async #followReconnects(): Promise<void> {
    const status = this.#nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
    this.#status = status;
    for await (const event of status) {
      if (this.#closed) break;
      if (event.type === 'reconnect') {
        this.#beat();
        await this.#reconcile(true);
      }
    }
  }

  #beat(): void {
    const value = JSON.stringify({ time: this.#scheduler.now(), heartbeatMs: this.#heartbeatMs });
    this.#kv?.put(heartbeatKey(this.#node, this.#name), value).catch(() => undefined);
  }

  async #answer(msg: Msg): Promise<void> {
    let reply: CommandReply;
    try {
      reply = await this.#run(decodeJson(msg.data) as CommandRequest);
    } catch (err) {
      reply = failure(400, 'badRequest', `body must be a JSON command: ${(err as Error).message}`) as CommandReply;
    }
    msg.respond(encodeJson(reply));
  }

  async #run(request: CommandRequest): Promise<CommandReply> {
    if (request === null || typeof request !== 'object' || typeof request.action !== 'string' || !ACTIONS.has(request.action)) {
      return failure(400, 'badRequest', 'action must be one of start, stop, configure, create, delete') as CommandReply;
    }
    if (request.id !== undefined && typeof request.id !== 'string') {
      return failure(400, 'badRequest', 'id must be a string') as CommandReply;
    }
    const result = await runCommand(this.#map, request.action, request.id, request.body ?? {}, { exposeConfig: false });
    const body = result.body as Record<string, unknown>;
    if (result.status >= 300 || typeof body.id !== 'string') return result as CommandReply;
    const seq = await this.#writer.flushed(this.#key(body.id));
    return { status: result.status, body: { ...body, seq } };
  }

  #key(id: string): string {
    return recordKey(this.#node, this.#name, id);
  }

  #write(record: StateRecordBase, force = false): void {
    this.#writer.set(this.#key(record.id), JSON.stringify(toWireRecord(record, false)), force);
  }
}

/** Waits for `promise`, at most `ms`. */
function within(ms: number, promise: Promise<unknown>): Promise<unknown> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise((resolve) => {
    t = setTimeout(resolve, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}
