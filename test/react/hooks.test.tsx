/** @jest-environment jsdom */
import './domGlobals';
import { StrictMode, act, memo, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { BehaviorSubject } from 'rxjs';
import { Service, ServiceMap, statusOf, type ServiceStates } from 'rx-lifecycle';
import { useConnection, useServiceState, useServiceStates, useServiceSummary } from 'rx-lifecycle/react';
import { countingStates } from './countingStates';

/** Renders per component key, counted by the components themselves. */
let renders: Record<string, number> = {};
const rendered = (key: string) => (renders[key] = (renders[key] ?? 0) + 1);

const Row = memo(function Row({ source, id }: { source: ServiceStates; id: string }) {
  rendered(`row:${id}`);
  const state = useServiceState(source, id);
  return (
    <tr data-id={id}>
      <td data-field="status">{state === undefined ? 'absent' : statusOf(state)}</td>
    </tr>
  );
});

function Table({ source }: { source: ServiceStates }) {
  rendered('table');
  const records = useServiceStates(source);
  return (
    <table>
      <tbody>
        {[...records.keys()].sort().map((id) => (
          <Row key={id} source={source} id={id} />
        ))}
      </tbody>
    </table>
  );
}

function Summary({ source }: { source: ServiceStates }) {
  rendered('summary');
  const { active, total } = useServiceSummary(source);
  return <p data-field="summary">{`${active}/${total}`}</p>;
}

function newMap() {
  return new ServiceMap(() => new Service(() => {}));
}

describe('rx-lifecycle/react', () => {
  let container: HTMLDivElement;
  let root: Root;
  const mount = (node: ReactNode) => act(() => root.render(node));
  const text = (selector: string) => container.querySelector(selector)?.textContent;

  let errors: jest.SpyInstance;

  beforeEach(() => {
    // React reports misuse (a getSnapshot that is not cached, bad nesting) with console.error.
    errors = jest.spyOn(console, 'error');
    renders = {};
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    expect(errors.mock.calls).toEqual([]);
    errors.mockRestore();
  });

  describe('useServiceState', () => {
    it('should re-render a row only when its own id changes', () => {
      const map = newMap();
      map.create('a', 'worker');
      map.create('b', 'worker');
      map.create('c', 'worker');
      mount(<Table source={map} />);
      expect(text('tr[data-id="b"] [data-field=status]')).toBe('stopped');
      const before = { ...renders };

      act(() => {
        map.get('a')!.service.start(); // another row changes
        map.create('d', 'worker'); // a row is added
        map.delete('c'); // a row is removed
      });
      expect(renders['row:b']).toBe(before['row:b']);
      expect(renders['row:a']).toBe(before['row:a']! + 1);
      expect(text('tr[data-id="a"] [data-field=status]')).toBe('running');
      expect(container.querySelector('tr[data-id="c"]')).toBeNull();

      act(() => map.get('b')!.service.start());
      expect(renders['row:b']).toBe(before['row:b']! + 1);
      expect(text('tr[data-id="b"] [data-field=status]')).toBe('running');
    });

    it('should follow an id that is absent, then created, then deleted', () => {
      const map = newMap();
      map.create('other', 'worker');
      mount(
        <table>
          <tbody>
            <Row source={map} id="x" />
          </tbody>
        </table>,
      );
      expect(text('[data-field=status]')).toBe('absent');
      const start = renders['row:x']!;

      act(() => map.get('other')!.service.start());
      expect(renders['row:x']).toBe(start);

      act(() => map.create('x', 'worker', { active: true }));
      expect(text('[data-field=status]')).toBe('running');
      act(() => map.delete('x'));
      expect(text('[data-field=status]')).toBe('absent');
    });

    it('should share one subscription per id, and release it on unmount', () => {
      const map = newMap();
      map.create('a', 'worker');
      const [source, open] = countingStates(map);
      mount(
        <table>
          <tbody>
            <Row source={source} id="a" />
            <Row source={source} id="a" />
            <Row source={source} id="b" />
          </tbody>
        </table>,
      );
      expect(open.stateOf).toEqual({ a: 1, b: 1 });
      act(() => map.get('a')!.service.start());
      expect(container.querySelectorAll('[data-field=status]')[1]!.textContent).toBe('running');
      // re-rendering the rows does not resubscribe them
      mount(
        <table>
          <tbody>
            <Row source={source} id="a" />
            <Row source={source} id="b" />
          </tbody>
        </table>,
      );
      expect(open.stateOf).toEqual({ a: 1, b: 1 });
      mount(<p>empty</p>);
      expect(open.stateOf).toEqual({ a: 0, b: 0 });
    });
  });

  describe('useServiceStates', () => {
    it('should return the current map of records and re-render on each change', () => {
      const map = newMap();
      map.create('a', 'worker');
      mount(<Table source={map} />);
      expect(container.querySelectorAll('tr')).toHaveLength(1);
      const tables = renders['table']!;
      act(() => map.create('b', 'worker'));
      expect([...container.querySelectorAll('tr')].map((tr) => tr.dataset['id'])).toEqual(['a', 'b']);
      act(() => map.get('b')!.service.start());
      expect(renders['table']).toBe(tables + 2);
    });

    it('should work for any ServiceStates, sharing one subscription between components', () => {
      const map = newMap();
      const [source, open] = countingStates(map);
      mount(
        <>
          <Table source={source} />
          <Table source={source} />
        </>,
      );
      expect(open.states).toBe(1);
      act(() => map.create('a', 'worker', { active: true }));
      expect(container.querySelectorAll('tr[data-id="a"]')).toHaveLength(2);
      mount(<p>empty</p>);
      expect(open.states).toBe(0);
    });
  });

  describe('useServiceSummary', () => {
    it('should re-render only when summary$ emits', () => {
      const map = newMap();
      map.create('a', 'worker');
      mount(<Summary source={map} />);
      expect(text('[data-field=summary]')).toBe('0/1');
      const start = renders['summary']!;

      act(() => void map.get('a')!.service.configure('{"v":1}')); // a State change with the same counts
      expect(renders['summary']).toBe(start);

      act(() => void map.get('a')!.service.start());
      expect(text('[data-field=summary]')).toBe('1/1');
      expect(renders['summary']).toBe(start + 1);
    });
  });

  describe('useConnection', () => {
    it('should return the latest connection$ value', () => {
      const connection$ = new BehaviorSubject({ status: 'connecting', clockOffset: 0 });
      function Badge() {
        rendered('badge');
        return <span data-field="connection">{useConnection({ connection$ }).status}</span>;
      }
      const remote = { connection$ };
      function Stable() {
        rendered('badge');
        return <span data-field="connection">{useConnection(remote).status}</span>;
      }
      mount(<Stable />);
      expect(text('[data-field=connection]')).toBe('connecting');
      act(() => connection$.next({ status: 'live', clockOffset: 12 }));
      expect(text('[data-field=connection]')).toBe('live');
      expect(renders['badge']).toBe(2);
      mount(<Badge />);
      expect(text('[data-field=connection]')).toBe('live');
    });
  });

  it('should throw a TypeError naming the argument for a source that is not an object', () => {
    // The check runs before React's hook, so calling the hooks bare shows it.
    const nothing = null as unknown as ServiceStates;
    expect(() => useServiceStates(nothing)).toThrow(new TypeError('useServiceStates: source must be an object, got null'));
    expect(() => useServiceSummary(nothing)).toThrow(new TypeError('useServiceSummary: source must be an object, got null'));
    expect(() => useServiceState(nothing, 'a')).toThrow(new TypeError('useServiceState: source must be an object, got null'));
    expect(() => useServiceState(newMap(), 1 as unknown as string)).toThrow(new TypeError('useServiceState: id must be a string, got number'));
    expect(() => useConnection(undefined as unknown as { connection$: BehaviorSubject<number> })).toThrow(
      new TypeError('useConnection: remote must be an object, got undefined'),
    );
  });

  it('should work under StrictMode', () => {
    const map = newMap();
    map.create('a', 'worker');
    const [source, open] = countingStates(map);
    mount(
      <StrictMode>
        <Summary source={source} />
        <Table source={source} />
      </StrictMode>,
    );
    act(() => map.get('a')!.service.start());
    expect(text('[data-field=summary]')).toBe('1/1');
    expect(text('tr[data-id="a"] [data-field=status]')).toBe('running');
    expect(open).toEqual({ states: 1, summary: 1, stateOf: { a: 1 } });
    mount(<p>empty</p>);
    expect(open).toEqual({ states: 0, summary: 0, stateOf: { a: 0 } });
  });
});
