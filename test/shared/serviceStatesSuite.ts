/**
 * One behaviour suite of `ServiceStates`, run against anything that mirrors a `ServiceMap`:
 * the map itself, a `RemoteServiceMap` over HTTP, a NATS fleet. The suite drives the backing
 * map directly and checks that the source under test shows the same records, the same change
 * sequences and the same stream values, and the values the spec asks for.
 *
 * A harness factory gets the CreateFunc of the backing map (the suite decides the kinds) and
 * returns the source, the backing map, `settle()` (resolves once the source shows every
 * change made to the map so far) and `close()`.
 */
import { firstValueFrom, type Observable, type Subscription } from 'rxjs';
import {
  Service,
  ServiceMap,
  statusOf,
  type CreateFunc,
  type ServiceMapSummary,
  type ServiceStates,
  type State,
  type StateChange,
  type StateRecordBase,
} from 'rx-lifecycle';

/** What the suite needs from one way of mirroring a map. */
export interface StatesHarness {
  /** The source under test. */
  readonly states: ServiceStates;
  /** The map behind it, driven by the suite. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly map: ServiceMap<any>;
  /** Resolves once `states` shows every change made to `map` so far. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Makes a harness whose backing map is built with `create`. */
export type HarnessFactory = (create: CreateFunc) => Promise<StatesHarness>;

/** The kinds of the suite: `ok` applies at once; `bad` fails every apply (no retry). */
export const suiteCreate: CreateFunc = (_id, kind) => {
  if (kind === 'ok') return new Service(() => {});
  if (kind === 'bad') {
    return new Service(() => {
      throw new Error('boom');
    });
  }
  throw new Error(`unknown kind ${kind}`);
};

/** A State as the suite compares it: the wire-visible fields, no config. */
export function stateKey(state: State<unknown> | undefined): string {
  if (state === undefined) return 'absent';
  const { active, loading, failedAttempts, error } = state;
  const times = [state.lastInactiveTime, state.lastActiveTime, state.lastErrorTime, state.lastConfigTime, state.lastLoadingStartTime, state.lastLoadingEndTime, state.nextAttemptTime];
  return JSON.stringify({ active, loading, failedAttempts, error: error && [error.name, error.message], times });
}

/** A change as the suite compares it. */
export function changeKey(change: StateChange<StateRecordBase>): string {
  const record = (change.newValue ?? change.oldValue)!;
  return `${change.changeType} ${record.id} ${record.kind} ${stateKey(change.newValue?.state ?? change.oldValue?.state)}`;
}

/** The records as the suite compares them, sorted by id. */
export function recordsKey(records: Iterable<StateRecordBase>): string[] {
  return [...records].map((r) => `${r.id} ${r.kind} ${stateKey(r.state)}`).sort();
}

function summaryKey(summary: ServiceMapSummary): string {
  const { total, active, loading, retrying, failed, byKind } = summary;
  return JSON.stringify({ total, active, loading, retrying, failed, byKind: Object.entries(byKind).sort() });
}

function keep<T>(source: Observable<T>, subscriptions: Subscription[]): T[] {
  const values: T[] = [];
  subscriptions.push(source.subscribe((v) => values.push(v)));
  return values;
}

/** Runs the suite under `describe(name)`. */
export function serviceStatesSuite(name: string, factory: HarnessFactory): void {
  describe(`ServiceStates: ${name}`, () => {
    let h: StatesHarness;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      h = await factory(suiteCreate);
    });

    afterEach(async () => {
      for (const s of subscriptions.splice(0)) s.unsubscribe();
      await h.close();
    });

    it('should show the same records as the map, with States rebuilt frozen and with every key', async () => {
      h.map.create('a', 'ok', { active: true, config: '{}' });
      h.map.create('b', 'ok');
      h.map.create('c', 'bad', { active: true, config: '{}' });
      await h.settle();
      expect(recordsKey(h.states.states())).toEqual(recordsKey(h.map.states()));
      const c = h.states.states().find((r) => r.id === 'c')!;
      expect(Object.isFrozen(c.state)).toBe(true);
      expect(Object.keys(c.state).sort()).toEqual(Object.keys(h.map.get('c')!.service.state).sort());
      expect(statusOf(c.state)).toBe('failed');
      expect(c.state.error).toBeInstanceOf(Error);
      expect(c.state.error!.message).toBe('boom');
    });

    it('should deliver the same change sequence as the map, in order', async () => {
      const truth: string[] = [];
      subscriptions.push(h.map.getAndListenState()[1].subscribe((c) => truth.push(changeKey(c))));
      const [initial, changes] = h.states.getAndListenState();
      expect(initial).toEqual([]);
      const log: string[] = [];
      subscriptions.push(changes.subscribe((c) => log.push(changeKey(c))));
      h.map.create('a', 'ok', { active: true });
      h.map.get('a')!.service.configure('{"n":1}');
      h.map.create('b', 'bad');
      h.map.get('b')!.service.configure('{}');
      h.map.get('b')!.service.start();
      h.map.get('a')!.service.stop();
      h.map.delete('a');
      h.map.delete('b');
      h.map.create('a', 'ok');
      await h.settle();
      expect(log).toEqual(truth);
      const kinds = log.map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(kinds[0]).toBe('add a');
      expect(kinds).toContain('add b');
      // stop a, then deletes of stopped services (no update), then the re-create
      expect(kinds.slice(-4)).toEqual(['update a', 'remove a', 'remove b', 'add a']);
      expect(log.some((l) => l.startsWith('update b') && l.includes('boom'))).toBe(true);
    });

    it('should follow one id with stateOf$ across delete and re-create', async () => {
      const truth = keep(h.map.stateOf$('x'), subscriptions);
      const seen = keep(h.states.stateOf$('x'), subscriptions);
      expect(seen).toEqual([undefined]);
      h.map.create('x', 'ok', { active: true });
      h.map.delete('x');
      h.map.create('x', 'ok');
      await h.settle();
      expect(seen.map(stateKey)).toEqual(truth.map(stateKey));
      expect(seen.map((s) => (s === undefined ? 'absent' : statusOf(s)))).toEqual(['absent', 'running', 'stopped', 'absent', 'stopped']);
    });

    it('should emit states$ and summary$ at once, then follow the map', async () => {
      const views = keep(h.states.states$, subscriptions);
      const summaries = keep(h.states.summary$, subscriptions);
      expect(views).toHaveLength(1);
      expect(views[0]!.size).toBe(0);
      expect(summaries.map(summaryKey)).toEqual([summaryKey({ total: 0, active: 0, loading: 0, retrying: 0, failed: 0, byKind: {} })]);
      h.map.create('a', 'ok', { active: true });
      h.map.create('b', 'bad', { active: true, config: '{}' });
      await h.settle();
      const last = views[views.length - 1]!;
      expect(recordsKey(last.values())).toEqual(recordsKey(h.map.states()));
      expect(last.get('a')?.kind).toBe('ok');
      expect(last.has('zz')).toBe(false);
      const truth = await firstValueFrom(h.map.summary$);
      expect(summaryKey(summaries[summaries.length - 1]!)).toEqual(summaryKey(truth));
      expect(summaryKey(truth)).toBe(summaryKey({ total: 2, active: 1, loading: 0, retrying: 0, failed: 1, byKind: { ok: 1, bad: 1 } }));
      // summary$ emits only when it changes: two adds, one State change of b at most
      expect(summaries.length).toBeLessThanOrEqual(4);
      for (let i = 1; i < summaries.length; i++) expect(summaryKey(summaries[i]!)).not.toBe(summaryKey(summaries[i - 1]!));
    });

    it('should keep the same State object while a record does not change', async () => {
      h.map.create('a', 'ok', { active: true });
      h.map.create('b', 'ok');
      await h.settle();
      const before = h.states.states().find((r) => r.id === 'a')!.state;
      h.map.get('b')!.service.start();
      await h.settle();
      expect(h.states.states().find((r) => r.id === 'a')!.state).toBe(before);
    });
  });
}

/** A harness over the map itself: the reference every other harness must match. */
export const localHarness: HarnessFactory = async (create) => {
  const map = new ServiceMap(create, undefined);
  return { states: map, map, settle: async () => {}, close: async () => {} };
};
