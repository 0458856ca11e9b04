import { BehaviorSubject, asyncScheduler, defer, type Observable, type Subscription } from 'rxjs';
import { abortRetry } from '../errors.js';
import { retryBackoff } from '../operators/retryBackoff.js';
import { statusOf } from '../statusOf.js';
import type { RawConfig, State } from '../State.js';
import type { StateChange } from '../records.js';
import type { ServiceMapSummary } from '../ServiceStates.js';
import { bytesToBase64, fromWireRecord, type WireRecord } from '../internal/wire.js';
import { MirrorStore } from './MirrorStore.js';
import type { RemoteConnection, RemoteServiceMapOptions } from './options.js';
import type { ConfigureOptions, CreateCommand, RemoteCommands } from './RemoteCommands.js';
import type { RemoteStateRecord } from './RemoteStateRecord.js';
import { errorFromAnswer, networkError } from './remoteErrors.js';
import { WatchAttempt, type Position } from './WatchAttempt.js';

/** An answer to a command: the record after it, and where the server's change numbering stood. */
type CommandAnswer = WireRecord & { readonly seq?: number; readonly epoch?: string };

/** A command waiting for the mirror to show its change. */
interface Waiter {
  readonly epoch: string;
  readonly seq: number;
  readonly done: (err?: Error) => void;
}

/** Statuses after which reconnecting cannot help. */
function isFatal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * A live mirror of a map served by `createServiceMapServer` (SPEC section 9): the same
 * `ServiceStates` streams as a local `ServiceMap`, plus commands that settle once the
 * mirror shows their effect, and the state of the connection.
 *
 * @remarks
 * It connects at once and reconnects by itself with `retryBackoff` (jitter on), resuming with
 * `Last-Event-ID`. Across a reconnect a `getAndListenState()` listener sees exactly the
 * server's changes when the server's journal covered the gap; otherwise the differences
 * between the mirror and a fresh snapshot (adds, updates and every removal), applied when
 * the snapshot is complete. Never a reset, never an id twice.
 *
 * States are rebuilt frozen with every key; errors become `Error`s with `name`, `message`
 * and `code`. Runs in browsers and Node 18+ (it needs `fetch` and WHATWG streams only).
 *
 * @example
 * ```ts no-run
 * import { statusOf } from 'rx-lifecycle';
 * import { RemoteServiceMap } from 'rx-lifecycle/client';
 *
 * const remote = new RemoteServiceMap('http://127.0.0.1:8090/api', { map: 'drivers' });
 * remote.connection$.subscribe((c) => console.log('connection', c.status));
 * remote.stateOf$('plc-1').subscribe((s) => console.log('plc-1', s && statusOf(s)));
 * await remote.stop('plc-1'); // resolves once the mirror shows plc-1 stopped
 * remote.close();
 * ```
 * @category Remote
 */
export class RemoteServiceMap implements RemoteCommands<RemoteStateRecord> {
  readonly #base: string;
  readonly #options: RemoteServiceMapOptions;
  readonly #fetch: typeof fetch;
  readonly #store = new MirrorStore<RemoteStateRecord>();
  readonly #connection$: BehaviorSubject<RemoteConnection>;
  #position: Position | undefined;
  #waiting: Waiter[] = [];
  readonly #subscription: Subscription;
  #closed = false;
  #closeError: Error | undefined;

  /**
   * @param url - where the server is mounted, such as `http://host:8090/api` or `/api`.
   * @param options - the map's name and the rest of {@link RemoteServiceMapOptions}.
   * @throws TypeError when `url` or `options.map` is not a non-empty string, or no `fetch` is available.
   */
  constructor(url: string, options: RemoteServiceMapOptions) {
    if (typeof url !== 'string' || url === '') throw new TypeError(`url must be a non-empty string, got ${String(url)}`);
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object with a map name');
    if (typeof options.map !== 'string' || options.map === '') throw new TypeError(`options.map must be a non-empty string, got ${String(options.map)}`);
    // Bound: a browser's fetch refuses to be called as a method of another object.
    const fetchImpl = options.fetch ?? (globalThis.fetch as typeof fetch | undefined)?.bind(globalThis);
    if (typeof fetchImpl !== 'function') throw new TypeError('options.fetch must be a function (no global fetch here)');
    this.#fetch = fetchImpl;
    this.#options = options;
    this.#base = `${url.replace(/\/+$/, '')}/maps/${encodeURIComponent(options.map)}`;
    this.#connection$ = new BehaviorSubject<RemoteConnection>({ status: 'connecting', clockOffset: 0 });
    const scheduler = options.scheduler ?? asyncScheduler;
    this.#subscription = defer(() => this.#attempt())
      .pipe(retryBackoff({ initialDelay: 500, maxDelay: 30_000, jitter: 0.5, ...options.retry, scheduler }))
      .subscribe({ error: (err: unknown) => this.#shutDown(err instanceof Error ? err : new Error(String(err))) });
  }

  /** The connection's state: at once, then each change; completes after `closed`. */
  get connection$(): Observable<RemoteConnection> {
    return this.#connection$.asObservable();
  }

  states(): RemoteStateRecord[] {
    return this.#store.states();
  }

  getAndListenState(): [RemoteStateRecord[], Observable<StateChange<RemoteStateRecord>>] {
    return this.#store.getAndListenState();
  }

  get states$(): Observable<ReadonlyMap<string, RemoteStateRecord>> {
    return this.#store.states$;
  }

  get summary$(): Observable<ServiceMapSummary> {
    return this.#store.summary$;
  }

  stateOf$(id: string): Observable<State | undefined> {
    return this.#store.stateOf$(id);
  }

  /** Starts `id` on the server; resolves to its record once the mirror shows it. */
  async start(id: string): Promise<RemoteStateRecord> {
    return this.#recordOf(await this.#send('POST', `/services/${encodeURIComponent(id)}/start`, {}));
  }

  /** Stops `id` on the server; resolves to its record once the mirror shows it. */
  async stop(id: string): Promise<RemoteStateRecord> {
    return this.#recordOf(await this.#send('POST', `/services/${encodeURIComponent(id)}/stop`, {}));
  }

  /**
   * Configures `id` on the server; resolves to its record once the mirror shows it. With
   * `ifConfigTime`, rejects (`RemoteError`, status 412) when the service was configured since.
   */
  async configure(id: string, config: RawConfig, options: ConfigureOptions = {}): Promise<RemoteStateRecord> {
    const body = { config: wireConfig(config), ...(options.ifConfigTime === undefined ? {} : { ifConfigTime: options.ifConfigTime }) };
    return this.#recordOf(await this.#send('POST', `/services/${encodeURIComponent(id)}/configure`, body));
  }

  /** Creates a service on the server; resolves to its record once the mirror shows it. */
  async create(command: CreateCommand): Promise<RemoteStateRecord> {
    const { id, kind, active, config } = command;
    const body = { id, kind, active, config: config === undefined ? undefined : wireConfig(config) };
    return this.#recordOf(await this.#send('POST', '/services', body));
  }

  /** Deletes `id` on the server; resolves once the mirror no longer has it. */
  async delete(id: string): Promise<void> {
    await this.#send('DELETE', `/services/${encodeURIComponent(id)}`, {});
  }

  /** Ends the connection: `connection$` ends with `closed`, the other streams complete, waiting commands reject. */
  close(): void {
    this.#shutDown(undefined);
  }

  #shutDown(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#subscription?.unsubscribe();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.done(error ?? new Error('closed'));
    const { clockOffset } = this.#connection$.value;
    this.#connection$.next(error === undefined ? { status: 'closed', clockOffset } : { status: 'closed', error, clockOffset });
    this.#connection$.complete();
    this.#store.complete();
  }

  async #headers(): Promise<Record<string, string>> {
    const source = this.#options.headers;
    return { ...(typeof source === 'function' ? await source() : source) };
  }

  #attempt(): Observable<void> {
    const { kind, status, scheduler } = this.#options;
    const query = new URLSearchParams();
    if (kind !== undefined) query.set('kind', kind);
    if (status !== undefined) query.set('status', status);
    const search = query.toString();
    const url = `${this.#base}/watch${search === '' ? '' : `?${search}`}`;
    return new WatchAttempt(url, this.#fetch, () => this.#headers(), this.#position, this.#store, scheduler ?? asyncScheduler, {
      onLive: (position, clockOffset) => {
        this.#position = position;
        this.#setConnection({ status: 'live', clockOffset });
        this.#settle();
      },
      onApplied: (position) => {
        this.#position = position;
        this.#settle();
      },
      onFailed: (error) => this.#setConnection({ status: 'reconnecting', error, clockOffset: this.#connection$.value.clockOffset }),
      fatal: (status, error) => (isFatal(status) ? abortRetry(error) : error),
    }).run();
  }

  #setConnection(next: RemoteConnection): void {
    if (this.#closed) return;
    const now = this.#connection$.value;
    if (now.status !== next.status || now.error !== next.error || now.clockOffset !== next.clockOffset) this.#connection$.next(next);
  }

  async #send(method: string, path: string, body: unknown): Promise<CommandAnswer> {
    if (this.#closed) throw this.#closeError ?? new Error('closed');
    let res: Response;
    try {
      const headers = { ...(await this.#headers()), 'content-type': 'application/json', accept: 'application/json' };
      res = await this.#fetch(`${this.#base}${path}`, { method, headers, body: JSON.stringify(body) });
    } catch (err) {
      throw networkError(err);
    }
    const answer: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw errorFromAnswer(res.status, answer);
    const { epoch, seq } = (answer ?? {}) as CommandAnswer;
    if (typeof epoch === 'string' && typeof seq === 'number' && this.#mayShow(answer as CommandAnswer)) await this.#seen(epoch, seq);
    return answer as CommandAnswer;
  }

  /**
   * Whether the mirror will show the command's change: not when a filter keeps the record out
   * both before (the mirror lacks it) and after (the answer's record does not pass).
   */
  #mayShow(answer: CommandAnswer): boolean {
    const { kind, status } = this.#options;
    if (kind === undefined && status === undefined) return true;
    if (typeof answer.id === 'string' && this.#store.get(answer.id) !== undefined) return true;
    if (answer.state === undefined || typeof answer.kind !== 'string') return true;
    return (kind === undefined || answer.kind === kind) && (status === undefined || statusOf(fromWireRecord(answer).state) === status);
  }

  #recordOf(answer: CommandAnswer): RemoteStateRecord {
    return this.#store.get(answer.id) ?? fromWireRecord(answer);
  }

  /** Resolves once the mirror has applied the change `seq` of `epoch`. */
  #seen(epoch: string, seq: number): Promise<void> {
    if (this.#covers(epoch, seq)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ epoch, seq, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  #covers(epoch: string, seq: number): boolean {
    const at = this.#position;
    return at !== undefined && at.epoch === epoch && at.seq >= seq;
  }

  #settle(): void {
    if (this.#waiting.length === 0) return;
    const still: Waiter[] = [];
    const ready: Waiter[] = [];
    for (const w of this.#waiting) (this.#covers(w.epoch, w.seq) ? ready : still).push(w);
    this.#waiting = still;
    for (const w of ready) w.done();
  }
}

function wireConfig(config: RawConfig): string | { base64: string } {
  if (typeof config === 'string') return config;
  if (config instanceof Uint8Array) return { base64: bytesToBase64(config) };
  throw new TypeError('config must be a string or a Uint8Array');
}
