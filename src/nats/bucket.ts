import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm, type KV } from '@nats-io/kv';
import type { CommandAction } from '../internal/commands.js';
import { show } from '../internal/validate.js';

/** The bucket publishers and fleets use when not told otherwise. @internal */
export const DEFAULT_BUCKET = 'rx-lifecycle';

const BUCKET_NAME = /^[-\w]+$/;

/**
 * The values the bucket keeps per key. A live watcher is sent each change as it is stored,
 * but the server drops a value once a key has this many newer ones, even before a slow
 * watcher was sent it: so a watcher sees every change unless it falls this far behind on
 * one key (then it sees that key's latest values). A resumed watcher too. @internal
 */
export const HISTORY = 16;

/**
 * Opens the bucket, creating it (keeping {@link HISTORY} values per key) when it is not there
 * yet: publishers and fleets may start in any order. An existing bucket is used as it is. @internal
 */
export function openBucket(nc: NatsConnection, bucket: string): Promise<KV> {
  return new Kvm(nc).create(bucket, { history: HISTORY });
}

/** Throws a `TypeError` naming the field unless `nc` looks like a NATS connection. @internal */
export function checkConnection(nc: unknown): NatsConnection {
  const c = nc as Partial<NatsConnection> | null;
  if (c === null || typeof c !== 'object' || typeof c.request !== 'function' || typeof c.subscribe !== 'function') {
    throw new TypeError(`nc must be a NATS connection (from connect() of @nats-io/transport-node), got ${show(nc)}`);
  }
  return c as NatsConnection;
}

/** Throws a `TypeError` naming the field unless `bucket` is absent or a valid bucket name. @internal */
export function checkBucket(bucket: unknown): string {
  if (bucket === undefined) return DEFAULT_BUCKET;
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
    throw new TypeError(`bucket must match [-A-Za-z0-9_]+, got ${show(bucket)}`);
  }
  return bucket;
}

/** A command as it travels to `rxl.cmd.<node>.<name>`: the HTTP body, with the action and id. @internal */
export interface CommandRequest {
  readonly action: CommandAction;
  readonly id?: string | undefined;
  readonly body?: unknown;
}

/**
 * The answer to a {@link CommandRequest}: the HTTP status and body; on success the body is
 * the wire record with `seq`, the bucket revision that holds the command's effect (0 for a
 * delete). @internal
 */
export interface CommandReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON as bytes. @internal */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Bytes as JSON; throws a `SyntaxError` for anything else. @internal */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(decoder.decode(bytes));
}
