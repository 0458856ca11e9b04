/**
 * Turns the measured figures into the ratios of the goals, the console report, the markdown
 * results block and the chart.
 */
import { goalChart, type ChartRow } from './chart.js';
import { FIGURES, GOALS, INFO, type FigureSpec, type RatioSpec } from './figures.js';
import { median, quantile } from './measure.js';

/** A figure: its median and, when it was sampled in rounds, the value of each round. */
export interface Figure {
  readonly median: number;
  readonly rounds?: readonly number[] | undefined;
  /** Operations per sample, for sampled figures. */
  readonly batch?: number | undefined;
}

export interface Ratio {
  readonly key: string;
  readonly title: string;
  readonly value: number;
  /** Quartiles of the per-round ratios, when the figures were sampled in rounds. */
  readonly spread?: readonly [number, number] | undefined;
}

export interface GoalResult extends Ratio {
  readonly spec: RatioSpec;
  readonly pass: boolean;
  /** value / goal for `<=`, goal / value for `>=`: at most 1 meets the goal. */
  readonly usage: number;
}

export class Results {
  readonly #figures = new Map<string, Figure>();

  set(key: string, figure: Figure): void {
    this.#figures.set(key, figure);
  }

  get(key: string): Figure {
    const figure = this.#figures.get(key);
    if (figure === undefined) throw new Error(`no figure ${key}`);
    return figure;
  }

  /** `numerator / denominator`: the median of per-round ratios when both have rounds. */
  ratio(key: string, title: string, numerator: string, denominator: string | undefined): Ratio {
    const a = this.get(numerator);
    if (denominator === undefined) return { key, title, value: a.median };
    const b = this.get(denominator);
    if (a.rounds === undefined || b.rounds === undefined || a.rounds.length !== b.rounds.length) {
      return { key, title, value: a.median / b.median };
    }
    const perRound = a.rounds.map((value, i) => value / b.rounds![i]!);
    return { key, title, value: median(perRound), spread: [quantile(perRound, 0.25), quantile(perRound, 0.75)] };
  }

  goals(): GoalResult[] {
    return GOALS.map((spec) => {
      const ratio = this.ratio(spec.key, spec.title, spec.numerator, spec.denominator);
      const pass = spec.op === '<=' ? ratio.value <= spec.goal : ratio.value >= spec.goal;
      const usage = spec.op === '<=' ? ratio.value / spec.goal : spec.goal / ratio.value;
      return { ...ratio, spec, pass, usage };
    });
  }

  info(): Ratio[] {
    return INFO.map((spec) => this.ratio(spec.key, spec.title, spec.numerator, spec.denominator));
  }
}

export function formatFigure(spec: FigureSpec, value: number): string {
  switch (spec.unit) {
    case 'ns':
      return `${Math.round(value).toLocaleString('en-US')} ns`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'B':
      return `${Math.round(value)} B`;
  }
}

function formatValue(spec: RatioSpec, value: number): string {
  return spec.denominator === undefined ? `${Math.round(value)} B` : `${value.toFixed(2)}x`;
}

function formatGoal(spec: RatioSpec): string {
  const unit = spec.denominator === undefined ? ' B' : '';
  const aim = spec.aim === undefined ? '' : ` (aim ${spec.aim}${unit})`;
  return `${spec.op === '<=' ? '≤' : '≥'} ${spec.goal}${unit}${aim}`;
}

function formatSpread(ratio: Ratio): string {
  return ratio.spread === undefined ? '' : `${ratio.spread[0].toFixed(2)} to ${ratio.spread[1].toFixed(2)}`;
}

/** The console report: figures, goals with PASS or MISS, information ratios. */
export function consoleReport(results: Results, verbose: boolean): string[] {
  const lines: string[] = ['figures (medians, per operation):'];
  const keyWidth = Math.max(...FIGURES.map((s) => s.key.length));
  const titleWidth = Math.max(...FIGURES.map((s) => s.title.length));
  for (const spec of FIGURES) {
    lines.push(`  ${spec.key.padEnd(keyWidth)}  ${spec.title.padEnd(titleWidth)}  ${formatFigure(spec, results.get(spec.key).median).padStart(11)}`);
  }
  if (verbose) {
    lines.push('', 'rounds (batch: per-round medians):');
    for (const spec of FIGURES) {
      const { rounds, batch } = results.get(spec.key);
      if (rounds !== undefined) lines.push(`  ${spec.key.padEnd(keyWidth)}  ${batch ?? ''}: ${rounds.map((r) => Math.round(r)).join(' ')}`);
    }
  }
  lines.push('', 'goals (ratios: median of per-round ratios, quartiles in brackets):');
  const goals = results.goals();
  const goalKey = Math.max(...goals.map((g) => g.key.length));
  const goalTitle = Math.max(...goals.map((g) => g.title.length));
  for (const g of goals) {
    const spread = formatSpread(g);
    lines.push(
      `  ${g.key.padEnd(goalKey)}  ${g.title.padEnd(goalTitle)}  ${formatValue(g.spec, g.value).padStart(7)}  goal ${formatGoal(g.spec).padEnd(18)}  ${g.pass ? 'PASS' : 'MISS'}${spread ? `  [${spread}]` : ''}`,
    );
  }
  lines.push('', 'information (not goals):');
  const info = results.info();
  const infoKey = Math.max(...info.map((r) => r.key.length));
  const infoTitle = Math.max(...info.map((r) => r.title.length));
  for (const r of info) {
    const spread = formatSpread(r);
    lines.push(`  ${r.key.padEnd(infoKey)}  ${r.title.padEnd(infoTitle)}  ${`${r.value.toFixed(2)}x`.padStart(7)}${spread ? `  [${spread}]` : ''}`);
  }
  return lines;
}

/** The markdown results block (without its markers). */
export function markdownReport(results: Results, header: string): string[] {
  const goals = results.goals();
  return [
    header,
    '',
    '| Goal | Ratio | Goal | Quartiles of rounds | Result |',
    '| --- | ---: | --- | --- | --- |',
    ...goals.map((g) => `| ${g.title} | ${formatValue(g.spec, g.value)} | ${formatGoal(g.spec)} | ${formatSpread(g)} | ${g.pass ? 'pass' : '**MISS**'} |`),
    '',
    '| Figure | What | Median |',
    '| --- | --- | ---: |',
    ...FIGURES.map((s) => `| \`${s.key}\` | ${s.title} | ${formatFigure(s, results.get(s.key).median)} |`),
    '',
    '| For information | Ratio | Quartiles of rounds |',
    '| --- | ---: | --- |',
    ...results.info().map((r) => `| ${r.title} | ${r.value.toFixed(2)}x | ${formatSpread(r)} |`),
  ];
}

/** The chart: each goal's figure as a fraction of its goal. */
export function chartReport(results: Results, title: string, subtitle: string): string {
  const rows: ChartRow[] = results.goals().map((g) => ({
    label: g.spec.short,
    usage: g.usage,
    pass: g.pass,
    note: `${formatValue(g.spec, g.value)}, goal ${formatGoal(g.spec)}`,
  }));
  return goalChart(rows, title, subtitle);
}
