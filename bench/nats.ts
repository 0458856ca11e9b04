/**
 * A fleet on NATS JetStream, measured: 10,000 services on two nodes, each node publishing its
 * map with `publishServiceMap` over its own connection, and one `natsFleet` watching both.
 *
 *   node --expose-gc --import tsx bench/nats.ts [--services 10000] [--changes 1000]
 *
 * Starts its own nats-server (see scripts/nats-server.cjs) on 127.0.0.1 and prints markdown:
 * - the time to publish the maps and for the fleet to hold every record;
 * - the latency from a state change on a node to the fleet's `getAndListenState()` listener,
 *   one change at a time (median and p99) and for a burst that stops every service at once;
 * - the fleet's heap per service (heap with the fleet minus heap without, after GC).
 * Everything runs in this one process (three connections to one local server), so the figures
 * are the library's and the server's costs without a network between them.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Service, ServiceMap } from 'rx-lifecycle';
import { natsFleet, publishServiceMap } from 'rx-lifecycle/nats';

interface Provisioner {
  startNatsServer(): Promise<{ url: string; stop(options?: { removeStore?: boolean }): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startNatsServer } = require(path.join(__dirname, '..', 'scripts', 'nats-server.cjs')) as Provisioner;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const SERVICES = arg('services', 10_000);
const CHANGES = arg('changes', 1000);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

async function until(check: () => boolean, what: string, limitMs = 120_000): Promise<void> {
  const end = performance.now() + limitMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<void> {
  const server = await startNatsServer();
  const connections: NatsConnection[] = [];
  const open = async () => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return nc;
  };
  try {
    const maps = [0, 1].map(() => new ServiceMap(() => new Service(() => {})));
    maps.forEach((map) => {
      for (let i = 0; i < SERVICES / 2; i++) map.create(`svc-${i}`, i % 3 === 0 ? 'pump' : 'valve', { active: true });
    });
    let t0 = performance.now();
    const publications = await Promise.all(maps.map(async (map, n) => publishServiceMap(map, { nc: await open(), node: `node-${n + 1}`, name: 'drivers' })));
    await Promise.all(publications.map((p) => p.ready));
    const publishMs = performance.now() - t0;

    const fleetNc = await open();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    t0 = performance.now();
    const fleet = natsFleet({ nc: fleetNc });
    await fleet.ready;
    const loadMs = performance.now() - t0;
    gc();
    const heapPerService = (process.memoryUsage().heapUsed - heapBefore) / fleet.states().length;
    if (fleet.states().length !== SERVICES) throw new Error(`the fleet holds ${fleet.states().length} records, not ${SERVICES}`);

    // One change at a time: stop or start a service, time until the fleet's listener has it.
    let seen: (() => void) | undefined;
    let expected = '';
    const subscription = fleet.getAndListenState()[1].subscribe((c) => {
      if (c.newValue?.id === expected) seen?.();
    });
    const single: number[] = [];
    for (let k = 0; k < CHANGES; k++) {
      const n = k % 2;
      const id = `svc-${(k * 7919) % (SERVICES / 2)}`;
      const service = maps[n]!.get(id)!.service;
      expected = `node-${n + 1}/drivers/${id}`;
      const arrived = new Promise<void>((resolve) => (seen = resolve));
      const start = performance.now();
      if (service.state.active) service.stop();
      else service.start();
      await arrived;
      single.push(performance.now() - start);
    }
    subscription.unsubscribe();

    // A burst: every service changes at once; each change timed from its own moment.
    const sent = new Map<string, number>();
    const burst: number[] = [];
    const burstSubscription = fleet.getAndListenState()[1].subscribe((c) => {
      const at = sent.get(c.newValue?.id ?? '');
      if (at !== undefined && c.newValue!.state.active === false) {
        burst.push(performance.now() - at);
        sent.delete(c.newValue!.id);
      }
    });
    t0 = performance.now();
    maps.forEach((map, n) => {
      for (const record of map.values()) {
        if (!record.service.state.active) record.service.start();
      }
      for (const record of map.values()) {
        sent.set(`node-${n + 1}/drivers/${record.id}`, performance.now());
        record.service.stop();
      }
    });
    await until(() => sent.size === 0, 'the burst');
    const burstMs = performance.now() - t0;
    burstSubscription.unsubscribe();

    single.sort((a, b) => a - b);
    burst.sort((a, b) => a - b);
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`### NATS fleet: ${SERVICES.toLocaleString('en')} services on two nodes\n`);
    console.log(`Node ${process.version}, ${cpu} (${os.cpus().length} cores), nats-server on 127.0.0.1, one process.\n`);
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| publish both maps (bucket holds every record) | ${ms(publishMs)} |`);
    console.log(`| fleet start until \`ready\` (${SERVICES} records) | ${ms(loadMs)} |`);
    console.log(`| change → fleet listener, one at a time (${CHANGES}), median | ${ms(quantile(single, 0.5))} |`);
    console.log(`| change → fleet listener, one at a time, p99 | ${ms(quantile(single, 0.99))} |`);
    console.log(`| burst of ${SERVICES} changes, median | ${ms(quantile(burst, 0.5))} |`);
    console.log(`| burst of ${SERVICES} changes, p99 | ${ms(quantile(burst, 0.99))} |`);
    console.log(`| burst of ${SERVICES} changes, until the last arrived | ${ms(burstMs)} |`);
    console.log(`| fleet heap per service | ${(heapPerService / 1024).toFixed(2)} KiB |`);

    await fleet.close();
    await Promise.all(publications.map((p) => p.close()));
  } finally {
    await Promise.all(connections.map((nc) => nc.close()));
    await server.stop({ removeStore: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
