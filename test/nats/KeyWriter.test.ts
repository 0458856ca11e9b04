/** The publisher's writer: every value in order while the bucket takes writes, the last value of each key after a failure. */
import { KeyWriter, type KeyStore } from '../../src/nats/KeyWriter';

/** A bucket whose writes settle when the test says. */
class FakeStore implements KeyStore {
  readonly sent: string[] = [];
  readonly #pending: { ok: () => void; fail: () => void }[] = [];
  #revision = 0;

  put(key: string, value: string): Promise<number> {
    this.sent.push(`${key}=${value}`);
    return new Promise((resolve, reject) => this.#pending.push({ ok: () => resolve(++this.#revision), fail: () => reject(new Error('down')) }));
  }

  delete(key: string): Promise<void> {
    this.sent.push(`${key} deleted`);
    return new Promise((resolve, reject) => this.#pending.push({ ok: () => (++this.#revision, resolve()), fail: () => reject(new Error('down')) }));
  }

  get inFlight(): number {
    return this.#pending.length;
  }

  /** Settles the oldest `n` writes (all by default). */
  async settle(ok = true, n = this.#pending.length): Promise<void> {
    for (const write of this.#pending.splice(0, n)) (ok ? write.ok : write.fail)();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('KeyWriter', () => {
  it('should write nothing until resumed, then the last value of each key set meanwhile', async () => {
    const store = new FakeStore();
    const writer = new KeyWriter(store);
    writer.set('a', '1');
    writer.set('a', '2');
    writer.set('b', '1');
    expect(store.sent).toEqual([]);
    writer.resume();
    expect(store.sent).toEqual(['a=2', 'b=1']);
    writer.close();
  });

  it('should send every value in the order set, and not the same value twice', async () => {
    const store = new FakeStore();
    const writer = new KeyWriter(store);
    writer.resume();
    writer.set('a', '1');
    writer.set('b', '1');
    writer.set('a', '2');
    writer.set('a', '2');
    writer.set('b', null);
    expect(store.sent).toEqual(['a=1', 'b=1', 'a=2', 'b deleted']);
    writer.set('a', '2', true); // forced: written again
    expect(store.sent).toHaveLength(5);
    writer.close();
  });

  it('should keep at most `limit` writes in flight and send the rest in order as they settle', async () => {
    const store = new FakeStore();
    const writer = new KeyWriter(store, { limit: 2 });
    writer.resume();
    for (const key of ['a', 'b', 'c', 'd']) writer.set(key, 'x');
    expect(store.sent).toEqual(['a=x', 'b=x']);
    await store.settle(true, 1);
    expect(store.sent).toEqual(['a=x', 'b=x', 'c=x']);
    await store.settle();
    await store.settle();
    expect(store.sent).toEqual(['a=x', 'b=x', 'c=x', 'd=x']);
    await writer.idle();
    writer.close();
  });

  it('should resolve flushed() with the revision of the value set by then, and 0 for a delete', async () => {
    const store = new FakeStore();
    const writer = new KeyWriter(store);
    writer.resume();
    writer.set('a', '1');
    writer.set('b', '1');
    const a = writer.flushed('a');
    writer.set('a', '2');
    const a2 = writer.flushed('a');
    await store.settle(true, 2);
    await expect(a).resolves.toBe(1);
    let done = false;
    void a2.then(() => (done = true));
    await store.settle();
    expect(done).toBe(true);
    await expect(a2).resolves.toBe(3);
    writer.set('b', null);
    const b = writer.flushed('b');
    await store.settle();
    await expect(b).resolves.toBe(0);
    await expect(writer.flushed('never')).resolves.toBe(0);
    writer.close();
  });

  it('should pause after a failed write, keep only the last values, and write them when resumed', async () => {
    const store = new FakeStore();
    const writer = new KeyWriter(store, { limit: 1, retryMs: 60_000 });
    writer.resume();
    writer.set('a', '1');
    writer.set('b', '1');
    writer.set('b', '2');
    await store.settle(false); // a=1 fails: b=1 and b=2, still queued, collapse to b=2
    writer.set('c', '1');
    writer.set('c', '2');
    expect(store.sent).toEqual(['a=1']);
    let idle = false;
    void writer.idle().then(() => (idle = true));
    writer.resume();
    expect(store.sent).toEqual(['a=1', 'b=2']);
    for (let i = 0; i < 3; i++) await store.settle();
    expect(store.sent).toEqual(['a=1', 'b=2', 'a=1', 'c=2']);
    expect(idle).toBe(true);
    writer.close();
  });
});
