/**
 * One node of the fleet tests, run as its own process with tsx:
 *
 *   node --import tsx test/nats/nodeProcess.ts <nats url> <node> <map name> <heartbeatMs> [<seed JSON>]
 *
 * The seed is a JSON array of `{ id, kind, active?, config? }` to create before publishing
 * (a restarted node comes back with the same services).
 * It publishes a ServiceMap of two kinds (`worker` succeeds at once; `picky` fails its load
 * when the config is `"bad"`) and takes scripted commands as JSON lines on stdin:
 * `{ n, op: 'create' | 'delete' | 'start' | 'stop' | 'configure' | 'dump', id?, kind?, active?, config? }`.
 * It answers each with a JSON line `{ n, ok, result?, error? }` on stdout (`dump`: every
 * record as the wire would carry it), and prints `{"ready":true}` once the bucket holds its map.
 */
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { Service, ServiceMap, type StateRecordBase } from 'rx-lifecycle';
import { publishServiceMap } from 'rx-lifecycle/nats';

const [url, node, name, heartbeat, seed] = process.argv.slice(2);

interface Seed {
  readonly id: string;
  readonly kind: string;
  readonly active?: boolean;
  readonly config?: string;
}

function makeService(_id: string, kind: string): Service<unknown> {
  if (kind === 'worker') return new Service(() => {});
  if (kind === 'picky') {
    return new Service((config) => {
      if (config === 'bad') throw new Error('bad config');
    }, { parse: (raw) => (typeof raw === 'string' ? raw : new TextDecoder().decode(raw)) });
  }
  throw new Error(`unknown kind ${kind}`);
}

function plain(record: StateRecordBase): unknown {
  const { state } = record;
  const out: Record<string, unknown> = { active: state.active, loading: state.loading, failedAttempts: state.failedAttempts };
  for (const [key, value] of Object.entries(state)) {
    if (key.endsWith('Time') && value !== undefined) out[key] = value;
  }
  if (state.error !== undefined) out.error = state.error.message;
  return { id: record.id, kind: record.kind, state: out };
}

async function main(): Promise<void> {
  const nc = await connect({ servers: url!, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const map = new ServiceMap(makeService);
  for (const s of JSON.parse(seed ?? '[]') as Seed[]) map.create(s.id, s.kind, { active: s.active ?? false, config: s.config ?? '' });
  const publication = publishServiceMap(map, { nc, node: node!, name: name!, heartbeatMs: Number(heartbeat) });
  await publication.ready;
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const command = JSON.parse(line) as { n: number; op: string; id?: string; kind?: string; active?: boolean; config?: string };
    const id = command.id!;
    try {
      let result: unknown;
      switch (command.op) {
        case 'create':
          result = map.create(id, command.kind!, { active: command.active ?? false, config: command.config ?? '' }).id;
          break;
        case 'delete':
          map.delete(id);
          break;
        case 'start':
          map.get(id)!.service.start();
          break;
        case 'stop':
          map.get(id)!.service.stop();
          break;
        case 'configure':
          map.get(id)!.service.configure(command.config!);
          break;
        case 'dump':
          result = map.states().map(plain);
          break;
        default:
          throw new Error(`unknown op ${command.op}`);
      }
      process.stdout.write(`${JSON.stringify({ n: command.n, ok: true, result })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ n: command.n, ok: false, error: (err as Error).message })}\n`);
    }
  }
  await publication.close();
  await nc.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
