/**
 * Remote maps under load (issue 11): `npx tsx bench/remote.ts` (add `--quick` for a smoke run).
 *
 * The server runs in a child process (this file with `--server-child`), so that time, CPU and
 * memory are measured apart for the server and the client; everything travels over loopback.
 *
 * 1. Snapshot: a map of 100,000 services streamed to a `RemoteServiceMap` (time to `live`,
 *    bytes on the wire, peak heap and RSS of the server and of the client).
 * 2. Per-change server cost with 0, 1, 10 and 100 watching clients: server CPU per change while
 *    every client receives every change; the cost above 0 clients, per client, is the write.
 * 3. A slow client (a socket that stops reading) is cut off past `maxBufferedBytes`, then
 *    resumes with `Last-Event-ID` from the journal.
 *
 * Prints a markdown table.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer } from 'rx-lifecycle/http';
import { RemoteServiceMap } from 'rx-lifecycle/client';

const quick = process.argv.includes('--quick');
const SNAPSHOT_SIZE = quick ? 5_000 : 100_000;
const CHURN_MAP = 1_000;
const CHANGES = quick ? 500 : 5_000;
const CLIENT_COUNTS = quick ? [0, 1, 10] : [0, 1, 10, 100];
const MAX_BUFFERED = 1 << 20;

type Request = { readonly op: string; readonly n?: number; readonly id?: number };

// ---------------------------------------------------------------------------------------------
// The server child
// ---------------------------------------------------------------------------------------------

async function serverChild(): Promise<void> {
  const map = new ServiceMap(() => new Service(() => {}));
  const served = createServiceMapServer({ m: map }, { journalSize: 200_000, maxBufferedBytes: MAX_BUFFERED });
  const { createServer } = await import('node:http');
  const http = createServer(served.node);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  setInterval(sample, 5).unref();
  let cpu = process.cpuUsage();
  let toggled = 0;
  const answer = async (req: Request): Promise<unknown> => {
    switch (req.op) {
      case 'port':
        return (http.address() as { port: number }).port;
      case 'fill': {
        const t0 = performance.now();
        for (let i = 0; i < req.n!; i++) map.create(`s${String(i).padStart(6, '0')}`, i % 3 ? 'worker' : 'db', { active: i % 2 === 0 });
        return performance.now() - t0;
      }
      case 'clear':
        for (const { id } of map.values()) map.delete(id);
        return 0;
      case 'resetPeak':
        global.gc?.();
        peakHeap = 0;
        peakRss = 0;
        sample();
        return 0;
      case 'peak':
        sample();
        return { heap: peakHeap, rss: peakRss };
      case 'cpuStart':
        cpu = process.cpuUsage();
        return 0;
      case 'cpuEnd': {
        const d = process.cpuUsage(cpu);
        return d.user + d.system;
      }
      case 'churn': {
        // toggles services round-robin, in batches, so that the sockets drain in between
        const ids = map.values().map((r) => r.id);
        for (let done = 0; done < req.n!; ) {
          const batch = Math.min(1000, req.n! - done);
          for (let i = 0; i < batch; i++, done++) {
            const service = map.get(ids[toggled++ % ids.length]!)!.service;
            if (service.state.active) service.stop();
            else service.start();
          }
          await new Promise((r) => setImmediate(r));
        }
        return req.n;
      }
      case 'connections':
        return await new Promise<number>((r) => http.getConnections((_e, n) => r(n)));
      default:
        throw new Error(`unknown op ${req.op}`);
    }
  };
  process.on('message', (req: Request) => {
    void answer(req).then((value) => process.send!({ id: req.id, value }));
  });
}

// ---------------------------------------------------------------------------------------------
// The client side (this process)
// ---------------------------------------------------------------------------------------------

class Child {
  readonly #child: ChildProcess;
  #next = 0;
  readonly #waiting = new Map<number, (v: unknown) => void>();

  constructor() {
    this.#child = fork(__filename, ['--server-child'], { execArgv: [...process.execArgv, '--expose-gc'] });
    this.#child.on('message', (m: { id: number; value: unknown }) => {
      this.#waiting.get(m.id)?.(m.value);
      this.#waiting.delete(m.id);
    });
  }

  ask<T>(op: string, n?: number): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve) => {
      this.#waiting.set(id, resolve as (v: unknown) => void);
      this.#child.send({ op, n, id });
    });
  }

  kill(): void {
    this.#child.kill();
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const live = (remote: RemoteServiceMap) => firstValueFrom(remote.connection$.pipe(filter((c) => c.status === 'live')));

/** Samples this process's heap and RSS until stopped; returns the peaks above `base`. */
function clientPeak(): () => { heap: number; rss: number } {
  global.gc?.();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed - base.heapUsed);
    rss = Math.max(rss, m.rss - base.rss);
  }, 5);
  return () => {
    clearInterval(timer);
    return { heap, rss };
  };
}

async function snapshotBench(child: Child, base: string, rows: string[][]): Promise<void> {
  const fillMs = await child.ask<number>('fill', SNAPSHOT_SIZE);
  await child.ask('resetPeak');
  // bytes on the wire, read raw
  const t0 = performance.now();
  const res = await fetch(`${base}/maps/m/watch`);
  const reader = res.body!.getReader();
  let bytes = 0;
  let tail = '';
  for (;;) {
    const { value } = await reader.read();
    bytes += value!.byteLength;
    tail = (tail + new TextDecoder().decode(value)).slice(-200);
    if (tail.includes('"last":true')) break;
  }
  const rawMs = performance.now() - t0;
  await reader.cancel();
  // a RemoteServiceMap
  const stop = clientPeak();
  const t1 = performance.now();
  const remote = new RemoteServiceMap(base, { map: 'm' });
  await live(remote);
  const mirrorMs = performance.now() - t1;
  const client = stop();
  const server = await child.ask<{ heap: number; rss: number }>('peak');
  const count = remote.states().length;
  remote.close();
  rows.push([`snapshot of ${count.toLocaleString('en')} services, raw stream`, `${rawMs.toFixed(0)} ms`, `${mb(bytes)} on the wire`]);
  rows.push([`snapshot of ${count.toLocaleString('en')} services into a RemoteServiceMap`, `${mirrorMs.toFixed(0)} ms to live`, `client peak +${mb(client.heap)} heap, +${mb(client.rss)} RSS`]);
  rows.push([`server while streaming both (map filled in ${fillMs.toFixed(0)} ms)`, '', `server peak ${mb(server.heap)} heap, ${mb(server.rss)} RSS`]);
  await child.ask('clear');
}

async function perChangeBench(child: Child, base: string, rows: string[][]): Promise<void> {
  await child.ask('fill', CHURN_MAP);
  let zero = 0;
  for (const k of CLIENT_COUNTS) {
    const clients = Array.from({ length: k }, () => new RemoteServiceMap(base, { map: 'm' }));
    await Promise.all(clients.map(live));
    const counts = clients.map(() => 0);
    clients.forEach((c, i) => c.getAndListenState()[1].subscribe(() => counts[i]!++));
    await child.ask('cpuStart');
    const t0 = performance.now();
    await child.ask('churn', CHANGES);
    while (counts.some((n) => n < CHANGES)) await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - t0;
    const cpuUs = await child.ask<number>('cpuEnd');
    const perChange = cpuUs / CHANGES;
    if (k === 0) zero = perChange;
    const perClient = k === 0 ? '' : `${((perChange - zero) / k).toFixed(2)} µs per client (the write)`;
    rows.push([`${CHANGES.toLocaleString('en')} changes, ${k} watching client${k === 1 ? '' : 's'}`, `${perChange.toFixed(1)} µs server CPU per change`, `${ms.toFixed(0)} ms until every client had all; ${perClient}`]);
    for (const c of clients) c.close();
  }
  await child.ask('clear');
}

async function slowClientBench(child: Child, port: number, base: string, rows: string[][]): Promise<void> {
  await child.ask('fill', CHURN_MAP);
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  socket.on('error', () => {});
  socket.write('GET /maps/m/watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  while (!received.includes('"last":true')) await new Promise((r) => setTimeout(r, 5));
  const lastId = /id: (\S+)\n/.exec(received)![1]!;
  const before = await child.ask<number>('connections');
  socket.pause();
  let churned = 0;
  const t0 = performance.now();
  while ((await child.ask<number>('connections')) >= before && churned < 400_000) churned += await child.ask<number>('churn', 2000);
  const cutMs = performance.now() - t0;
  socket.destroy();
  const t1 = performance.now();
  const res = await fetch(`${base}/maps/m/watch`, { headers: { 'last-event-id': lastId } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let seen = 0;
  let resumed = false;
  while (seen < churned) {
    const { value } = await reader.read();
    text += decoder.decode(value, { stream: true });
    const frames = text.split('\n\n');
    text = frames.pop()!;
    for (const f of frames) {
      if (f.includes('event: change')) seen++;
      if (f.includes('event: hello')) resumed = f.includes('"resumed":true');
    }
  }
  const resumeMs = performance.now() - t1;
  await reader.cancel();
  rows.push([`slow client (stops reading; maxBufferedBytes ${mb(MAX_BUFFERED)})`, `cut off after ${churned.toLocaleString('en')} changes`, `${cutMs.toFixed(0)} ms of churn`]);
  rows.push(['the same client back with Last-Event-ID', resumed ? 'resumed from the journal' : 'fresh snapshot', `${seen.toLocaleString('en')} missed changes in ${resumeMs.toFixed(0)} ms`]);
  await child.ask('clear');
}

async function main(): Promise<void> {
  const child = new Child();
  try {
    const port = await child.ask<number>('port');
    const base = `http://127.0.0.1:${port}`;
    const rows: string[][] = [];
    await snapshotBench(child, base, rows);
    await perChangeBench(child, base, rows);
    await slowClientBench(child, port, base, rows);
    console.log(`Remote maps, Node ${process.version}, ${quick ? 'quick run' : 'full run'}, loopback, server in a child process\n`);
    console.log('| Scenario | Result | Detail |\n|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--server-child')) void serverChild();
else
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
