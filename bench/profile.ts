/**
 * Runs one figure's operation in a loop, for a CPU profile of it:
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts service.cycle [seconds]
 *
 * Any key of a timed figure works (see bench/figures.ts), and `map.create.large`.
 */
import { lifecycleTasks } from './lifecycle.js';
import { buildMap, changeTasks, makeIds } from './map.js';
import type { MicroTask } from './measure.js';

const [key = 'service.cycle', secondsArg = '5'] = process.argv.slice(2);
const seconds = Number(secondsArg);

let task: MicroTask | undefined;
if (key === 'map.create.large' || key === 'map.create.small') {
  const ids = makeIds(key.endsWith('large') ? 100_000 : 1_000);
  task = { key, opsPerSample: ids.length, sample: () => void buildMap(ids) };
} else if (key.startsWith('map.')) {
  const large = key.endsWith('.large');
  task = changeTasks(makeIds(large ? 100_000 : 1_000), large ? 'large' : 'small', large).tasks.find((t) => t.key === key);
} else {
  task = lifecycleTasks(1).find((t) => t.key === key);
}
if (task === undefined) throw new Error(`unknown figure ${key}`);

const end = performance.now() + seconds * 1000;
let ops = 0;
const t0 = performance.now();
while (performance.now() < end) {
  task.sample();
  ops += task.opsPerSample;
}
const ns = ((performance.now() - t0) * 1e6) / ops;
process.stdout.write(`${key}: ${ops} operations, ${ns.toFixed(0)} ns each (mean; slower under a profiler)\n`);
