/** States, records and changes are made by constructors (for speed), yet are plain objects. */
import { isDeepStrictEqual } from 'node:util';
import { Service, ServiceMap, type Change, type StateChange } from 'rx-lifecycle';
import { NEW } from '../properties/serviceModel';

/** `value` is a plain object: Object.prototype, constructor Object, equal to its own literal copy. */
function expectPlain(value: object): void {
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  expect(value.constructor).toBe(Object);
  expect(value).toStrictEqual({ ...value });
  expect(isDeepStrictEqual(value, { ...value })).toBe(true);
}

/** A new service's State at time 7, every key in the spec's order (the property model's). */
const NEW_STATE = { ...NEW, lastInactiveTime: 7 };

describe('objects made on every change', () => {
  it('should make States that are plain, frozen objects with every field, in one order', () => {
    const service = new Service(() => {}, { now: () => 7 });
    const states = [service.state, service.configure('{}'), service.start(), service.stop()];
    for (const state of states) {
      expectPlain(state);
      expect(structuredClone(state)).toStrictEqual({ ...state });
      expect(Object.isFrozen(state)).toBe(true);
      expect(Object.keys(state)).toEqual(Object.keys(NEW_STATE));
    }
    expect(states[0]).toStrictEqual(NEW_STATE);
  });

  it('should make plain records and changes, in getAndListenState() and listen()', () => {
    const map = new ServiceMap(() => new Service(() => {}), undefined, { now: () => 9 });
    const [snapshot, changes$] = map.getAndListenState();
    const stateChanges: StateChange[] = [];
    const recordChanges: Change[] = [];
    changes$.subscribe((c) => stateChanges.push(c));
    map.listen().subscribe((c) => recordChanges.push(c));
    map.create('a', 'worker');
    const { service } = map.get('a')!;
    service.start();
    map.delete('a');
    expect(snapshot).toEqual([]);
    expect(stateChanges.map((c) => c.changeType)).toEqual(['add', 'update', 'update', 'remove']); // delete stops it first
    expect(recordChanges.map((c) => c.changeType)).toEqual(['add', 'remove']);
    for (const change of [...stateChanges, ...recordChanges]) {
      expectPlain(change);
      expect(Object.keys(change)).toEqual(['changeTime', 'changeType', 'oldValue', 'newValue']);
    }
    for (const change of stateChanges) {
      for (const record of [change.oldValue, change.newValue]) {
        if (record === undefined) continue;
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect(Object.keys(record)).toEqual(['id', 'kind', 'service', 'state']);
        expect(record).toStrictEqual({ id: 'a', kind: 'worker', service, state: record.state });
      }
    }
    expect(map.states()).toEqual([]);
  });
});
