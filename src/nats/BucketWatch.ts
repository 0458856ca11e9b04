import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import { openBucket } from './bucket.js';

/** What a {@link BucketWatch} reports to. @internal */
export interface BucketWatchOptions {
  /** Each entry, once, in revision order. */
  readonly onEntry: (entry: KvWatchEntry) => void;
  /** Called once, when every entry the bucket held at the first watch has been applied. */
  readonly onCaughtUp: () => void;
  /** The longest time between two checks that the watch keeps up with the bucket (ms). */
  readonly checkMs: number;
  readonly scheduler: SchedulerLike;
}

const RETRY_MS = 1000;

/**
 * A watch of every key of a bucket that survives losing its consumer: each time it has to
 * start again (the watch failed, the server restarted, or the watchdog below found it stuck)
 * it resumes from the revision after the last one it delivered, and it never delivers a
 * revision twice.
 * @internal
 */
export class BucketWatch {
  readonly #nc: NatsConnection;
  readonly #options: BucketWatchOptions;
  #revision = 0;
  #target = Number.POSITIVE_INFINITY;
  #caughtUp = false;
  #stopped = false;
  #current: { stop(): void } | undefined;
  #wake: (() => void) | undefined;

  constructor(nc: NatsConnection, bucket: string, options: BucketWatchOptions) {
    this.#nc = nc;
    this.#options = options;
    void this.#run(bucket);
  }

  /** The revision of the last entry delivered (0 before any). */
  get revision(): number {
    return this.#revision;
  }

  stop(): void {
    this.#stopped = true;
    this.#current?.stop();
    this.#wake?.();
  }

  async #run(bucket: string): Promise<void> {
    let kv: KV | undefined;
    while (!this.#stopped) {
      let failed = false;
      try {
        kv ??= await openBucket(this.#nc, bucket);
        const from = this.#revision;
        const watch = await kv.watch(from > 0 ? { key: '>', resumeFromRevision: from + 1 } : { key: '>' });
        this.#current = watch;
        if (this.#stopped) break;
        if (!this.#caughtUp) void this.#targetOf(kv);
        const watchdog = this.#watchdog(kv, watch);
        try {
          for await (const entry of watch) {
            if (this.#stopped) break;
            this.#deliver(entry);
          }
        } finally {
          watchdog.unsubscribe();
        }
      } catch {
        failed = true; // the bucket or the watch failed: start again from the last revision delivered
      }
      if (this.#stopped || !failed) continue;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, RETRY_MS).unref?.();
      });
    }
    this.#current?.stop();
  }

  #deliver(entry: KvWatchEntry): void {
    if (entry.revision <= this.#revision) return;
    this.#revision = entry.revision;
    this.#options.onEntry(entry);
    this.#checkCaughtUp();
  }

  /** Learns the bucket's last revision, the one to reach to be caught up. */
  async #targetOf(kv: KV): Promise<void> {
    try {
      this.#target = Math.min(this.#target, (await kv.status()).streamInfo.state.last_seq);
      this.#checkCaughtUp();
    } catch {
      // the next watch asks again
    }
  }

  #checkCaughtUp(): void {
    if (this.#caughtUp || this.#revision < this.#target) return;
    this.#caughtUp = true;
    this.#options.onCaughtUp();
  }

  /**
   * Stops `watch` (so that the loop starts a new one from the last revision delivered) when
   * the bucket is ahead and nothing has been delivered for two checks in a row: a consumer
   * the server lost, or one that stalled, is replaced within two checks.
   */
  #watchdog(kv: KV, watch: { stop(): void }): Subscription {
    let stuckAt = -1;
    let checking = false;
    return interval(this.#options.checkMs, this.#options.scheduler).subscribe(() => {
      if (checking) return;
      checking = true;
      const before = this.#revision;
      kv.status()
        .then((status) => {
          const behind = status.streamInfo.state.last_seq > before && this.#revision === before;
          if (!behind) stuckAt = -1;
          else if (stuckAt === before) watch.stop();
          else stuckAt = before;
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    });
  }
}
