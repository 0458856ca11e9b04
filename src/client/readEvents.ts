import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Reads the Server-Sent Events of a `fetch` response body, handing each event to `onEvent`,
 * and calling `onActivity` for every chunk (heartbeats included). Resolves when the stream
 * ends; rejects when it fails or `signal` aborts.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: EventSourceMessage) => void,
  onActivity: () => void,
): Promise<void> {
  const parser = createParser({ onEvent });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onActivity();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
}
