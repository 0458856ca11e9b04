/**
 * Every figure and every ratio the benchmark prints, by a stable key. The smoke test checks
 * that a quick run prints each key, so none can silently disappear.
 *
 * The goals are those of issue 10: each is a ratio to a floor built from bare primitives (see
 * floor.ts), to XState doing the same work, or between two sizes of map, except the heap
 * figures, which are bytes per service.
 */

export type Unit = 'ns' | 'ms' | 'B';

export interface FigureSpec {
  /** Stable name, printed at the start of the figure's line. */
  readonly key: string;
  readonly title: string;
  readonly unit: Unit;
}

export const FIGURES: readonly FigureSpec[] = [
  { key: 'floor.step', title: 'floor: one step (clock, new frozen State, next to 1 subscriber)', unit: 'ns' },
  { key: 'floor.signal', title: 'floor: one signal (new AbortController, .signal, abort(reason))', unit: 'ns' },
  { key: 'floor.startStop', title: 'floor of start()+stop(): 2 steps', unit: 'ns' },
  { key: 'service.startStop', title: 'start() + stop(), 1 subscriber', unit: 'ns' },
  { key: 'floor.startStop.first', title: 'floor of start()+stop(), measured first, before any map', unit: 'ns' },
  { key: 'service.startStop.first', title: 'start() + stop(), measured first, before any map', unit: 'ns' },
  { key: 'floor.fresh', title: 'floor of the fresh cycle: new subject, subscribe, 4 steps, 1 signal', unit: 'ns' },
  { key: 'service.fresh', title: 'fresh cycle: new Service, subscribe, start, configure, stop', unit: 'ns' },
  { key: 'xstate.fresh', title: 'fresh cycle as a new XState v5 actor', unit: 'ns' },
  { key: 'floor.reused', title: 'floor of the reused cycle: 5 steps, 2 signals', unit: 'ns' },
  { key: 'service.reused', title: 'reused cycle: start (reloads), configure, stop', unit: 'ns' },
  { key: 'xstate.reused', title: 'reused cycle on one XState v5 actor', unit: 'ns' },
  { key: 'xstate.reusedInvoke', title: 'the same, each load an invoked callback actor', unit: 'ns' },
  { key: 'map.random.bare.large', title: 'change, random services, large map, no listener', unit: 'ns' },
  { key: 'map.random.listened.large', title: 'change, random services, large map, getAndListenState', unit: 'ns' },
  { key: 'map.random.bare.small', title: 'change, random services, small map, no listener', unit: 'ns' },
  { key: 'map.random.listened.small', title: 'change, random services, small map, getAndListenState', unit: 'ns' },
  { key: 'map.random.states$.large', title: 'change, random services, large map, states$', unit: 'ns' },
  { key: 'map.random.states$.small', title: 'change, random services, small map, states$', unit: 'ns' },
  { key: 'map.random.summary$.large', title: 'change, random services, large map, summary$', unit: 'ns' },
  { key: 'map.random.summary$.small', title: 'change, random services, small map, summary$', unit: 'ns' },
  { key: 'map.walk.bare.large', title: 'change, walk (no change finds its service in cache), large map, no listener', unit: 'ns' },
  { key: 'map.walk.listened.large', title: 'change, walk (no change finds its service in cache), large map, listened', unit: 'ns' },
  { key: 'map.walk.bare.small', title: 'change, walk, small map, no listener', unit: 'ns' },
  { key: 'map.walk.listened.small', title: 'change, walk, small map, listened', unit: 'ns' },
  { key: 'map.ws.bare.large', title: 'change, fixed working set, large map, no listener', unit: 'ns' },
  { key: 'map.ws.listened.large', title: 'change, fixed working set, large map, getAndListenState', unit: 'ns' },
  { key: 'map.ws.bare.small', title: 'change, fixed working set, small map, no listener', unit: 'ns' },
  { key: 'map.ws.listened.small', title: 'change, fixed working set, small map, getAndListenState', unit: 'ns' },
  { key: 'handRolled.random.bare.large', title: 'hand-rolled map (a BehaviorSubject per id): change, random, large map, no listener', unit: 'ns' },
  { key: 'handRolled.random.listened.large', title: 'hand-rolled map: change, random, large map, a subscription per service into one Subject', unit: 'ns' },
  { key: 'handRolled.random.bare.small', title: 'hand-rolled map: change, random, small map, no listener', unit: 'ns' },
  { key: 'handRolled.random.listened.small', title: 'hand-rolled map: change, random, small map, listened', unit: 'ns' },
  { key: 'floorMap.random.bare.large', title: 'floor of a map: change, random, large map, no listener (a step kept on the service)', unit: 'ns' },
  { key: 'floorMap.random.listened.large', title: 'floor of a map: change, random, large map, the record read, 2 records and a change made, 1 call', unit: 'ns' },
  { key: 'floorMap.random.bare.small', title: 'floor of a map: change, random, small map, no listener', unit: 'ns' },
  { key: 'floorMap.random.listened.small', title: 'floor of a map: change, random, small map, listened', unit: 'ns' },
  { key: 'floor.create.large', title: 'floor: Map.set(id, new BehaviorSubject(new frozen State)), large map', unit: 'ms' },
  { key: 'floor.createShared.large', title: 'the same floor with one frozen State shared by all', unit: 'ms' },
  { key: 'map.create.large', title: 'ServiceMap.create() of every service, large map', unit: 'ms' },
  { key: 'map.heap.idle', title: 'heap per idle service, large map', unit: 'B' },
  { key: 'map.heap.listened', title: 'heap per service with a getAndListenState listener', unit: 'B' },
  { key: 'map.heap.changed', title: 'heap per service, listened, after every service changed once', unit: 'B' },
];

export interface RatioSpec {
  readonly key: string;
  readonly title: string;
  /** For the chart: a few words. */
  readonly short: string;
  readonly numerator: string;
  /** A figure key, or `undefined` when the figure itself (bytes) is held to the goal. */
  readonly denominator?: string | undefined;
  readonly op: '<=' | '>=';
  readonly goal: number;
  /** A stricter figure the issue aims for, printed only. */
  readonly aim?: number | undefined;
}

/** The goals of issue 10, all enforced by a full run. */
export const GOALS: readonly RatioSpec[] = [
  { key: 'goal.startStop', title: 'start()+stop() / 2 steps', short: 'start+stop / 2 steps', numerator: 'service.startStop', denominator: 'floor.startStop', op: '<=', goal: 1.2 },
  { key: 'goal.fresh', title: 'fresh cycle / its floor', short: 'fresh cycle / floor', numerator: 'service.fresh', denominator: 'floor.fresh', op: '<=', goal: 1.4 },
  { key: 'goal.reused', title: 'reused cycle / its floor', short: 'reused cycle / floor', numerator: 'service.reused', denominator: 'floor.reused', op: '<=', goal: 1.4 },
  { key: 'goal.xstateFresh', title: 'XState v5 fresh cycle / ours', short: 'XState / ours, fresh', numerator: 'xstate.fresh', denominator: 'service.fresh', op: '>=', goal: 4 },
  { key: 'goal.xstateReused', title: 'XState v5 reused cycle / ours', short: 'XState / ours, reused', numerator: 'xstate.reused', denominator: 'service.reused', op: '>=', goal: 4 },
  { key: 'goal.listened', title: 'listened change / unlistened, random services, large map', short: 'listened / unlistened change', numerator: 'map.random.listened.large', denominator: 'map.random.bare.large', op: '<=', goal: 1.5 },
  { key: 'goal.scale', title: 'listened change, large map / small map, random services', short: 'listened change, large / small', numerator: 'map.random.listened.large', denominator: 'map.random.listened.small', op: '<=', goal: 1.3 },
  { key: 'goal.create', title: 'create() / Map.set(id, new BehaviorSubject(State)), large map', short: 'create / Map.set floor', numerator: 'map.create.large', denominator: 'floor.create.large', op: '<=', goal: 2, aim: 1.5 },
  { key: 'goal.heapIdle', title: 'heap per idle service (ids excluded)', short: 'heap per idle service', numerator: 'map.heap.idle', op: '<=', goal: 300 },
  { key: 'goal.heapListened', title: 'heap per service with a listener', short: 'heap, with a listener', numerator: 'map.heap.listened', op: '<=', goal: 350 },
  { key: 'goal.heapChanged', title: 'heap per service after every service changed once', short: 'heap, after one change each', numerator: 'map.heap.changed', op: '<=', goal: 500 },
];

/** A ratio of two figures printed for information only. */
export interface InfoSpec {
  readonly key: string;
  readonly title: string;
  readonly numerator: string;
  readonly denominator: string;
}

/** Ratios printed for information only. */
export const INFO: readonly InfoSpec[] = [
  { key: 'info.wsListened', title: 'listened / unlistened change, fixed working set, large map', numerator: 'map.ws.listened.large', denominator: 'map.ws.bare.large' },
  { key: 'info.wsScale', title: 'listened change, large / small map, fixed working set', numerator: 'map.ws.listened.large', denominator: 'map.ws.listened.small' },
  { key: 'info.walkListened', title: 'listened / unlistened change, walk, large map', numerator: 'map.walk.listened.large', denominator: 'map.walk.bare.large' },
  { key: 'info.walkScale', title: 'listened change, large / small map, walk', numerator: 'map.walk.listened.large', denominator: 'map.walk.listened.small' },
  { key: 'info.bareScale', title: 'unlistened change, large / small map, random services', numerator: 'map.random.bare.large', denominator: 'map.random.bare.small' },
  { key: 'info.listenedSmall', title: 'listened / unlistened change, random services, small map', numerator: 'map.random.listened.small', denominator: 'map.random.bare.small' },
  { key: 'info.states$', title: 'states$ change / getAndListenState change, random, large map', numerator: 'map.random.states$.large', denominator: 'map.random.listened.large' },
  { key: 'info.states$Scale', title: 'states$ change, large / small map, random services', numerator: 'map.random.states$.large', denominator: 'map.random.states$.small' },
  { key: 'info.summary$', title: 'summary$ change / getAndListenState change, random, large map', numerator: 'map.random.summary$.large', denominator: 'map.random.listened.large' },
  { key: 'info.summary$Scale', title: 'summary$ change, large / small map, random services', numerator: 'map.random.summary$.large', denominator: 'map.random.summary$.small' },
  { key: 'info.handRolledListened', title: 'hand-rolled map: listened / unlistened change, random, large map', numerator: 'handRolled.random.listened.large', denominator: 'handRolled.random.bare.large' },
  { key: 'info.handRolledScale', title: 'hand-rolled map: listened change, large / small map, random', numerator: 'handRolled.random.listened.large', denominator: 'handRolled.random.listened.small' },
  { key: 'info.oursHandRolled', title: 'listened change, ours / the hand-rolled map\'s, random, large map', numerator: 'map.random.listened.large', denominator: 'handRolled.random.listened.large' },
  { key: 'info.floorMapListened', title: 'floor of a map: listened / unlistened change, random, large map (goal.listened at the floor)', numerator: 'floorMap.random.listened.large', denominator: 'floorMap.random.bare.large' },
  { key: 'info.floorMapScale', title: 'floor of a map: listened change, large / small map, random (goal.scale at the floor)', numerator: 'floorMap.random.listened.large', denominator: 'floorMap.random.listened.small' },
  { key: 'info.floorMapBareScale', title: 'floor of a map: unlistened change, large / small map, random', numerator: 'floorMap.random.bare.large', denominator: 'floorMap.random.bare.small' },
  { key: 'info.oursFloorMapBare', title: 'unlistened change, ours / the floor of a map\'s, random, large map', numerator: 'map.random.bare.large', denominator: 'floorMap.random.bare.large' },
  { key: 'info.oursFloorMapListened', title: 'listened change, ours / the floor of a map\'s, random, large map', numerator: 'map.random.listened.large', denominator: 'floorMap.random.listened.large' },
  { key: 'info.xstateFloorReused', title: 'XState v5 reused cycle / its floor (goal.xstateReused at the floor)', numerator: 'xstate.reused', denominator: 'floor.reused' },
  { key: 'info.xstateInvoke', title: 'XState v5 reused cycle, loads as invoked actors / ours', numerator: 'xstate.reusedInvoke', denominator: 'service.reused' },
  { key: 'info.startStopFirst', title: 'start()+stop() / 2 steps, measured before any map ran', numerator: 'service.startStop.first', denominator: 'floor.startStop.first' },
  { key: 'info.createShared', title: 'create() / Map.set(id, new BehaviorSubject(one shared State))', numerator: 'map.create.large', denominator: 'floor.createShared.large' },
  { key: 'info.signalStep', title: 'one signal / one step', numerator: 'floor.signal', denominator: 'floor.step' },
];
