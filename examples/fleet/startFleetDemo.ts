/**
 * The `--fleet` demo: a local nats-server with JetStream, two supervisor processes (nodes
 * `site-a` and `site-b`, each publishing the services of its JSON file), and a fleet in this
 * process that watches and commands both. The demo's main serves `fleet` with
 * `createServiceMapServer` (and the dashboard), as it serves a local map.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { natsFleet, type NatsFleet } from 'rx-lifecycle/nats';

interface Provisioner {
  startNatsServer(): Promise<{ url: string; stop(options?: { removeStore?: boolean }): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startNatsServer } = require(join(__dirname, '..', '..', 'scripts', 'nats-server.cjs')) as Provisioner;

/** The nodes of the demo and the file each one runs. */
export const FLEET_NODES: Readonly<Record<string, string>> = {
  'site-a': join(__dirname, 'site-a.json'),
  'site-b': join(__dirname, 'site-b.json'),
};

/** A running fleet demo. */
export interface FleetDemo {
  /** The fleet over both nodes: serve it with createServiceMapServer. */
  readonly fleet: NatsFleet;
  /** The NATS server's URL. */
  readonly url: string;
  /** Stops the nodes (they stop their services), the fleet and the server. */
  stop(): Promise<void>;
}

/** Starts the demo; resolves once the fleet shows every service of both nodes. */
export async function startFleetDemo(log: (line: string) => void = console.log): Promise<FleetDemo> {
  const server = await startNatsServer();
  log(`nats-server with JetStream: ${server.url}`);
  const children: ChildProcess[] = [];
  const root = resolve(__dirname, '..', '..');
  try {
    await Promise.all(
      Object.entries(FLEET_NODES).map(([node, file]) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join('examples', 'fleet', 'node.ts'), server.url, node, file], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        return new Promise<void>((ready, fail) => {
          createInterface({ input: child.stdout! }).on('line', (line) => {
            log(`[${node}] ${line}`);
            if (line === `published ${node}`) ready();
          });
          child.once('exit', (code) => fail(new Error(`node ${node} exited with ${code}`)));
        });
      }),
    );
  } catch (err) {
    for (const child of children) child.kill('SIGKILL');
    await server.stop({ removeStore: true });
    throw err;
  }
  const nc = await connect({ servers: server.url });
  const fleet = natsFleet({ nc });
  await fleet.ready;
  log(`fleet: ${fleet.states().length} services on ${Object.keys(FLEET_NODES).join(' and ')}`);
  return {
    fleet,
    url: server.url,
    stop: async () => {
      await fleet.close();
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              const force = setTimeout(() => child.kill('SIGKILL'), 5000);
              child.once('exit', () => {
                clearTimeout(force);
                done();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      await nc.close();
      await server.stop({ removeStore: true });
    },
  };
}
