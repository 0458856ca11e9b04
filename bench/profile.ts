/**
 * Runs one figure's operation in a loop, for a CPU profile of it:
 *
 *   node --expose-gc --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile.ts service.fresh [seconds]
 *
 * Any timed figure of bench/figures.ts works (`floor.*`, `service.*`, `xstate.*`,
 * `map.random.*`, `map.ws.*`), and `map.create.large`.
 */
import { floorFresh, floorReused, floorSignal, floorStartStop, floorStep } from './floor.js';
import { serviceFresh, serviceReused, serviceStartStop } from './lifecycle.js';
import { buildMap, changeTasks, makeIds } from './map.js';
import type { MicroTask } from './measure.js';
import { xstateFresh, xstateReused } from './xstate.js';
import { xstateReusedInvoke } from './xstateInvoke.js';

const [key = 'service.fresh', secondsArg = '5'] = process.argv.slice(2);
const seconds = Number(secondsArg);

let task: MicroTask | undefined;
if (key === 'map.create.large') {
  const ids = makeIds(100_000);
  task = { key, run: () => void buildMap(ids) };
} else if (key.startsWith('map.')) {
  const label = key.endsWith('.large') ? 'large' : 'small';
  task = changeTasks(makeIds(label === 'large' ? 100_000 : 1_000), label).tasks.find((t) => t.key === key);
} else {
  const tasks = [floorStep, floorSignal, floorStartStop, serviceStartStop, floorFresh, serviceFresh, xstateFresh, floorReused, serviceReused, xstateReused, xstateReusedInvoke];
  task = tasks.map((make) => make()).find((t) => t.key === key);
}
if (task === undefined) throw new Error(`unknown figure ${key}`);

const batch = key === 'map.create.large' ? 1 : 1024 * (task.granule ?? 1);
const end = performance.now() + seconds * 1000;
let ops = 0;
const t0 = performance.now();
while (performance.now() < end) {
  task.run(batch);
  ops += batch;
}
const ns = ((performance.now() - t0) * 1e6) / ops;
process.stdout.write(`${key}: ${ops} operations, ${ns.toFixed(0)} ns each (mean; slower under a profiler)\n`);
