/**
 * Interleaved sampling. Every task runs in every round, and within a round the tasks take
 * turns sample by sample (A B C A B C ...), in an order rotated from round to round, so that
 * drift of the machine (other processes, thermal state, heap growth) lands on all tasks alike
 * and a ratio of two tasks compares samples taken milliseconds apart.
 *
 * A sample is a batch of operations, calibrated to last about `sampleMs`, timed as a whole and
 * divided by its size. Time is the CPU time of the process (user + system, from
 * `process.cpuUsage()`), not the wall clock: on a shared machine a sample that loses the CPU
 * to another process would otherwise count the other process's time (`BENCH_CLOCK=wall`
 * times with `performance.now()` instead). Before each sample the young generation is
 * collected (a forced minor GC, not timed), so that the scavenges a sample pays for are those
 * its own allocations cause, not the garbage of the task before it.
 *
 * A task's figure is the median over rounds of the round's median sample; a ratio of two tasks
 * is the median over rounds of the ratio of their round medians.
 */
export interface MicroTask {
  readonly key: string;
  /** Performs `n` operations (the unit of the figure: a cycle, a change, ...). */
  readonly run: (n: number) => void;
  /** Operations must come in multiples of this (e.g. 2 for start+stop pairs). Default 1. */
  readonly granule?: number;
}

export interface RunOptions {
  readonly rounds: number;
  /** Samples per task and round. */
  readonly samples: number;
  /** Target duration of one sample, ms. */
  readonly sampleMs: number;
  /** Untimed warm-up per task before the first round, ms. */
  readonly warmupMs: number;
  readonly onRound?: ((round: number) => void) | undefined;
}

export interface Measured {
  /** Median over rounds of the round medians, ns per operation. */
  readonly median: number;
  /** Round medians, ns per operation, in round order. */
  readonly rounds: readonly number[];
  /** Operations per sample. */
  readonly batch: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value below which `q` (0..1) of `values` lie, by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

type Collect = (options?: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

function collector(): Collect {
  const gc = (globalThis as { gc?: Collect }).gc;
  if (gc === undefined) throw new Error('the benchmark needs node --expose-gc');
  return gc;
}

/** Collects the whole heap, twice (the second pass frees what finalizers released). */
export function fullGC(): void {
  const gc = collector();
  gc();
  gc();
}

function processClock(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * The benchmark's clock, ms: the CPU time of the process (user + system), or the wall clock
 * with `BENCH_CLOCK=wall`. (The main thread's own CPU time would leave out the compiler and
 * GC threads, but Node 20 has no precise reading of it: Linux's schedstat moves by ticks.)
 */
export const clock: () => number = process.env.BENCH_CLOCK === 'wall' ? () => performance.now() : processClock;

/** What `clock` measures, in words. */
export const clockName: string = process.env.BENCH_CLOCK === 'wall' ? 'wall time' : 'CPU time of the process';

function timeRun(task: MicroTask, n: number, minor: Collect): number {
  minor({ type: 'minor' });
  const t0 = clock();
  task.run(n);
  return clock() - t0;
}

/**
 * Operations per sample so that a sample lasts about `sampleMs`. Each trial is the median of
 * three runs, so that one run that met a major GC cannot shrink the batch.
 */
function calibrate(task: MicroTask, sampleMs: number, gc: Collect): number {
  const granule = task.granule ?? 1;
  const trial = (n: number) => median([timeRun(task, n, gc), timeRun(task, n, gc), timeRun(task, n, gc)]);
  const scale = (n: number, elapsed: number) => Math.max(1, Math.round((n * sampleMs) / Math.max(elapsed, 1e-3) / granule)) * granule;
  let n = granule;
  let elapsed = trial(n);
  while (elapsed < sampleMs / 4 && n < 1 << 24) {
    n *= 4;
    elapsed = trial(n);
  }
  // Rescale until a trial lands within a factor of 1.5 of the target (JIT and GC can mislead
  // one trial), at most four times.
  for (let i = 0; i < 4; i++) {
    n = scale(n, elapsed);
    elapsed = trial(n);
    if (elapsed > sampleMs / 1.5 && elapsed < sampleMs * 1.5) break;
  }
  return n;
}

export function runInterleaved(tasks: readonly MicroTask[], options: RunOptions): Map<string, Measured> {
  const gc = collector();
  const batches = new Map<string, number>();
  for (const task of tasks) {
    const end = performance.now() + options.warmupMs;
    do task.run(task.granule ?? 1);
    while (performance.now() < end);
    batches.set(task.key, calibrate(task, options.sampleMs, gc));
  }

  const perRound = new Map<string, number[]>(tasks.map((t) => [t.key, []]));
  for (let round = 0; round < options.rounds; round++) {
    const shift = round % tasks.length;
    const order = [...tasks.slice(shift), ...tasks.slice(0, shift)];
    const samples = new Map<string, number[]>(tasks.map((t) => [t.key, []]));
    for (let s = 0; s < options.samples; s++) {
      for (const task of order) {
        const n = batches.get(task.key)!;
        samples.get(task.key)!.push((timeRun(task, n, gc) * 1e6) / n);
      }
    }
    for (const task of tasks) perRound.get(task.key)!.push(median(samples.get(task.key)!));
    options.onRound?.(round);
  }

  const out = new Map<string, Measured>();
  for (const task of tasks) {
    const rounds = perRound.get(task.key)!;
    out.set(task.key, { median: median(rounds), rounds, batch: batches.get(task.key)! });
  }
  return out;
}

/** The median over rounds of `a`'s round median divided by `b`'s. */
export function roundRatio(a: Measured, b: Measured): number {
  if (a.rounds.length !== b.rounds.length) throw new Error('ratio of figures from different runs');
  return median(a.rounds.map((value, i) => value / b.rounds[i]!));
}
