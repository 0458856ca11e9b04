/**
 * The benchmark suite: `npm run bench` (node --expose-gc --import tsx bench/index.ts).
 *
 * Measures the ratios of issue 10 (each against a floor of bare primitives, XState v5 doing
 * the same work, or a smaller map), prints each next to its goal with PASS or MISS, writes the
 * results block of docs/benchmarks.md and the chart docs/benchmarks.svg, and exits 1 when a
 * goal is missed. See bench/README.md for how it measures.
 *
 * Phases, in this order: the checks that each scenario does what its figure claims;
 * start()+stop() before any map has run (information); heap per service; create; the
 * lifecycle tasks (after the map code has followed services, as in an app that uses both);
 * the map changes.
 *
 * - `BENCH_QUICK=1` (or `--quick`): a smoke run with tiny counts and maps of 200 and 2,000
 *   services; every figure is printed, goals are not enforced, no file is written unless
 *   `BENCH_OUT` names one.
 * - `BENCH_OUT=/some/file.md`: write the results there (and the chart next to it, `.svg`)
 *   instead of docs/; a file without the results markers is replaced by the block alone.
 * - `BENCH_WRITE=0` (or `--no-write`): write no file.
 * - `BENCH_NO_FAIL=1`: report missed goals but exit 0.
 * - `BENCH_LIB=src`: measure the sources through tsx instead of the built package (dist/cjs);
 *   `BENCH_LIB=path/to/cjs/index.js`: any CommonJS build of it.
 * - `BENCH_VERBOSE=1`: also print each timed figure's batch size and per-round medians.
 * - `BENCH_CLOCK=wall`: time with the wall clock instead of the CPU time of the process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { floorFresh, floorReused, floorSignal, floorStartStop, floorStep } from './floor.js';
import { libSource } from './lib.js';
import { checkParity, checkService, serviceFresh, serviceReused, serviceStartStop } from './lifecycle.js';
import { changeTasks, createTimes, floorMapTasks, handRolledTasks, heapPerService, makeIds } from './map.js';
import { clockName, median, runInterleaved, type RunOptions } from './measure.js';
import { chartReport, consoleReport, markdownReport, Results } from './report.js';
import { checkXState, xstateFresh, xstateReused } from './xstate.js';
import { xstateReusedInvoke } from './xstateInvoke.js';

const argv = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1' || argv.includes('--quick');
const noWrite = process.env.BENCH_WRITE === '0' || argv.includes('--no-write');
const out = process.env.BENCH_OUT || undefined;
const enforce = !quick && process.env.BENCH_NO_FAIL !== '1';
const root = path.resolve(__dirname, '..');
const mdPath = noWrite || (quick && out === undefined) ? undefined : path.resolve(out ?? path.join(root, 'docs/benchmarks.md'));

const SMALL = quick ? 200 : 1_000;
const LARGE = quick ? 2_000 : 100_000;

const lifecycleRun: RunOptions = quick
  ? { rounds: 3, samples: 2, sampleMs: 0.3, warmupMs: 2 }
  : { rounds: 25, samples: 7, sampleMs: 4, warmupMs: 150 };
const mapRun: RunOptions = quick
  ? { rounds: 3, samples: 2, sampleMs: 0.3, warmupMs: 2 }
  : { rounds: 25, samples: 5, sampleMs: 4, warmupMs: 100 };
const createRounds = quick ? 2 : 11;
const heapRepeats = quick ? 1 : 3;

const cpus = os.cpus();
const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const loadBefore = os.loadavg()[0]!;
const n = (count: number) => count.toLocaleString('en-US');

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}
function progress(text: string): void {
  process.stderr.write(`  ... ${text}\n`);
}

log(`rx-lifecycle benchmark${quick ? ' (QUICK: smoke run, small counts, goals not enforced)' : ''}`);
log(`machine: ${machine}`);
log(`library: ${libSource === 'src' ? 'src/ through tsx' : libSource}; maps: small ${n(SMALL)}, large ${n(LARGE)} services; timed by ${clockName}; load average before: ${loadBefore.toFixed(2)}`);
log();

const started = performance.now();
const results = new Results();

checkService();
checkXState();
checkParity();

// start()+stop() before any map has run, for information: once services followed by a map
// have gone through the same code, its call sites see more kinds of objects.
progress('start()+stop() before any map');
const first = runInterleaved([floorStartStop('floor.startStop.first'), serviceStartStop('service.startStop.first')], {
  ...lifecycleRun,
  rounds: Math.ceil(lifecycleRun.rounds / 2),
});
for (const [key, m] of first) results.set(key, m);

// Heap and create first, from a heap with nothing else in it.
const largeIds = makeIds(LARGE);
const smallIds = makeIds(SMALL);
progress(`heap per service, ${heapRepeats} map(s) of ${n(LARGE)}`);
const heap = heapPerService(largeIds, heapRepeats);
results.set('map.heap.idle', { median: heap.idle });
results.set('map.heap.listened', { median: heap.listened });
results.set('map.heap.changed', { median: heap.changed });

progress(`create: ${createRounds} rounds of ${n(LARGE)} services, floor and ServiceMap`);
const create = createTimes(largeIds, createRounds);
results.set('floor.create.large', { median: median(create.floor), rounds: create.floor });
results.set('floor.createShared.large', { median: median(create.floorShared), rounds: create.floorShared });
results.set('map.create.large', { median: median(create.create), rounds: create.create });

progress(`lifecycle: ${lifecycleRun.rounds} interleaved rounds`);
const lifecycle = runInterleaved(
  [floorStep(), floorSignal(), floorStartStop(), serviceStartStop(), floorFresh(), serviceFresh(), xstateFresh(), floorReused(), serviceReused(), xstateReused(), xstateReusedInvoke()],
  { ...lifecycleRun, onRound: (r) => (r + 1) % 5 === 0 && progress(`lifecycle round ${r + 1}/${lifecycleRun.rounds}`) },
);
for (const [key, m] of lifecycle) results.set(key, m);

progress('building the maps');
const small = changeTasks(smallIds, 'small');
const large = changeTasks(largeIds, 'large');
const handRolled = [...handRolledTasks(largeIds, 'large'), ...handRolledTasks(smallIds, 'small')];
const floorMap = [...floorMapTasks(largeIds, 'large'), ...floorMapTasks(smallIds, 'small')];
progress(`map changes: ${mapRun.rounds} interleaved rounds`);
const changes = runInterleaved([...large.tasks, ...small.tasks, ...handRolled, ...floorMap], {
  ...mapRun,
  onRound: (r) => (r + 1) % 5 === 0 && progress(`map round ${r + 1}/${mapRun.rounds}`),
});
small.check();
large.check();
for (const [key, m] of changes) results.set(key, m);
small.dispose();
large.dispose();

const elapsed = (performance.now() - started) / 1000;
const loadAfter = os.loadavg()[0]!;

for (const line of consoleReport(results, process.env.BENCH_VERBOSE === '1')) log(line);
log();
log(`done in ${elapsed.toFixed(1)} s; load average before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)} (${cpus.length} cores)`);

if (mdPath !== undefined) {
  const date = new Date().toISOString().slice(0, 10);
  const header = `Run of ${date} on ${machine}; library from ${libSource === 'src' ? '`src/` through tsx' : libSource}; maps of ${n(SMALL)} and ${n(LARGE)} services; timed by ${clockName}; ${elapsed.toFixed(0)} s; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`;
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const block = [begin, '', ...markdownReport(results, header), '', end].join('\n');
  let md: string;
  try {
    md = readFileSync(mdPath, 'utf8');
  } catch {
    md = '';
  }
  const at = md.indexOf(begin);
  const until = md.indexOf(end);
  md = at >= 0 && until > at ? md.slice(0, at) + block + md.slice(until + end.length) : `${block}\n`;
  writeFileSync(mdPath, md);
  const svgPath = mdPath.replace(/\.md$/, '') + '.svg';
  writeFileSync(svgPath, chartReport(results, 'rx-lifecycle: each goal of issue 10, figure / goal', `${machine}; ${date}`));
  log(`wrote ${path.relative(process.cwd(), mdPath) || mdPath} and ${path.relative(process.cwd(), svgPath) || svgPath}`);
}

const missed = results.goals().filter((g) => !g.pass);
if (missed.length > 0) {
  log(`${missed.length} goal(s) missed: ${missed.map((g) => g.key).join(', ')}${enforce ? '' : ' (not enforced)'}`);
  if (enforce) process.exitCode = 1;
} else {
  log('every goal met');
}
