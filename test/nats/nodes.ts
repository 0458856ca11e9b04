/** Node processes for the fleet tests: spawn one, script it over stdin, kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(__dirname, '..', '..');

/** A service a node creates before it publishes. */
export interface SeedService {
  readonly id: string;
  readonly kind: string;
  readonly active?: boolean;
  readonly config?: string;
}

/** A record as a node's `dump` shows it (and as the tests compare it with the fleet's). */
export interface PlainRecord {
  readonly id: string;
  readonly kind: string;
  readonly state: Record<string, unknown>;
}

type Op =
  | { op: 'create'; id: string; kind: string; active?: boolean; config?: string }
  | { op: 'delete' | 'start' | 'stop'; id: string }
  | { op: 'configure'; id: string; config: string }
  | { op: 'dump' };

/** One `test/nats/nodeProcess.ts` process. */
export class NodeProcess {
  readonly node: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  readonly exited: Promise<void>;
  #n = 0;
  #stderr = '';

  private constructor(node: string, child: ChildProcess) {
    this.node = node;
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr!.on('data', (chunk) => (this.#stderr = (this.#stderr + chunk).slice(-4000)));
    void this.exited.then(() => {
      for (const { reject } of this.#pending.values()) reject(new Error(`node ${node} exited: ${this.#stderr}`));
      this.#pending.clear();
    });
  }

  /** Spawns a node and resolves once it has published its map. */
  static async spawn(url: string, node: string, name: string, heartbeatMs: number, seed: readonly SeedService[] = []): Promise<NodeProcess> {
    const args = ['--import', 'tsx', path.join('test', 'nats', 'nodeProcess.ts'), url, node, name, String(heartbeatMs), JSON.stringify(seed)];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const proc = new NodeProcess(node, child);
    const lines = createInterface({ input: child.stdout! });
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; n?: number; ok?: boolean; result?: unknown; error?: string };
      if (message.ready) return ready();
      const waiter = proc.#pending.get(message.n!);
      proc.#pending.delete(message.n!);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`node ${node} not ready in 60 s: ${proc.#stderr}`)), 60_000).unref());
    await Promise.race([isReady, timeout, proc.exited.then(() => Promise.reject(new Error(`node ${node} exited: ${proc.#stderr}`)))]);
    return proc;
  }

  /** Runs one scripted operation on the node's map. */
  send(op: Op): Promise<unknown> {
    const n = ++this.#n;
    return new Promise((resolve, reject) => {
      this.#pending.set(n, { resolve, reject });
      this.#child.stdin!.write(`${JSON.stringify({ n, ...op })}\n`);
    });
  }

  /** Every record of the node's map. */
  async dump(): Promise<PlainRecord[]> {
    return (await this.send({ op: 'dump' })) as PlainRecord[];
  }

  /** Ends the node at once (SIGKILL: no goodbye, no heartbeat deleted). */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** Ends the node cleanly (closing stdin: it closes its publication). */
  async end(): Promise<void> {
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
