/** A test reader of a watch stream: every event and comment, kept in order. */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { poll } from './helpers';

export interface WatchReader {
  readonly status: number;
  readonly events: EventSourceMessage[];
  readonly comments: string[];
  /** Set when the stream ended (`'end'`) or failed (the error's message). */
  readonly ended: () => string | undefined;
  /** The `data` of the events of `type`, parsed. */
  data<T = Record<string, unknown>>(type: string): T[];
  /** Resolves once `check()` holds. */
  until(check: (r: WatchReader) => boolean, what?: string): Promise<void>;
  close(): void;
}

/** Reads a `text/event-stream` response until closed. */
export function readWatch(res: Response, abort?: AbortController): WatchReader {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let ended: string | undefined;
  const parser = createParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c) });
  const reader: WatchReader = {
    status: res.status,
    events,
    comments,
    ended: () => ended,
    data: <T>(type: string) => events.filter((e) => e.event === type).map((e) => JSON.parse(e.data) as T),
    until: (check, what = 'the watch stream') => poll(() => check(reader), 5000, what),
    close: () => abort?.abort(),
  };
  void (async () => {
    const decoder = new TextDecoder();
    const body = res.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await body.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      ended = 'end';
    } catch (err) {
      ended = (err as Error).message || 'error';
    }
  })();
  return reader;
}

/** Opens a watch stream over the network. */
export async function watchOver(url: string, headers: Record<string, string> = {}): Promise<WatchReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  return readWatch(res, abort);
}
