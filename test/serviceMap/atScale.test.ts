/** ServiceMap: every stream keeps up with 100,000 services. */
import { Service, ServiceMap, idIsRequired, type ServiceMapSummary, type StateChange, type StateRecord } from 'rx-lifecycle';
import { recount } from '../helpers/serviceMap';

describe('ServiceMap', () => {
  describe('at scale', () => {
    it('should deliver every change of 100,000 services to each stream', () => {
      const n = 100_000;
      const kinds = ['k0', 'k1', 'k2', 'k3'];
      const map = new ServiceMap(() => new Service(() => {}), idIsRequired);
      for (let i = 0; i < n / 2; i++) map.create(String(i), kinds[i % 4]!);

      const [snapshot, changes$] = map.getAndListenState();
      let adds = 0;
      let updates = 0;
      let lastUpdate: StateChange | undefined;
      changes$.subscribe((c) => {
        if (c.changeType === 'add') adds++;
        else if (c.changeType === 'update') {
          updates++;
          lastUpdate = c;
        }
      });
      let stateEmissions = 0;
      let lastStates: ReadonlyMap<string, StateRecord> | undefined;
      let firstStates: ReadonlyMap<string, StateRecord> | undefined;
      map.states$.subscribe((m) => {
        stateEmissions++;
        firstStates ??= m;
        lastStates = m;
      });
      let summaryEmissions = 0;
      let lastSummary: ServiceMapSummary | undefined;
      map.summary$.subscribe((s) => {
        summaryEmissions++;
        lastSummary = s;
      });

      for (let i = n / 2; i < n; i++) map.create(String(i), kinds[i % 4]!);
      for (let i = 0; i < n; i++) map.get(String(i))!.service.start();

      expect(snapshot).toHaveLength(n / 2);
      expect(adds).toBe(n / 2);
      expect(updates).toBe(n);
      expect(lastUpdate?.newValue?.id).toBe(String(n - 1));
      expect(stateEmissions).toBe(1 + n / 2 + n);
      expect(firstStates!.size).toBe(n / 2);
      expect(lastStates!.size).toBe(n);
      let active = 0;
      for (const r of lastStates!.values()) if (r.state.active) active++;
      expect(active).toBe(n);
      expect(lastStates!.get('12345')?.state).toBe(map.get('12345')!.service.state);
      expect(summaryEmissions).toBe(1 + n / 2 + n);
      expect(lastSummary).toEqual({
        total: n,
        active: n,
        loading: 0,
        retrying: 0,
        failed: 0,
        byKind: { k0: n / 4, k1: n / 4, k2: n / 4, k3: n / 4 },
      });
      expect(lastSummary).toEqual(recount(map.states()));
    });
  });
});
