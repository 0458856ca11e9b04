import { Service, ServiceMap, idIsRequired, statusOf, type State } from 'rx-lifecycle';

describe('ServiceMap.stateOf$', () => {
  const make = () => new ServiceMap(() => new Service(() => {}), idIsRequired);
  const watch = (map: ServiceMap<Service<unknown>>, id: string) => {
    const seen: (State | undefined)[] = [];
    const subscription = map.stateOf$(id).subscribe((s) => seen.push(s));
    return { seen, subscription, words: () => seen.map((s) => (s === undefined ? 'absent' : statusOf(s))) };
  };

  it('should deliver the current State at once, undefined while there is no such record', () => {
    const map = make();
    map.create('a', 'k', { active: true });
    expect(watch(map, 'a').seen).toEqual([map.get('a')!.service.state]);
    expect(watch(map, 'b').seen).toEqual([undefined]);
  });

  it('should follow the id across delete and re-create', () => {
    const map = make();
    const w = watch(map, 'a');
    map.create('a', 'k', { active: true });
    map.delete('a');
    map.create('a', 'k');
    expect(w.words()).toEqual(['absent', 'running', 'stopped', 'absent', 'stopped']);
    expect(w.seen[4]).toBe(map.get('a')!.service.state);
  });

  it('should deliver only the changes of its own id, once each', () => {
    const map = make();
    map.create('a', 'k');
    map.create('b', 'k');
    const w = watch(map, 'a');
    map.get('b')!.service.start();
    map.get('b')!.service.stop();
    expect(w.seen).toHaveLength(1);
    map.get('a')!.service.start();
    expect(w.words()).toEqual(['stopped', 'running']);
  });

  it('should share one listener of the map between its subscribers and release it after the last', () => {
    const map = make();
    map.create('a', 'k');
    const service = map.get('a')!.service;
    const one = watch(map, 'a');
    const two = watch(map, 'a');
    service.start();
    expect(one.words()).toEqual(['stopped', 'running']);
    expect(two.words()).toEqual(['stopped', 'running']);
    one.subscription.unsubscribe();
    service.stop();
    expect(one.seen).toHaveLength(2);
    expect(two.seen).toHaveLength(3);
    two.subscription.unsubscribe();
    // Nobody follows the service any more: a change reaches no stateOf$ subscriber.
    service.start();
    expect(two.seen).toHaveLength(3);
  });
});
