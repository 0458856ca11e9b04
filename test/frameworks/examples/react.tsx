import { memo, useSyncExternalStore } from 'react';
import { Service, statusOf, toExternalStore, type ServiceStates } from 'rx-lifecycle';
import { useServiceState, useServiceStates, useServiceSummary } from 'rx-lifecycle/react';

export function Services({ source }: { source: ServiceStates }) {
  const { active, total } = useServiceSummary(source);
  const records = useServiceStates(source);
  return (
    <section>
      <p>{`${active}/${total} active`}</p>
      <ul>
        {[...records.keys()].sort().map((id) => (
          <Row key={id} source={source} id={id} />
        ))}
      </ul>
    </section>
  );
}

// memo: a row renders again only when its own State changes, not when others do
const Row = memo(function Row({ source, id }: { source: ServiceStates; id: string }) {
  const state = useServiceState(source, id);
  return <li>{`${id}: ${state ? statusOf(state) : 'gone'}`}</li>;
});

// A single Service: make its store once, outside the component
export const service = new Service(() => {});
const serviceStore = toExternalStore(service.state$);

export function ServiceStatus() {
  const state = useSyncExternalStore(serviceStore.subscribe, serviceStore.getSnapshot);
  return <output>{statusOf(state)}</output>;
}
