/**
 * How the property tests read their run count and seed from the environment, and how a
 * failure is reported so that it can be replayed.
 *
 * - `FC_NUM_RUNS`: number of random sequences per property (each test file has a small
 *   default, so that `npm test` stays quick; `npm run fuzz` sets 100,000).
 * - `FC_SEED`: the seed to start from (printed with every failure). Without it, a plain
 *   `npm test` (no `FC_NUM_RUNS`) uses a fixed seed, so it checks the same sequences every
 *   time; with `FC_NUM_RUNS` set (as `npm run fuzz` does) the seed is random.
 * - `FC_PATH`: with `FC_SEED`, replays one counterexample (the `path` printed with it).
 * - `FC_REPLAY_PATH`: with both, also replays the shrinking of the command list (the
 *   `replayPath` fast-check prints next to the commands), so the replay shows the same
 *   minimal sequence.
 */
import fc from 'fast-check';

/** Runs per property: `FC_NUM_RUNS`, or `fallback`. */
export function numRuns(fallback: number): number {
  const raw = process.env.FC_NUM_RUNS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`FC_NUM_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** A jest timeout generous enough for `numRuns(fallback)` runs. */
export function timeoutFor(fallback: number, msPerRun = 60): number {
  return 30_000 + numRuns(fallback) * msPerRun;
}

/** Options of `fc.commands`: at most `maxCommands`, and `FC_REPLAY_PATH` when replaying. */
export function commandsOptions(maxCommands: number): { maxCommands: number; size: 'max'; replayPath?: string } {
  const replayPath = process.env.FC_REPLAY_PATH;
  return replayPath ? { maxCommands, size: 'max', replayPath } : { maxCommands, size: 'max' };
}

/** The seed of the quick, default runs of `npm test`. */
export const DEFAULT_SEED = 20_261_127;

function parameters<Ts>(fallback: number): fc.Parameters<Ts> {
  const params: fc.Parameters<Ts> = { numRuns: numRuns(fallback) };
  const seed = process.env.FC_SEED;
  if ((seed === undefined || seed === '') && !process.env.FC_NUM_RUNS) params.seed = DEFAULT_SEED;
  if (seed !== undefined && seed !== '') {
    params.seed = Number(seed);
    const path = process.env.FC_PATH;
    if (path !== undefined && path !== '') {
      params.path = path;
      params.endOnFailure = true;
    }
  }
  return params;
}

/**
 * Checks `property` and, when it fails, throws fast-check's report followed by the exact
 * command that replays the failure.
 * @param testFile - the test file, for the replay command.
 */
export async function assertProperty<Ts>(testFile: string, property: fc.IAsyncProperty<Ts>, fallbackRuns: number): Promise<void> {
  const details = await fc.check(property, parameters<Ts>(fallbackRuns));
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? 'property failed';
  const replayPath = /replayPath="([^"]*)"/.exec(report)?.[1];
  const env = [`FC_SEED=${details.seed}`, `FC_PATH=${details.counterexamplePath ?? ''}`];
  if (replayPath !== undefined) env.push(`FC_REPLAY_PATH='${replayPath}'`);
  const replay = `${env.join(' ')} npx jest ${testFile}`;
  // Printed as well as thrown: a long fuzz run shows it even if the report is cut short.
  console.error(`property failed (seed ${details.seed}); replay with:\n  ${replay}`);
  const cause = details.errorInstance;
  const why = cause instanceof Error ? cause.message : String(cause);
  throw new Error(`${report}\n\nFailure: ${why}\n\nReplay with:\n  ${replay}\n`, { cause });
}
