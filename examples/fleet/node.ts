/**
 * One node of the fleet demo: a supervisor process that runs the services of a JSON file
 * (the kinds of examples/supervisor) and publishes its map into the NATS bucket.
 *
 *   tsx examples/fleet/node.ts <nats url> <node name> <services.json>
 *
 * Prints `published <node>` once the bucket holds its map; stops every service and exits on
 * SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ServiceMap, idIsRequired } from 'rx-lifecycle';
import { publishServiceMap } from 'rx-lifecycle/nats';
import { createService } from '../supervisor/kinds';

interface Entry {
  readonly kind: string;
  readonly active?: boolean;
  readonly config?: unknown;
}

async function main(): Promise<void> {
  const [url, node, file] = process.argv.slice(2);
  if (url === undefined || node === undefined || file === undefined) throw new Error('usage: node.ts <nats url> <node name> <services.json>');
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Entry>;
  const map = new ServiceMap(createService, idIsRequired);
  for (const [id, entry] of Object.entries(entries)) {
    map.create(id, entry.kind, { active: entry.active ?? false, config: entry.config === undefined ? '' : JSON.stringify(entry.config) });
  }
  const nc = await connect({ servers: url, maxReconnectAttempts: -1 });
  const publication = publishServiceMap(map, { nc, node, name: 'services', heartbeatMs: 2000 });
  await publication.ready;
  console.log(`published ${node}`);
  const stop = async () => {
    await publication.close();
    for (const { id } of map.values()) map.delete(id);
    await nc.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(`node: ${(err as Error).message}`);
  process.exit(1);
});
