/**
 * A client that stops reading is cut off once it is more than maxBufferedBytes behind, through
 * both handlers, and comes back with Last-Event-ID.
 */
import { connect, type Socket } from 'node:net';
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer } from 'rx-lifecycle/http';
import { listen, poll, type Listening } from './helpers';
import { readWatch, watchOver } from './sse';

let map: ServiceMap<Service>;
let server: ServiceMapServer;

beforeEach(() => {
  map = new ServiceMap(() => new Service(() => {}));
  map.create('a', 'web');
});
afterEach(() => server.close());

/** Flips `a` on and off `n` times: 2n changes of about 200 bytes each on the stream. */
function churn(n: number): void {
  const service = map.get('a')!.service;
  for (let i = 0; i < n; i++) {
    service.start();
    service.stop();
  }
}

describe('a slow client', () => {
  let http: Listening;
  afterEach(() => http.close());

  it('should be disconnected by the node handler past maxBufferedBytes, then resume from the journal', async () => {
    server = createServiceMapServer({ m: map }, { maxBufferedBytes: 64 * 1024, journalSize: 1_000_000 });
    http = await listen(server.node);
    const { port } = new URL(http.base);
    const socket: Socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (d) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    socket.write(`GET /maps/m/watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await poll(() => received.includes('"last":true'), 5000, 'the snapshot');
    const lastId = /id: (\S+)\n/.exec(received)![1]!;
    let made = 0;
    const counting = map.getAndListenState()[1].subscribe(() => made++);
    socket.pause(); // stops reading: the kernel buffers fill, then the server's
    // Bounded: at most 100 rounds of 2000 changes; the cut comes long before on loopback.
    for (let round = 0; round < 100 && !closed; round++) {
      churn(1000);
      await new Promise((r) => setImmediate(r));
    }
    socket.resume(); // read what was sent, until the close
    await poll(() => closed, 5000, 'the server to cut the client off');
    expect(closed).toBe(true);
    const again = await watchOver(`${http.base}/maps/m/watch`, { 'last-event-id': lastId });
    await again.until((r) => r.data('change').length === made, 'every change since the snapshot');
    expect(again.data<{ resumed: boolean }>('hello')[0]!.resumed).toBe(true);
    expect(again.data('snapshot')).toEqual([]);
    expect(made).toBeGreaterThan(0);
    again.close();
    counting.unsubscribe();
    socket.destroy();
  });
});

describe('a slow reader of the fetch handler', () => {
  it('should find its stream errored past maxBufferedBytes', async () => {
    server = createServiceMapServer({ m: map }, { maxBufferedBytes: 100 * 1024 });
    const res = await server.fetch(new Request('http://localhost/maps/m/watch'));
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    churn(2000); // about 800 KB of changes while nobody reads
    const reader = readWatch(res);
    await reader.until((r) => r.ended() !== undefined, 'the end of the stream');
    expect(reader.ended()).toContain('too far behind');
  });

  it('should keep a reader that keeps up', async () => {
    server = createServiceMapServer({ m: map }, { maxBufferedBytes: 100 * 1024 });
    const res = await server.fetch(new Request('http://localhost/maps/m/watch'));
    const reader = readWatch(res);
    for (let i = 0; i < 20; i++) {
      churn(100);
      await reader.until((r) => r.data('change').length === (i + 1) * 200, 'the changes');
    }
    expect(reader.ended()).toBeUndefined();
  });
});
