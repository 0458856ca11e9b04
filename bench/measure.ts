/**
 * Interleaved measurement with tinybench. Every task runs in every round, in a rotated order,
 * so that drift of the machine (other processes, thermal state, heap growth) spreads over all
 * tasks instead of landing on whichever ran last. One sample is one batch of operations,
 * timed as a whole and divided by its size (so a sample of an 80 ns operation is not timer
 * noise). A task's figure is the median, over rounds, of the round's median sample.
 */
import { Bench } from 'tinybench';

export interface MicroTask {
  readonly key: string;
  /** Operations that one call of `sample` performs. */
  readonly opsPerSample: number;
  /** Performs exactly `opsPerSample` operations. */
  readonly sample: () => void;
}

export interface RunOptions {
  readonly rounds: number;
  /** Time budget per task and round, ms. */
  readonly timeMs: number;
  /** Warm-up per task and round, ms. */
  readonly warmupMs: number;
  /** Minimum samples per task and round. */
  readonly minSamples: number;
  readonly onRound?: ((round: number) => void) | undefined;
}

export interface Measured {
  /** Median time per operation, ns. */
  readonly median: number;
  /** Per-round medians, ns. */
  readonly rounds: readonly number[];
  /** Samples taken over all rounds. */
  readonly samples: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function runInterleaved(tasks: readonly MicroTask[], options: RunOptions): Map<string, Measured> {
  const perRound = new Map<string, number[]>(tasks.map((t) => [t.key, []]));
  const samples = new Map<string, number>(tasks.map((t) => [t.key, 0]));
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.timeMs,
      iterations: options.minSamples,
      warmup: true,
      warmupTime: options.warmupMs,
      warmupIterations: 2,
      throws: true,
    });
    const shift = round % tasks.length;
    const order = [...tasks.slice(shift), ...tasks.slice(0, shift)];
    for (const task of order) {
      const { sample, opsPerSample } = task;
      bench.add(task.key, () => {
        const t0 = performance.now();
        sample();
        const elapsed = performance.now() - t0;
        return { overriddenDuration: elapsed / opsPerSample, overriddenIterationCost: elapsed };
      });
    }
    for (const task of bench.runSync()) {
      const result = task.result;
      if (result.state !== 'completed') {
        throw new Error(`${task.name}: ${result.state === 'errored' ? result.error.message : result.state}`);
      }
      perRound.get(task.name)!.push(result.latency.p50 * 1e6); // ms -> ns
      samples.set(task.name, samples.get(task.name)! + result.latency.samplesCount);
    }
    options.onRound?.(round);
  }
  const out = new Map<string, Measured>();
  for (const task of tasks) {
    const rounds = perRound.get(task.key)!;
    out.set(task.key, { median: median(rounds), rounds, samples: samples.get(task.key)! });
  }
  return out;
}
