/**
 * The three kinds of service the supervisor knows, each a `Service` with its own config type,
 * parser and apply function, as a backend app would write them.
 *
 * - `http`: a real HTTP server on 127.0.0.1, answering every request with the greeting.
 * - `ticker`: periodic work on an interval.
 * - `flaky`: fails its first attempts, then connects, to show retries with backoff.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Observable, timer } from 'rxjs';
import { Service, monoApply, type Lifecycle, type ParseFunc, type RawConfig, type RetryOptions } from 'rx-lifecycle';

/** Config of an `http` service. */
export interface HttpConfig {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The response body. */
  readonly greeting: string;
}

/** Config of a `ticker` service. */
export interface TickerConfig {
  /** Milliseconds between ticks, at least 50. */
  readonly everyMs: number;
}

/** Config of a `flaky` service. */
export interface FlakyConfig {
  /** How many attempts fail before one succeeds. */
  readonly failures: number;
}

/** One line per running service for the table's INFO column, kept by the kinds. */
export const info = new Map<string, string>();

/** The port each running `http` service listens on. */
const ports = new Map<string, number>();

/** The port the `http` service `id` listens on, while it runs. */
export function portOf(id: string): number | undefined {
  return ports.get(id);
}

/** Backoff for every kind: 300 ms, 600 ms, 1.2 s, ... up to 5 s. */
const retry: RetryOptions = { initialDelay: 300, minDelay: 100, factor: 2, maxDelay: 5000 };

/**
 * A parser: JSON object in, checked config out, or an error whose message says what is wrong.
 * `configure()` throws that error and changes nothing, so a bad edit never reaches apply.
 */
function parser<C>(kind: string, check: (value: Record<string, unknown>, fail: (message: string) => never) => C): ParseFunc<C> {
  const fail = (message: string): never => {
    throw new Error(`${kind} config: ${message}`);
  };
  return (data: RawConfig) => {
    let value: unknown;
    try {
      value = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
    } catch (err) {
      return fail(`not JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('must be an object');
    return check(value as Record<string, unknown>, fail);
  };
}

function wholeNumber(value: unknown, field: string, min: number, max: number, fail: (message: string) => never): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

const parseHttp = parser<HttpConfig>('http', (v, fail) => {
  if (typeof v.greeting !== 'string' || v.greeting === '') fail('greeting must be a non-empty string');
  return { port: wholeNumber(v.port, 'port', 0, 65535, fail), greeting: v.greeting as string };
});

const parseTicker = parser<TickerConfig>('ticker', (v, fail) => ({
  everyMs: wholeNumber(v.everyMs, 'everyMs', 50, 3_600_000, fail),
}));

const parseFlaky = parser<FlakyConfig>('flaky', (v, fail) => ({
  failures: wholeNumber(v.failures, 'failures', 0, 100, fail),
}));

/**
 * An HTTP server as an Observable apply: the subscription is the server. It emits once it
 * listens (the load succeeded); an error, such as a port in use, fails the attempt and the
 * service retries. The next load, `stop()` or giving up closes it.
 */
function httpService(id: string): Service<HttpConfig> {
  return new Service<HttpConfig>(
    (config) =>
      new Observable<void>((subscriber) => {
        const server = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(config.greeting);
        });
        server.on('error', (err) => subscriber.error(err));
        server.listen(config.port, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          ports.set(id, port);
          info.set(id, `http://127.0.0.1:${port}/ says "${config.greeting}"`);
          subscriber.next();
        });
        return () => {
          if (ports.has(id)) {
            ports.delete(id);
            info.delete(id);
          }
          server.closeAllConnections();
          server.close();
        };
      }),
    { parse: parseHttp, retry, whileLoading: 'switch' },
  );
}

/** Periodic work: a tick every `everyMs`, the first at once (which makes the load succeed). */
function tickerService(id: string): Service<TickerConfig> {
  return new Service<TickerConfig>(
    (config) =>
      new Observable<number>((subscriber) => {
        const ticks = timer(0, config.everyMs).subscribe((n) => {
          info.set(id, `${n + 1} ticks, every ${config.everyMs} ms`);
          subscriber.next(n);
        });
        return () => {
          ticks.unsubscribe();
          info.delete(id);
        };
      }),
    { parse: parseTicker, retry, whileLoading: 'switch' },
  );
}

/**
 * A connection that is refused `failures` times per config, then succeeds. A promise apply,
 * wrapped in `monoApply` so that a new config ends the previous connection.
 */
function flakyService(id: string): Service<FlakyConfig> {
  let current: FlakyConfig | undefined;
  let attempts = 0;
  return new Service<FlakyConfig>(
    monoApply(async (config, signal) => {
      if (config !== current) {
        current = config; // each parse makes a new object: a new config starts the count again
        attempts = 0;
      }
      attempts += 1;
      await new Promise((resolve) => setTimeout(resolve, 20)); // "connecting"
      signal.throwIfAborted();
      if (attempts <= config.failures) {
        throw new Error(`connection refused (simulated failure ${attempts} of ${config.failures})`);
      }
      info.set(id, `connected at attempt ${attempts}`);
      signal.addEventListener('abort', () => info.delete(id), { once: true });
    }),
    { parse: parseFlaky, retry, whileLoading: 'switch' },
  );
}

/** The kinds by name. */
const kinds: Record<string, (id: string) => Lifecycle> = {
  http: httpService,
  ticker: tickerService,
  flaky: flakyService,
};

/** The `CreateFunc` of the supervisor's map: throws for a kind it does not know. */
export function createService(id: string, kind: string): Lifecycle {
  const make = Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (make === undefined) throw new Error(`unknown kind "${kind}" (known: ${Object.keys(kinds).join(', ')})`);
  return make(id);
}
