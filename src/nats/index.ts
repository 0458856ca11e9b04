/**
 * A fleet on NATS JetStream: `publishServiceMap` on every process, `natsFleet` anywhere.
 * @module rx-lifecycle/nats
 */
// A fleet on NATS JetStream (rx-lifecycle/nats): each process publishes its maps into a
// key-value bucket; any process watches and commands them all. Needs @nats-io/kv and a
// NATS transport (such as @nats-io/transport-node); the package root never loads this.

// Publishing a map
export { publishServiceMap } from './publishServiceMap.js';
export type { PublishServiceMapOptions, ServiceMapPublication } from './publishServiceMap.js';

// Watching and commanding the fleet
export { natsFleet } from './natsFleet.js';
export type { NatsFleet, NatsFleetOptions } from './natsFleet.js';
