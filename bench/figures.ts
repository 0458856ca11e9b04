/**
 * Every figure the benchmark prints, by a stable key. The smoke test checks that a quick run
 * prints each key, so a figure cannot silently disappear.
 */

export type Unit = 'ns' | 'ms' | 'B';

export interface FigureSpec {
  /** Stable name, printed at the start of the figure's line. */
  readonly key: string;
  readonly title: string;
  readonly unit: Unit;
  /** Budgeted figures are enforced; the others are information. */
  readonly budgeted: boolean;
}

export const FIGURES: readonly FigureSpec[] = [
  { key: 'floor.step', title: 'floor step: Date.now() + BehaviorSubject.next (1 subscriber)', unit: 'ns', budgeted: true },
  { key: 'floor.abort', title: 'floor: new AbortController, read signal, abort()', unit: 'ns', budgeted: true },
  { key: 'service.startStop', title: 'start() + stop(), 1 subscriber, default clock', unit: 'ns', budgeted: true },
  { key: 'service.cycle', title: 'cycle on a fresh Service: new, subscribe, start, configure (sync apply), stop', unit: 'ns', budgeted: true },
  { key: 'xstate.cycle', title: 'same cycle as a fresh XState v5 actor (with AbortController)', unit: 'ns', budgeted: true },
  { key: 'xstate.cycleNoSignal', title: 'same XState cycle without an AbortController', unit: 'ns', budgeted: false },
  { key: 'service.cycleReused', title: 'start, configure, stop on one reused Service (2 loads)', unit: 'ns', budgeted: false },
  { key: 'map.create.small', title: 'ServiceMap: create all services, small map', unit: 'ms', budgeted: false },
  { key: 'map.create.large', title: 'ServiceMap: create all services, large map', unit: 'ms', budgeted: true },
  { key: 'map.heap.idle', title: 'heap per idle service, large map', unit: 'B', budgeted: true },
  { key: 'map.heap.listened', title: 'heap per service with a getAndListenState listener, large map', unit: 'B', budgeted: true },
  { key: 'map.change.bare.small', title: 'change (start or stop), no listener, small map', unit: 'ns', budgeted: false },
  { key: 'map.change.bare.large', title: 'change (start or stop), no listener, large map', unit: 'ns', budgeted: true },
  { key: 'map.change.listened.small', title: 'change delivered to a getAndListenState listener, small map', unit: 'ns', budgeted: true },
  { key: 'map.change.listened.large', title: 'change delivered to a getAndListenState listener, large map', unit: 'ns', budgeted: true },
  { key: 'map.change.random.large', title: 'change delivered, random services of the large map', unit: 'ns', budgeted: false },
  { key: 'map.states$.small', title: 'change through states$, small map', unit: 'ns', budgeted: false },
  { key: 'map.states$.large', title: 'change through states$, large map', unit: 'ns', budgeted: false },
  { key: 'map.summary$.small', title: 'change through summary$, small map', unit: 'ns', budgeted: false },
  { key: 'map.summary$.large', title: 'change through summary$, large map', unit: 'ns', budgeted: false },
];

export type FigureKey = (typeof FIGURES)[number]['key'];

/** Every budget of the issue, by a stable key; the smoke test checks these are printed too. */
export const BUDGETS: readonly { readonly key: string; readonly title: string; readonly short: string }[] = [
  { key: 'budget.startStop', title: 'start+stop <= 3 x two floor steps', short: 'start+stop ≤ 3× two floor steps' },
  { key: 'budget.cycle', title: 'cycle <= 2 x (three floor steps + one AbortController)', short: 'cycle ≤ 2× (3 floor steps + 1 AbortController)' },
  { key: 'budget.xstate', title: 'XState cycle / our cycle >= 3', short: 'XState / ours ≥ 3 (bar: 3 / ratio)' },
  { key: 'budget.changeScale', title: 'change at large map <= 2 x change at small map', short: 'change at 100k ≤ 2× change at 1k' },
  { key: 'budget.changeOverhead', title: 'listener overhead (listened - bare) <= 1.5 x bare transition, large map', short: 'listener overhead ≤ 1.5× the transition' },
  { key: 'budget.heapIdle', title: 'heap per idle service <= 600 B', short: 'heap per idle service ≤ 600 B' },
  { key: 'budget.heapListened', title: 'heap per listened service <= 900 B', short: 'heap per listened service ≤ 900 B' },
  { key: 'budget.create', title: 'creating 100,000 services <= 120 ms', short: '100,000 creates ≤ 120 ms' },
];
