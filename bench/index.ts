/**
 * The benchmark suite: `npm run bench` (node --expose-gc --import tsx bench/index.ts).
 *
 * Prints every figure with its ratio to the floor or to the alternative, checks the budgets,
 * writes docs/benchmarks.svg and the results block of docs/benchmarks.md, and exits non-zero
 * when a budget is missed.
 *
 * - `BENCH_QUICK=1` (or `--quick`): a smoke run with tiny iteration counts and 1,000-service
 *   maps only; budgets are printed but not enforced, and no file is written.
 * - `BENCH_WRITE=0` (or `--no-write`): a full run that writes no file.
 * - `BENCH_LIB=src`: measure the sources through tsx instead of the built package (dist/cjs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { budgetChart, type ChartRow } from './chart.js';
import { BUDGETS, FIGURES, type FigureSpec } from './figures.js';
import { checkLifecycle, lifecycleTasks } from './lifecycle.js';
import { libSource } from './lib.js';
import { changeTasks, createTime, heapPerService, makeIds } from './map.js';
import { runInterleaved, type RunOptions } from './measure.js';

const argv = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1' || argv.includes('--quick');
const write = !quick && process.env.BENCH_WRITE !== '0' && !argv.includes('--no-write');
const root = path.resolve(path.dirname(process.argv[1] ?? 'bench/index.ts'), '..');

const SMALL = 1_000;
const LARGE = quick ? 1_000 : 100_000;

const lifecycleRun: RunOptions = quick
  ? { rounds: 2, timeMs: 2, warmupMs: 1, minSamples: 2 }
  : { rounds: 20, timeMs: 80, warmupMs: 15, minSamples: 5 };
const mapRun: RunOptions = quick
  ? { rounds: 2, timeMs: 2, warmupMs: 1, minSamples: 2 }
  : { rounds: 12, timeMs: 80, warmupMs: 15, minSamples: 5 };
const batchScale = quick ? 0.05 : 1;
const createRepeats = quick ? 1 : { small: 15, large: 7 };

// ---------------------------------------------------------------------------------------
// Machine

const cpus = os.cpus();
const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const loadBefore = os.loadavg()[0]!;

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}
function progress(text: string): void {
  process.stderr.write(`  ... ${text}\n`);
}

log(`rx-lifecycle benchmark${quick ? ' (QUICK: smoke run, 1,000-service maps, budgets not enforced, no files written)' : ''}`);
log(`machine: ${machine}`);
log(`library: ${libSource === 'src' ? 'src/ through tsx' : libSource}; maps: small ${SMALL.toLocaleString('en-US')}, large ${LARGE.toLocaleString('en-US')} services; load average before: ${loadBefore.toFixed(2)}`);
log();

// ---------------------------------------------------------------------------------------
// Measurements

const started = performance.now();
const figures = new Map<string, number>();

checkLifecycle();

// Heap and create time first, from a heap with nothing else in it.
progress('heap per service and create time');
const largeIds = makeIds(LARGE);
const smallIds = makeIds(SMALL);
createTime(smallIds, 3); // warms up the code paths of create
const heap = heapPerService(largeIds);
figures.set('map.heap.idle', heap.idle);
figures.set('map.heap.listened', heap.listened);
figures.set('map.create.small', createTime(smallIds, typeof createRepeats === 'number' ? createRepeats : createRepeats.small));
figures.set('map.create.large', createTime(largeIds, typeof createRepeats === 'number' ? createRepeats : createRepeats.large));

// The floor, the lifecycle and XState, interleaved, with a small heap.
progress(`lifecycle: ${lifecycleRun.rounds} interleaved rounds`);
const lifecycle = runInterleaved(lifecycleTasks(batchScale), {
  ...lifecycleRun,
  onRound: (r) => (r + 1) % 5 === 0 && progress(`lifecycle round ${r + 1}/${lifecycleRun.rounds}`),
});
for (const [key, m] of lifecycle) figures.set(key, m.median);

// Changes in the small and the large map, interleaved.
progress('building the maps');
const small = changeTasks(smallIds, 'small', false);
const large = changeTasks(largeIds, 'large', true);
small.check();
large.check();
progress(`map changes: ${mapRun.rounds} interleaved rounds`);
const changes = runInterleaved([...small.tasks, ...large.tasks], {
  ...mapRun,
  onRound: (r) => (r + 1) % 4 === 0 && progress(`map round ${r + 1}/${mapRun.rounds}`),
});
for (const [key, m] of changes) figures.set(key, m.median);
small.dispose();
large.dispose();

const elapsed = (performance.now() - started) / 1000;
const loadAfter = os.loadavg()[0]!;

// ---------------------------------------------------------------------------------------
// Report

const f = (key: string): number => {
  const value = figures.get(key);
  if (value === undefined) throw new Error(`no figure ${key}`);
  return value;
};

const step = f('floor.step');
const abort = f('floor.abort');
const twoSteps = 2 * step;
const cycleFloor = 3 * step + abort;
const cycle = f('service.cycle');
const bare = { small: f('map.change.bare.small'), large: f('map.change.bare.large') };
const listened = { small: f('map.change.listened.small'), large: f('map.change.listened.large') };

const x = (n: number) => `${n.toFixed(2)}x`;
const notes: Record<string, string> = {
  'floor.step': 'the unit: one timestamped publication',
  'floor.abort': `= ${x(abort / step)} floor step`,
  'service.startStop': `= ${x(f('service.startStop') / twoSteps)} two floor steps (budget 3x)`,
  'service.cycle': `= ${x(cycle / cycleFloor)} (3 floor steps + 1 AbortController) (budget 2x)`,
  'xstate.cycle': `XState / ours = ${x(f('xstate.cycle') / cycle)} (budget >= 3x)`,
  'xstate.cycleNoSignal': `XState / ours = ${x(f('xstate.cycleNoSignal') / cycle)}`,
  'service.cycleReused': `= ${x(f('service.cycleReused') / cycle)} the fresh cycle (two loads, two AbortControllers)`,
  'map.create.small': `${Math.round((f('map.create.small') * 1e6) / SMALL)} ns per service`,
  'map.create.large': `${Math.round((f('map.create.large') * 1e6) / LARGE)} ns per service (budget 120 ms per 100,000)`,
  'map.heap.idle': `at ${LARGE.toLocaleString('en-US')} services (budget 600 B)`,
  'map.heap.listened': `+${Math.round(heap.listened - heap.idle)} B for the listener (budget 900 B)`,
  'map.change.bare.small': 'the transition alone (no listener)',
  'map.change.bare.large': `= ${x(bare.large / bare.small)} small map`,
  'map.change.listened.small': `= ${x(listened.small / bare.small)} the transition; listener overhead ${x((listened.small - bare.small) / bare.small)}`,
  'map.change.listened.large': `= ${x(listened.large / listened.small)} small map (budget 2x); ${x(listened.large / bare.large)} the transition; overhead ${x((listened.large - bare.large) / bare.large)} (budget 1.5x)`,
  'map.change.random.large': `= ${x(f('map.change.random.large') / listened.large)} the working-set figure (cache misses)`,
  'map.states$.small': `= ${x(f('map.states$.small') / listened.small)} a plain listener`,
  'map.states$.large': `= ${x(f('map.states$.large') / f('map.states$.small'))} small map`,
  'map.summary$.small': `= ${x(f('map.summary$.small') / listened.small)} a plain listener`,
  'map.summary$.large': `= ${x(f('map.summary$.large') / f('map.summary$.small'))} small map`,
};

function format(spec: FigureSpec, value: number): string {
  switch (spec.unit) {
    case 'ns':
      return `${Math.round(value).toLocaleString('en-US')} ns`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'B':
      return `${Math.round(value)} B`;
  }
}

log('figures (medians):');
const keyWidth = Math.max(...FIGURES.map((s) => s.key.length));
const titleWidth = Math.max(...FIGURES.map((s) => s.title.length));
for (const spec of FIGURES) {
  log(`  ${spec.key.padEnd(keyWidth)}  ${spec.title.padEnd(titleWidth)}  ${format(spec, f(spec.key)).padStart(10)}  ${notes[spec.key] ?? ''}`);
}
log();

interface BudgetResult {
  readonly key: string;
  readonly title: string;
  readonly short: string;
  readonly figure: string;
  readonly limit: string;
  readonly usage: number;
  readonly pass: boolean;
}

const createPer100k = (f('map.create.large') * 100_000) / LARGE;
const ratioXState = f('xstate.cycle') / cycle;
const overhead = (listened.large - bare.large) / bare.large;
const budgetValues: Record<string, { figure: string; limit: string; usage: number }> = {
  'budget.startStop': { figure: `${Math.round(f('service.startStop'))} ns`, limit: `${Math.round(3 * twoSteps)} ns`, usage: f('service.startStop') / (3 * twoSteps) },
  'budget.cycle': { figure: `${Math.round(cycle)} ns`, limit: `${Math.round(2 * cycleFloor)} ns`, usage: cycle / (2 * cycleFloor) },
  'budget.xstate': { figure: `${x(ratioXState)}`, limit: '>= 3.00x', usage: 3 / ratioXState },
  'budget.changeScale': { figure: `${Math.round(listened.large)} ns`, limit: `${Math.round(2 * listened.small)} ns`, usage: listened.large / (2 * listened.small) },
  'budget.changeOverhead': { figure: `${Math.round(listened.large - bare.large)} ns`, limit: `${Math.round(1.5 * bare.large)} ns`, usage: overhead / 1.5 },
  'budget.heapIdle': { figure: `${Math.round(heap.idle)} B`, limit: '600 B', usage: heap.idle / 600 },
  'budget.heapListened': { figure: `${Math.round(heap.listened)} B`, limit: '900 B', usage: heap.listened / 900 },
  'budget.create': { figure: `${createPer100k.toFixed(1)} ms`, limit: '120 ms', usage: createPer100k / 120 },
};
const budgets: BudgetResult[] = BUDGETS.map((b) => {
  const v = budgetValues[b.key]!;
  return { key: b.key, title: b.title, short: b.short, ...v, pass: v.usage <= 1 };
});

log(`budgets${quick ? ' (quick mode: NOT enforced, and the large map is only 1,000 services)' : ''}:`);
const budgetKeyWidth = Math.max(...budgets.map((b) => b.key.length));
const budgetTitleWidth = Math.max(...budgets.map((b) => b.title.length));
for (const b of budgets) {
  log(`  ${b.key.padEnd(budgetKeyWidth)}  ${b.title.padEnd(budgetTitleWidth)}  ${(b.pass ? 'pass' : 'FAIL').padEnd(4)}  ${b.figure} vs ${b.limit} (${(b.usage * 100).toFixed(0)}% of budget)`);
}
log(
  `  (other reading of "change <= 1.5x the transition": listened / bare = ${x(listened.large / bare.large)} at the large map, ${x(listened.small / bare.small)} at the small one; not enforced)`,
);
log();
log(`done in ${elapsed.toFixed(1)} s; load average before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)} (${cpus.length} cores)`);

const failed = budgets.filter((b) => !b.pass);

// ---------------------------------------------------------------------------------------
// Files

if (write) {
  const rows: ChartRow[] = budgets.map((b) => ({
    label: b.short,
    usage: b.usage,
    pass: b.pass,
    note: `${b.figure} vs ${b.limit}`,
  }));
  const svg = budgetChart(rows, 'rx-lifecycle: each budget, figure / limit', `${machine}; ${new Date().toISOString().slice(0, 10)}`);
  writeFileSync(path.join(root, 'docs/benchmarks.svg'), svg);

  const mdPath = path.join(root, 'docs/benchmarks.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  let md: string | undefined;
  try {
    md = readFileSync(mdPath, 'utf8');
  } catch {
    md = undefined;
  }
  if (md !== undefined && md.includes(begin) && md.includes(end)) {
    const block = [
      begin,
      '',
      `Run of ${new Date().toISOString().slice(0, 10)} on ${machine}; library from ${libSource === 'src' ? '`src/` through tsx' : libSource}; ${elapsed.toFixed(0)} s; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`,
      '',
      '| Figure | What | Median | Ratio |',
      '| --- | --- | ---: | --- |',
      ...FIGURES.map((s) => `| \`${s.key}\` | ${s.title} | ${format(s, f(s.key))} | ${notes[s.key] ?? ''} |`),
      '',
      '| Budget | Figure | Limit | Share of budget | Result |',
      '| --- | ---: | ---: | ---: | --- |',
      ...budgets.map((b) => `| ${b.title} | ${b.figure} | ${b.limit} | ${(b.usage * 100).toFixed(0)}% | ${b.pass ? 'pass' : '**FAIL**'} |`),
      '',
      `The other reading of "change <= 1.5x the transition", listened / bare, is ${x(listened.large / bare.large)} at 100,000 services (not enforced).`,
      '',
      end,
    ].join('\n');
    md = md.slice(0, md.indexOf(begin)) + block + md.slice(md.indexOf(end) + end.length);
    writeFileSync(mdPath, md);
    log('wrote docs/benchmarks.svg and the results of docs/benchmarks.md');
  } else {
    log('wrote docs/benchmarks.svg (docs/benchmarks.md has no results markers)');
  }
}

if (!quick && failed.length > 0) {
  log(`${failed.length} budget(s) missed: ${failed.map((b) => b.key).join(', ')}`);
  process.exitCode = 1;
}
