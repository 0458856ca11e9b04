/**
 * A live supervisor built on rx-lifecycle, as a backend app would use it.
 *
 * A `ServiceMap` holds one service per entry of services.json (the id is the entry's key), each
 * of a kind from kinds.ts. The file is watched: adding, removing or editing an entry creates,
 * deletes or reconfigures that service while the others keep running; a config its kind's
 * parser refuses is reported and changes nothing. A status table shows every service, and a
 * dashboard page (examples/dashboard) shows them live in a browser, with start, stop and
 * configure, through the map served as a remote map (rx-lifecycle/http).
 *
 *   npm run demo                      watch examples/supervisor/services.json until Ctrl-C
 *   npm run demo -- --file my.json    watch another file
 *   npm run demo -- --port 9000       serve the dashboard on another port (0 = a free one)
 *   npm run demo -- --fleet           a local NATS server, two supervisor processes, one dashboard
 *   npm run demo -- --for 10s         play a scripted scenario on a temporary copy, then exit
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { auditTime, type Subscription } from 'rxjs';
import { ServiceMap, idIsRequired, lifecycleEvents, statusOf, type LifecycleEvent } from 'rx-lifecycle';
import { serveDashboard, type Dashboard } from '../dashboard/server';
import { createService, info, portOf } from './kinds';
import { Screen, renderTable } from './table';

/** One entry of services.json. */
interface Entry {
  readonly kind: string;
  readonly active: boolean;
  /** The config as canonical JSON text: what the service is configured with. */
  readonly raw: string;
}

/** A message for `err`, whatever was thrown. */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `10s`, `1.5s`, `4000ms`, `2m` (or a bare number of seconds) in milliseconds. */
function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`--for: expected a duration such as 10s or 4000ms, got "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/** The dashboard's port when none is given; taken, a free one is used instead. */
const DEFAULT_PORT = 8090;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port: expected a port number from 0 to 65535, got "${text}"`);
  return port;
}

function parseArgs(argv: string[]): { file: string | undefined; forMs: number | undefined; port: number | undefined; fleet: boolean } {
  let file: string | undefined;
  let forMs: number | undefined;
  let port: number | undefined;
  let fleet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (name === '--for') forMs = parseDuration(value());
    else if (name === '--file') file = resolve(value());
    else if (name === '--port') port = parsePort(value());
    else if (name === '--fleet') fleet = true;
    else throw new Error(`unknown argument "${arg}" (use --for <duration>, --file <services.json>, --port <n>, --fleet)`);
  }
  return { file, forMs, port, fleet };
}

/**
 * The entries of services.json, each checked on its own: a bad entry is refused with a message
 * and the others still count. Throws when the file as a whole is not a JSON object.
 */
function readServices(file: string): { entries: Map<string, Entry>; problems: Map<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${messageOf(err)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${file} must hold an object of { "kind", "active", "config" } entries by id`);
  }
  const entries = new Map<string, Entry>();
  const problems = new Map<string, string>();
  for (const [id, value] of Object.entries(json)) {
    const entry = value as { kind?: unknown; active?: unknown; config?: unknown } | null;
    if (entry === null || typeof entry !== 'object') problems.set(id, 'entry must be an object');
    else if (typeof entry.kind !== 'string' || entry.kind === '') problems.set(id, 'entry needs a "kind" string');
    else if (entry.active !== undefined && typeof entry.active !== 'boolean') problems.set(id, '"active" must be true or false');
    else entries.set(id, { kind: entry.kind, active: entry.active ?? true, raw: JSON.stringify(entry.config ?? {}) });
  }
  return { entries, problems };
}

/** One line for a service event of the map. */
function describeEvent(e: LifecycleEvent): string | undefined {
  switch (e.type) {
    case 'started':
    case 'loaded':
    case 'stopped':
      return e.type;
    case 'retryScheduled':
      return `attempt ${e.attempt} failed, next in ${Math.round(e.delay)} ms: ${e.error.message}`;
    case 'recovered':
      return `recovered after ${e.attempts} failed attempt(s), ${e.duration} ms`;
    case 'gaveUp':
      return `gave up: ${e.error.message}`;
    default:
      return undefined; // created and removed: the supervisor reports those itself
  }
}

/** Keeps the map in step with the file. */
class Supervisor {
  readonly map = new ServiceMap(createService, idIsRequired);
  readonly #file: string;
  readonly #screen: Screen;
  readonly #t0 = Date.now();
  /** The entries of the file as last read, to tell which `active` flags changed. */
  #last = new Map<string, Entry>();
  /** Ids being deleted: their stop is reported as the removal, in one line. */
  readonly #deleting = new Set<string>();
  /** Configs refused per id, so that each is reported once. */
  readonly #refused = new Map<string, string>();
  readonly #subscriptions: Subscription[] = [];
  #redraw: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(file: string, screen: Screen) {
    this.#file = file;
    this.#screen = screen;
  }

  log(line: string): void {
    this.#screen.log(`${this.stamp()} ${line}`);
  }

  stamp(): string {
    return `+${((Date.now() - this.#t0) / 1000).toFixed(2)}s`;
  }

  table(): string[] {
    return renderTable(this.map.states(), { now: Date.now(), info, color: this.#screen.tty });
  }

  /** Reads the file, creates its services, and starts watching it. */
  open(options: { liveTable: boolean }): void {
    this.#subscriptions.push(
      lifecycleEvents(this.map).subscribe((e) => {
        if (e.type === 'stopped' && this.#deleting.has(e.id)) return;
        const text = describeEvent(e);
        if (text !== undefined) this.log(`  ${e.id}: ${text}`);
      }),
    );
    if (this.#screen.tty) {
      this.#subscriptions.push(this.map.states$.subscribe(() => this.#screen.footer(this.table())));
      this.#redraw = setInterval(() => this.#screen.footer(this.table()), 200); // the countdowns
    } else if (options.liveTable) {
      this.#subscriptions.push(this.map.states$.pipe(auditTime(1000)).subscribe(() => this.#screen.print(`${this.stamp()} status:`, this.table())));
    }
    this.log(`watching ${this.#file}`);
    this.reload();
    watchFile(this.#file, { interval: 100 }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) this.reload();
    });
  }

  /** Brings the map in line with the file. */
  reload(): void {
    if (this.#closed) return;
    let read: ReturnType<typeof readServices>;
    try {
      read = readServices(this.#file);
    } catch (err) {
      this.log(`! ${messageOf(err)}; keeping the current services`);
      return;
    }
    const { entries, problems } = read;
    for (const [id, problem] of problems) this.#refuse(id, `entry:${problem}`, problem, this.map.get(id) ? 'it keeps running as it was' : 'not created');

    for (const { id } of this.map.values()) {
      if (!entries.has(id) && !problems.has(id)) {
        this.#delete(id);
        this.#refused.delete(id);
        this.log(`- removed ${id}`);
      }
    }
    for (const [id, want] of entries) {
      let record = this.map.get(id);
      if (record !== undefined && record.kind !== want.kind) {
        this.#delete(id);
        this.log(`- removed ${id} (its kind changed from ${record.kind} to ${want.kind})`);
        record = undefined;
      }
      if (record === undefined) {
        if (this.#refused.get(id) === `${want.kind}:${want.raw}`) continue; // reported already
        try {
          const { state } = this.map.create(id, want.kind, { active: want.active, config: want.raw });
          this.#refused.delete(id);
          this.log(`+ added ${id} (${want.kind}): ${statusOf(state)}`);
        } catch (err) {
          this.#refuse(id, `${want.kind}:${want.raw}`, messageOf(err), 'not created');
        }
        continue;
      }
      const service = record.service;
      if (service.state.config !== want.raw && this.#refused.get(id) !== `${want.kind}:${want.raw}`) {
        try {
          const state = service.configure(want.raw);
          this.#refused.delete(id);
          this.log(`~ edited ${id}: new config accepted, ${statusOf(state)}`);
        } catch (err) {
          this.#refuse(id, `${want.kind}:${want.raw}`, messageOf(err), 'it keeps its current config');
        }
      }
      // The service's own events report the start or the stop (see open()), in one line.
      const before = this.#last.get(id);
      if (before !== undefined && before.active !== want.active) {
        if (want.active && !service.state.active) service.start();
        if (!want.active && service.state.active) service.stop();
      }
    }
    this.#last = entries;
  }

  #delete(id: string): void {
    this.#deleting.add(id);
    try {
      this.map.delete(id);
    } finally {
      this.#deleting.delete(id);
    }
  }

  #refuse(id: string, key: string, message: string, outcome: string): void {
    if (this.#refused.get(id) === key) return;
    this.#refused.set(id, key);
    this.log(`! refused ${id}: ${message}; ${outcome}`);
  }

  /** Stops watching, deletes every service (closing servers and timers), ends the redraws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unwatchFile(this.#file);
    for (const { id } of this.map.values()) this.#delete(id);
    for (const s of this.#subscriptions) s.unsubscribe();
    if (this.#redraw !== undefined) clearInterval(this.#redraw);
    this.#screen.close();
  }
}

/** GET http://127.0.0.1:port/: the status code and the body. */
function httpGet(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Requests the http service `id` on 127.0.0.1 once it listens, and prints the answer. */
async function selfCheck(sup: Supervisor, id: string, within: number): Promise<void> {
  const until = Date.now() + within;
  while (portOf(id) === undefined && Date.now() < until) await sleep(25);
  const port = portOf(id);
  if (port === undefined) {
    sup.log(`? self-check: ${id} is not listening yet`);
    return;
  }
  try {
    const { status, body } = await httpGet(port);
    sup.log(`? self-check: GET http://127.0.0.1:${port}/ -> ${status} "${body}"`);
  } catch (err) {
    sup.log(`? self-check: GET http://127.0.0.1:${port}/ failed: ${messageOf(err)}`);
  }
}

/** Changes the services file the way a person editing it would. */
function editFile(file: string, change: (services: Record<string, unknown>) => void): void {
  const services = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(services);
  writeFileSync(file, `${JSON.stringify(services, null, 2)}\n`);
}

/** The scripted tour: add, edit, a refused bad config, remove; then a clean exit. */
async function scenario(sup: Supervisor, screen: Screen, file: string, total: number): Promise<void> {
  // The steps share what is left of `total` after start-up, less a margin for the exit.
  const started = Date.now();
  const budget = Math.max(total - process.uptime() * 1000 - 800, total / 2);
  const at = (fraction: number) => sleep(Math.max(0, fraction * budget - (Date.now() - started)));
  const step = (n: number, text: string) => sup.log(`== step ${n}/4: ${text}`);

  await at(0.1);
  screen.print(`${sup.stamp()} status:`, sup.table());

  await at(0.15);
  step(1, 'add "api", an http service on a free port');
  editFile(file, (s) => (s.api = { kind: 'http', active: true, config: { port: 0, greeting: 'hello from api' } }));
  await at(0.25);
  await selfCheck(sup, 'api', 0.1 * total);

  await at(0.4);
  step(2, 'edit the greeting of "api"');
  editFile(file, (s) => ((s.api as { config: { greeting: string } }).config.greeting = 'hello again, edited live'));
  await at(0.5);
  await selfCheck(sup, 'api', 0.1 * total);

  await at(0.6);
  step(3, 'give "tick" a bad config (everyMs: -5)');
  editFile(file, (s) => ((s.tick as { config: { everyMs: number } }).config.everyMs = -5));

  await at(0.75);
  step(4, 'remove "flaky"');
  editFile(file, (s) => delete s.flaky);

  await at(0.95);
  screen.print(`${sup.stamp()} status:`, sup.table());
}

/**
 * `--fleet`: a local NATS server and two supervisor processes with different services, and the
 * dashboard on the fleet of both (SPEC section 11); Ctrl-C stops everything.
 */
async function fleetMain(screen: Screen, port: number | undefined): Promise<void> {
  const { startFleetDemo } = await import('../fleet/startFleetDemo');
  const demo = await startFleetDemo((line) => screen.log(line));
  const served = await serveDashboard(demo.fleet, { port: port ?? DEFAULT_PORT, fallbackToFreePort: port === undefined });
  screen.log(`dashboard: ${served.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await served.close();
  await demo.stop();
}

async function main(): Promise<void> {
  const { file: fileArg, forMs, port, fleet } = parseArgs(process.argv.slice(2));
  const screen = new Screen(process.stdout);
  if (fleet) return fleetMain(screen, port);
  const source = fileArg ?? join(__dirname, 'services.json');
  let file = source;
  let tmp: string | undefined;
  if (forMs !== undefined) {
    tmp = mkdtempSync(join(tmpdir(), 'rx-lifecycle-demo-'));
    file = join(tmp, 'services.json');
    copyFileSync(source, file);
  }

  const sup = new Supervisor(file, screen);
  let dashboard: Dashboard | undefined;
  let shuttingDown = false;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const shutdown = (why: string) => {
    shuttingDown = true;
    sup.log(`shutting down (${why}): stopping every service`);
    const closing = dashboard?.close();
    sup.close();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    void Promise.resolve(closing).then(finished);
  };
  const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  sup.open({ liveTable: forMs === undefined });
  const served = await serveDashboard(sup.map, { port: port ?? DEFAULT_PORT, fallbackToFreePort: port === undefined });
  if (shuttingDown) await served.close(); // a signal came while it was being bundled
  else {
    dashboard = served;
    screen.log(`dashboard: ${served.url}`);
  }
  if (forMs !== undefined) {
    sup.log(`scenario of ${forMs / 1000}s on a temporary copy of ${source}`);
    await scenario(sup, screen, file, forMs);
    shutdown('end of scenario');
  } else {
    sup.log('edit the file to add, remove or reconfigure services; Ctrl-C to quit');
  }
  await done;
  sup.log('bye');
  // Everything is closed, so Node exits by itself. If something were left open, say so.
  setTimeout(() => {
    process.stderr.write('supervisor: a handle is still open after shutdown\n');
    process.exit(1);
  }, 2000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`supervisor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
