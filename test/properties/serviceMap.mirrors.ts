/**
 * The checks of test/properties/serviceMap.property.test.ts, after every step: every mirror of
 * the map (the replay of `getAndListenState()` and `getAndListen()`, the last `states$` and
 * `summary$`, the last `stateOf$`) equals `values()`/`states()` and the model, each id at most
 * once; every update moves a record to the very next State its service published; a Lifecycle
 * that is not a Service is followed by one subscription while anyone listens to States.
 */
import type { Lifecycle, State, StateRecord } from 'rx-lifecycle';
import { Wrapped, fail, recount, sameContent, sortKinds } from './mapLifecycles';
import { FOLLOWED_ID, type Listener, type Made, type MapHarness } from './serviceMap.harness';

/**
 * The index of `state` among the States `made`'s service published, after `after`: by
 * identity, or for a Lifecycle that copies its States, the next one with the same content.
 */
/** Two States of `service` are the same: the same object, or for one that copies, the same content. */
function same(h: MapHarness, service: Lifecycle, a: State, b: State): boolean {
  return a === b || (madeFor(h, service).copying && sameContent(a, b));
}

/** For a copying Lifecycle: an index `i` whose State has `a`'s content while `i + 1` has `b`'s. */
function nextTo(made: Made, a: State, b: State): number | undefined {
  for (let i = 0; i + 1 < made.published.length; i++) {
    if (sameContent(made.published[i]!, a) && sameContent(made.published[i + 1]!, b)) return i;
  }
  return undefined;
}

function indexOf(made: Made, state: State, after: number): number | undefined {
  const known = made.index.get(state);
  if (known !== undefined || !made.copying) return known;
  for (let i = after + 1; i < made.published.length; i++) if (sameContent(made.published[i]!, state)) return i;
  return undefined;
}

/** Replays a listener's events in order, strictly. */
function drain(h: MapHarness, l: Listener): void {
  for (const change of l.pending) {
    const id = (change.newValue ?? change.oldValue)?.id;
    if (id === undefined) fail(`a ${change.changeType} change without a record`);
    const current = l.replay.get(id);
    const where = `${l.kind} listener, ${change.changeType} of ${id}`;
    switch (change.changeType) {
      case 'add':
        if (current !== undefined) fail(`${where}: the id is already there (repeated)`);
        if (change.oldValue !== undefined || change.newValue === undefined) fail(`${where}: wrong values`);
        l.replay.set(id, change.newValue);
        break;
      case 'update': {
        if (l.kind !== 'state') fail(`${where}: listen() must not publish updates`);
        if (current === undefined) fail(`${where}: the id is not there`);
        const oldValue = change.oldValue as StateRecord | undefined;
        const newValue = change.newValue as StateRecord | undefined;
        if (oldValue === undefined || newValue === undefined) fail(`${where}: wrong values`);
        if (!same(h, newValue.service, oldValue.state, (current as StateRecord).state)) fail(`${where}: oldValue is not the last State seen`);
        const made = madeFor(h, newValue.service);
        let from = indexOf(made, oldValue.state, -1);
        // A copying Lifecycle's States are told apart by content only, and a service can go back
        // to a State of the same content (configure the same config in the same millisecond):
        // then any place where the old content is followed directly by the new one will do.
        if (made.copying) from = nextTo(made, oldValue.state, newValue.state) ?? from;
        const to = from === undefined ? undefined : indexOf(made, newValue.state, from);
        // A Lifecycle that is not a Service cannot say which States its stream has not
        // delivered yet: when the map stopped following it for a delete in this step (which
        // publishes the State it is in), an update may skip States still queued in it.
        const unknowable = newValue.service instanceof Wrapped && h.unfollowed.has(id);
        if (from === undefined || to === undefined || (unknowable ? to <= from : to !== from + 1)) {
          fail(`${where}: went from State #${from} to #${to} of the service (missed or repeated States)`);
        }
        l.replay.set(id, newValue);
        break;
      }
      case 'remove': {
        if (current === undefined) fail(`${where}: the id is not there`);
        if (change.newValue !== undefined || change.oldValue === undefined) fail(`${where}: wrong values`);
        if (l.kind === 'state') {
          if (!same(h, change.oldValue.service, (change.oldValue as StateRecord).state, (current as StateRecord).state)) fail(`${where}: oldValue is not the last State seen`);
        } else if (change.oldValue !== current) {
          fail(`${where}: oldValue is not the record that was added`);
        }
        l.replay.delete(id);
        break;
      }
    }
  }
  l.pending.length = 0;
}

function madeFor(h: MapHarness, service: Lifecycle): Made {
  const made = h.made.find((m) => m.service === service);
  if (made === undefined) fail('a record holds a service the factory never made');
  return made;
}

/** Every mirror of the map against `values()`/`states()` and the model, after a step. */
export function verifyMirrors(h: MapHarness): void {
  if (h.violations.length > 0) fail(h.violations.join('; '));
  const values = h.map.values();
  const ids = values.map((r) => r.id);
  if (new Set(ids).size !== ids.length) fail(`values() holds an id twice: [${ids.join(', ')}]`);
  if (ids.join(',') !== h.ids.join(',')) fail(`values() holds [${ids.join(', ')}], the model [${h.ids.join(', ')}]`);
  for (const r of values) {
    if (r.kind !== h.kinds.get(r.id) || r.service !== h.services.get(r.id)) fail(`the record of ${r.id} changed`);
  }
  const states = h.map.states();
  states.forEach((r, i) => {
    if (r.id !== ids[i] || r.service !== values[i]!.service) fail('states() and values() disagree');
    if (!same(h, r.service, r.state, r.service.state)) {
      fail(`states() has an old State for ${r.id}`);
    }
  });

  const tracking = h.listeners.some((l) => l.active && l.kind !== 'records');
  for (const l of h.listeners) drain(h, l); // also what an unsubscribed listener got before it left
  h.unfollowed.clear();
  for (const l of h.listeners) {
    if (!l.active) continue;
    switch (l.kind) {
      case 'state':
      case 'records': {
        const replayIds = [...l.replay.keys()];
        if (replayIds.join(',') !== ids.join(',')) {
          fail(`a ${l.kind} listener's snapshot and events replay to [${replayIds.join(', ')}], the map holds [${ids.join(', ')}]`);
        }
        states.forEach((r, i) => {
          const seen = l.replay.get(r.id)!;
          if (seen.service !== r.service || seen.kind !== r.kind) fail(`a ${l.kind} listener has another record for ${r.id}`);
          if (l.kind === 'state' && !same(h, r.service, (seen as StateRecord).state, r.state)) {
            fail(`a state listener's replay has an old State for ${r.id}`);
          }
          if (l.kind === 'records' && seen !== values[i]) fail(`a records listener's replay has another record for ${r.id}`);
        });
        break;
      }
      case 'states$': {
        const last = l.views[l.views.length - 1];
        if (last === undefined) fail('states$ emitted nothing on subscription');
        if (last.size !== states.length) fail(`states$ last emitted ${last.size} records, the map holds ${states.length}`);
        for (const r of states) {
          const seen = last.get(r.id);
          if (seen === undefined || seen.service !== r.service || !same(h, r.service, seen.state, r.state)) fail(`states$ is out of date for ${r.id}`);
        }
        for (let i = 1; i < l.views.length; i++) {
          const before = l.viewCopies[i - 1]!;
          const after = l.viewCopies[i]!;
          const keys = new Set([...before.keys(), ...after.keys()]);
          const changed = [...keys].filter((k) => before.get(k) !== after.get(k));
          if (changed.length !== 1) fail(`states$ emission ${i} changed ${changed.length} records (once per change expected)`);
        }
        l.views.splice(0, l.views.length - 1);
        l.viewCopies.splice(0, l.viewCopies.length - 1);
        break;
      }
      case 'stateOf$': {
        const last = l.stateOf[l.stateOf.length - 1];
        const record = states.find((r) => r.id === FOLLOWED_ID);
        if (l.stateOf.length === 0) fail('stateOf$ emitted nothing on subscription');
        const agrees = record === undefined ? last === undefined : last !== undefined && same(h, record.service, last, record.state);
        if (!agrees) fail(`stateOf$('${FOLLOWED_ID}') last emitted another State than states() holds`);
        for (let i = 1; i < l.stateOf.length; i++) if (l.stateOf[i] === l.stateOf[i - 1]) fail('stateOf$ emitted the same State twice');
        l.stateOf.splice(0, l.stateOf.length - 1);
        break;
      }
      case 'summary$': {
        const last = l.summaries[l.summaries.length - 1];
        if (last === undefined) fail('summary$ emitted nothing on subscription');
        const expected = recount(states);
        if (JSON.stringify(sortKinds(last)) !== JSON.stringify(expected)) {
          fail(`summary$ says ${JSON.stringify(sortKinds(last))}, a recount ${JSON.stringify(expected)}`);
        }
        for (let i = 1; i < l.summaries.length; i++) {
          if (JSON.stringify(sortKinds(l.summaries[i]!)) === JSON.stringify(sortKinds(l.summaries[i - 1]!))) {
            fail('summary$ emitted an unchanged summary');
          }
        }
        l.summaries.splice(0, l.summaries.length - 1);
        break;
      }
    }
  }

  // A Lifecycle that is not a Service: one subscription while States are listened to.
  for (const m of h.made) {
    if (!(m.service instanceof Wrapped)) continue;
    const inMap = h.services.get(m.id) === m.service;
    const expected = inMap && tracking ? 1 : 0;
    if (m.service.subscriptions !== expected) {
      fail(`${m.id} (${inMap ? 'in the map' : 'not in the map'}) has ${m.service.subscriptions} subscriptions, expected ${expected}`);
    }
  }
}

/** At the end: every map states$ emitted is still what it was. */
export function finalCheck(h: MapHarness): void {
  for (const l of h.listeners) {
    l.views.forEach((view, i) => {
      const copy = l.viewCopies[i]!;
      if (view.size !== copy.size || [...copy].some(([k, v]) => view.get(k) !== v)) fail('an emitted states$ map changed afterwards');
    });
  }
}
