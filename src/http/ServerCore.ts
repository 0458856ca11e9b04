import {
  executeCommand,
  failure,
  isResult,
  parseCommand,
  type Action,
  type CommandAction,
  type CommandResult,
  type CommandTarget,
} from '../internal/commands.js';
import { SummaryCounts } from '../views/SummaryCounts.js';
import { MapHub } from './MapHub.js';
import { idOfPageToken, pageTokenOf, parseListQuery, parseWatchQuery } from './query.js';
import { WatchSession, inFilter } from './WatchSession.js';
import type { ResolvedOptions } from './options.js';

/** A request as both handlers hand it over. */
export interface IncomingCall {
  readonly method: string;
  /** The path below the mount point, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  /** The request as a WHATWG `Request` (for `authenticate`). */
  request(): Request;
  /** The body: its text, or a value a framework already parsed. Throws a `RangeError` when too large. */
  body(): Promise<{ readonly text: string } | { readonly parsed: unknown }>;
}

/** What to answer: JSON, a watch stream, or "not mine" (for a `next` of the framework). */
export type Reply =
  | { readonly status: number; readonly json: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: 200; readonly watch: WatchSession }
  | { readonly status: 404; readonly unrouted: true; readonly json: string };

function jsonReply(result: CommandResult): Reply {
  return { status: result.status, json: JSON.stringify(result.body) };
}

const COMMANDS = new Set(['start', 'stop', 'configure']);

/** The routes of section 9, the authorization around them, and the maps' hubs. */
export class ServerCore {
  readonly #hubs = new Map<string, MapHub>();
  readonly #options: ResolvedOptions;
  #closed = false;

  constructor(maps: Readonly<Record<string, CommandTarget>>, options: ResolvedOptions) {
    this.#options = options;
    for (const [name, source] of Object.entries(maps)) {
      this.#hubs.set(name, new MapHub(name, source, options.exposeConfig, options.journalSize));
    }
  }

  /** Every watch stream open now. */
  sessions(): WatchSession[] {
    return [...this.#hubs.values()].flatMap((hub) => hub.sinks() as WatchSession[]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.sessions()) session.end();
    for (const hub of this.#hubs.values()) hub.close();
  }

  async handle(call: IncomingCall): Promise<Reply> {
    if (this.#closed) return jsonReply(failure(503, 'unavailable', 'server closed'));
    let segments: string[];
    try {
      segments = call.path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return jsonReply(failure(400, 'badRequest', 'path is not valid percent-encoding'));
    }
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
    if (segments[0] !== 'maps') return this.#unrouted(call.path);
    if (segments.length === 1) return this.#allowed(call, ['GET']) ?? this.#listMaps(call);
    const hub = this.#hubs.get(segments[1]!);
    const [, , what, id, action, ...rest] = segments;
    const known =
      (segments.length === 3 && (what === 'summary' || what === 'watch' || what === 'services')) ||
      (what === 'services' && segments.length === 4) ||
      (what === 'services' && segments.length === 5 && COMMANDS.has(action!) && rest.length === 0);
    if (!known) return this.#unrouted(call.path);
    if (hub === undefined) return jsonReply(failure(404, 'notFound', `no such map: ${segments[1]!}`));
    if (what === 'summary') return this.#allowed(call, ['GET']) ?? this.#read(call, hub, undefined, () => this.#summary(hub));
    if (what === 'watch') return this.#allowed(call, ['GET']) ?? this.#watch(call, hub);
    if (id === undefined) {
      const refused = this.#allowed(call, ['GET', 'POST']);
      if (refused) return refused;
      return call.method === 'POST' ? this.#command(call, hub, 'create', undefined) : this.#read(call, hub, undefined, () => this.#list(call, hub));
    }
    if (action === undefined) {
      const refused = this.#allowed(call, ['GET', 'DELETE']);
      if (refused) return refused;
      return call.method === 'DELETE' ? this.#command(call, hub, 'delete', id) : this.#read(call, hub, id, () => this.#one(hub, id));
    }
    return this.#allowed(call, ['POST']) ?? this.#command(call, hub, action as CommandAction, id);
  }

  #unrouted(path: string): Reply {
    return { status: 404, unrouted: true, json: JSON.stringify(failure(404, 'notFound', `no route: ${path}`).body) };
  }

  #allowed(call: IncomingCall, methods: string[]): Reply | undefined {
    const method = call.method === 'HEAD' ? 'GET' : call.method;
    if (methods.includes(method)) return undefined;
    const body = failure(405, 'methodNotAllowed', `method ${call.method} not allowed; use ${methods.join(' or ')}`).body;
    return { status: 405, json: JSON.stringify(body), headers: { allow: methods.join(', ') } };
  }

  /** `undefined` when allowed, else the 401 or 403 to answer. */
  async #authorize(call: IncomingCall, action: Action, map: string, id: string | undefined, kind: string | undefined): Promise<Reply | undefined> {
    const { authenticate, authorize } = this.#options;
    let principal: unknown;
    try {
      principal = authenticate === undefined ? undefined : await authenticate(call.request());
    } catch (err) {
      return jsonReply(failure(401, 'unauthenticated', `not authenticated: ${(err as Error)?.message ?? String(err)}`));
    }
    const context = { principal, action, map, ...(id === undefined ? {} : { id }), ...(kind === undefined ? {} : { kind }) };
    if (await authorize(context)) return undefined;
    if (authenticate !== undefined && principal === undefined) {
      return jsonReply(failure(401, 'unauthenticated', `not authenticated: ${action} on ${map} needs a principal`));
    }
    return jsonReply(failure(403, 'forbidden', `forbidden: ${action} on ${map}${id === undefined ? '' : `/${id}`}`));
  }

  async #read(call: IncomingCall, hub: MapHub, id: string | undefined, answer: () => Reply): Promise<Reply> {
    return (await this.#authorize(call, 'read', hub.name, id, id === undefined ? undefined : hub.get(id)?.kind)) ?? answer();
  }

  async #listMaps(call: IncomingCall): Promise<Reply> {
    const maps: { name: string; total: number }[] = [];
    for (const hub of this.#hubs.values()) {
      if ((await this.#authorize(call, 'read', hub.name, undefined, undefined)) === undefined) maps.push({ name: hub.name, total: hub.size });
    }
    return { status: 200, json: JSON.stringify({ maps }) };
  }

  #one(hub: MapHub, id: string): Reply {
    const record = hub.get(id);
    if (record === undefined) return jsonReply(failure(404, 'notFound', `not found: ${id}`));
    return { status: 200, json: record.json };
  }

  #summary(hub: MapHub): Reply {
    let summary: unknown;
    hub.source.summary$.subscribe((s) => (summary = s)).unsubscribe();
    if (summary === undefined) {
      // a source whose summary$ is not synchronous: count the hub's records instead
      const counts = new SummaryCounts(false);
      for (const record of hub.records()) counts.add(record);
      summary = counts.snapshot();
    }
    return { status: 200, json: JSON.stringify(summary) };
  }

  #list(call: IncomingCall, hub: MapHub): Reply {
    const query = parseListQuery(call.query);
    if (typeof query === 'string') return jsonReply(failure(400, 'badRequest', query));
    let after: string | undefined;
    if (query.pageToken !== undefined) {
      after = idOfPageToken(query.pageToken);
      if (after === undefined) return jsonReply(failure(400, 'badRequest', 'pageToken is not a token of this server'));
    }
    const page: string[] = [];
    let total = 0;
    let lastId: string | undefined;
    let more = false;
    for (const id of hub.sortedIds()) {
      const record = hub.get(id)!;
      if (!inFilter(query, record.kind, record.state)) continue;
      total++;
      if (after !== undefined && id <= after) continue;
      if (page.length < query.pageSize) {
        page.push(record.json);
        lastId = id;
      } else more = true;
    }
    const token = more && lastId !== undefined ? `,"nextPageToken":${JSON.stringify(pageTokenOf(lastId))}` : '';
    return { status: 200, json: `{"services":[${page.join(',')}]${token},"totalSize":${total}}` };
  }

  async #watch(call: IncomingCall, hub: MapHub): Promise<Reply> {
    const query = parseWatchQuery(call.query);
    if (typeof query === 'string') return jsonReply(failure(400, 'badRequest', query));
    const refused = await this.#authorize(call, 'read', hub.name, undefined, query.kind);
    if (refused) return refused;
    const lastId = call.headers.get('last-event-id') ?? query.lastEventId;
    let resume: number | undefined;
    if (lastId !== undefined && lastId !== null) {
      const [epoch, seq] = lastId.split(':');
      if (epoch === hub.epoch && seq !== undefined && /^\d+$/.test(seq)) resume = Number(seq);
    }
    const { maxBufferedBytes, heartbeatMs, scheduler } = this.#options;
    const session = new WatchSession(hub, query, maxBufferedBytes, resume, scheduler.now(), heartbeatMs);
    return { status: 200, watch: session };
  }

  async #command(call: IncomingCall, hub: MapHub, action: CommandAction, id: string | undefined): Promise<Reply> {
    const type = call.headers.get('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      return jsonReply(failure(415, 'unsupportedMediaType', `content-type must be application/json, got ${type === '' ? 'none' : JSON.stringify(type)}`));
    }
    let body: unknown;
    try {
      const got = await call.body();
      body = 'parsed' in got ? got.parsed : got.text === '' ? undefined : JSON.parse(got.text);
    } catch (err) {
      if (err instanceof RangeError) return jsonReply(failure(413, 'tooLarge', err.message));
      return jsonReply(failure(400, 'badRequest', `body is not valid JSON: ${(err as Error).message}`));
    }
    const command = parseCommand(action, id, body);
    if (isResult(command)) return jsonReply(command);
    const kind = command.action === 'create' ? command.kind : hub.get(command.id)?.kind;
    const refused = await this.#authorize(call, action, hub.name, command.id, kind);
    if (refused) return refused;
    const result = await executeCommand(hub.source, command, {
      exposeConfig: this.#options.exposeConfig,
      stamp: () => ({ seq: hub.seq, epoch: hub.epoch }),
    });
    return jsonReply(result);
  }
}
