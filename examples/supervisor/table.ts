/**
 * The status table and the terminal it is drawn on: redrawn in place under the log on a TTY,
 * printed as plain lines otherwise (a pipe, a file, CI).
 */
import { statusOf, type StateRecord, type Status } from 'rx-lifecycle';

const COLORS: Record<Status, string> = {
  running: '\x1b[32m', // green
  starting: '\x1b[36m', // cyan
  retrying: '\x1b[33m', // yellow
  failed: '\x1b[31m', // red
  stopped: '\x1b[2m', // dim
};
const RESET = '\x1b[0m';

/** Seconds until `time`, as `1.2s`; `-` when there is no time. */
function countdown(time: number | undefined, now: number): string {
  return time === undefined ? '-' : `${(Math.max(0, time - now) / 1000).toFixed(1)}s`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/**
 * The table of `records`: status, failed attempts, countdown to the next attempt, last error,
 * and what the service says about itself (`info`).
 */
export function renderTable(
  records: Iterable<StateRecord>,
  options: { now: number; info: ReadonlyMap<string, string>; color: boolean },
): string[] {
  const header = ['ID', 'KIND', 'STATUS', 'FAILED', 'NEXT IN', 'LAST ERROR', 'INFO'];
  const rows: { cells: string[]; status: Status }[] = [];
  for (const { id, kind, state } of records) {
    const status = statusOf(state);
    rows.push({
      status,
      cells: [
        id,
        kind,
        status,
        String(state.failedAttempts),
        countdown(state.nextAttemptTime, options.now),
        clip(state.error?.message ?? '-', 46),
        clip(options.info.get(id) ?? '-', 60),
      ],
    });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: string[], status?: Status) =>
    cells
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i]!);
        return options.color && status !== undefined && i === 2 ? `${COLORS[status]}${padded}${RESET}` : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...(rows.length === 0 ? ['(no services)'] : rows.map((r) => line(r.cells, r.status)))];
}

/**
 * Where the supervisor writes. On a TTY the table is a footer under the log, erased and
 * redrawn in place with ANSI escapes; elsewhere log lines are printed as they come and the
 * table only when asked for, so the output reads well in a file.
 */
export class Screen {
  readonly #out: NodeJS.WriteStream;
  readonly tty: boolean;
  #footer: string[] = [];

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.tty = out.isTTY === true;
  }

  /** A line of the log. */
  log(line: string): void {
    if (!this.tty) {
      this.#out.write(`${line}\n`);
      return;
    }
    this.#out.write(`${this.#erase()}${line}\n${this.#draw()}`);
  }

  /** The live table (TTY only): replaces the footer in place. */
  footer(lines: string[]): void {
    if (!this.tty) return;
    const erase = this.#erase();
    this.#footer = lines;
    this.#out.write(`${erase}${this.#draw()}`);
  }

  /** The table as lines of the log, to keep a snapshot of it. */
  print(title: string, lines: string[]): void {
    for (const line of [title, ...lines.map((l) => `  ${l}`)]) this.log(line);
  }

  /** Erases the live table. */
  close(): void {
    if (this.tty) this.#out.write(this.#erase());
    this.#footer = [];
  }

  #erase(): string {
    // Up to the first footer line, then clear to the end of the screen.
    return this.#footer.length === 0 ? '' : `\x1b[${this.#footer.length}F\x1b[J`;
  }

  #draw(): string {
    return this.#footer.length === 0 ? '' : `${this.#footer.join('\n')}\n`;
  }
}
