/**
 * @jest-environment jsdom
 *
 * Runs the React example of docs/ui.md (examples/react.tsx) in jsdom.
 */
import '../react/domGlobals';
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { Service, ServiceMap } from 'rx-lifecycle';
import { ServiceStatus, Services, service } from './examples/react';

describe('the React example of docs/ui.md', () => {
  it('should show the map and the service, and follow their changes', () => {
    const map = new ServiceMap(() => new Service(() => {}));
    map.create('web', 'http');
    const container = document.createElement('div');
    const root = createRoot(container);
    act(() =>
      root.render(
        <>
          <Services source={map} />
          <ServiceStatus />
        </>,
      ),
    );
    const text = () => [...container.querySelectorAll('p, li, output')].map((e) => e.textContent);
    expect(text()).toEqual(['0/1 active', 'web: stopped', 'stopped']);
    act(() => {
      map.get('web')!.service.start();
      map.create('db', 'sql');
      service.configure('{}');
      service.start();
    });
    expect(text()).toEqual(['1/2 active', 'db: stopped', 'web: running', 'running']);
    act(() => void map.delete('web'));
    expect(text()).toEqual(['0/1 active', 'db: stopped', 'running']);
    act(() => root.unmount());
  });
});
