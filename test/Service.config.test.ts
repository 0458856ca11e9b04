import { Service, type Lifecycle, type State } from 'rx-lifecycle';

/** SPEC section 8: typed raw configs, parsedConfig, equality by content, reloadUnchanged. */
describe('Service (typed configs, SPEC 8)', () => {
  interface Cfg {
    readonly port: number;
    readonly hosts: readonly string[];
  }
  const identity = (c: Cfg): Cfg => c;

  function record<R>(service: Lifecycle<R>): State<R>[] {
    const seen: State<R>[] = [];
    service.stateChanges().subscribe((s) => seen.push(s));
    return seen;
  }

  describe('parsedConfig', () => {
    it('should be undefined before any config, then the value parse made of the last accepted one', () => {
      const service = new Service((_: { n: number }) => {});
      expect(service.parsedConfig).toBeUndefined();
      service.configure('{"n":1}');
      expect(service.parsedConfig).toEqual({ n: 1 });
      expect(() => service.configure('not json')).toThrow(SyntaxError);
      expect(service.parsedConfig).toEqual({ n: 1 }); // a refused config changes nothing
    });
  });

  describe('object raw configs', () => {
    it('should take an object without JSON text when parse takes one, and apply it', () => {
      const applied: Cfg[] = [];
      const service = new Service((c: Cfg) => void applied.push(c), { parse: identity });
      service.start();
      const state = service.configure({ port: 80, hosts: ['a'] });
      expect(state.config).toEqual({ port: 80, hosts: ['a'] });
      expect(applied).toEqual([{ port: 80, hosts: ['a'] }]);
    });

    it('should deep-freeze an accepted object config', () => {
      const config = { port: 80, hosts: ['a', 'b'] };
      const service = new Service((_: Cfg) => {}, { parse: identity });
      service.configure(config);
      expect(Object.isFrozen(service.state.config)).toBe(true);
      expect(Object.isFrozen(service.state.config!.hosts)).toBe(true);
      expect(() => (config.hosts as string[]).push('c')).toThrow(TypeError);
    });

    it('should publish nothing for a deep-equal object config at the same time', () => {
      const service = new Service((_: Cfg) => {}, { parse: identity, now: () => 5 });
      service.configure({ port: 80, hosts: ['a'] });
      const seen = record(service);
      const before = service.state;
      const after = service.configure({ port: 80, hosts: ['a'] });
      expect(after).toBe(before);
      expect(seen).toEqual([]);
      service.configure({ port: 81, hosts: ['a'] });
      expect(seen).toHaveLength(1);
    });

    it('should compare a Buffer and a Uint8Array by their bytes', () => {
      const service = new Service(() => {}, { now: () => 5 });
      service.configure(new Uint8Array(Buffer.from('{"a":1}')));
      const seen = record(service);
      expect(service.configure(Buffer.from('{"a":1}'))).toBe(service.state);
      expect(seen).toEqual([]);
    });
  });

  describe('reloadUnchanged: false', () => {
    function counting(options: { reloadUnchanged?: boolean } = {}) {
      const calls: number[] = [];
      const signals: AbortSignal[] = [];
      let clock = 0;
      const service = new Service(
        (c: { n: number }, signal) => {
          calls.push(c.n);
          signals.push(signal);
        },
        { ...options, now: () => ++clock },
      );
      return { service, calls, signals };
    }

    it('should record an unchanged config but begin no load: apply is not called, no signal aborts', () => {
      const { service, calls, signals } = counting({ reloadUnchanged: false });
      service.configure('{"n":1}');
      service.start();
      const seen = record(service);
      const state = service.configure('{ "n": 1 }'); // other text, the same parsed value
      expect(calls).toEqual([1]);
      expect(signals[0]!.aborted).toBe(false);
      expect(state).toMatchObject({ active: true, loading: false, config: '{ "n": 1 }' });
      expect(state.lastConfigTime).toBeGreaterThan(state.lastLoadingStartTime!);
      expect(seen).toEqual([state]); // the new config and its time are published
    });

    it('should load a config that differs', () => {
      const { service, calls } = counting({ reloadUnchanged: false });
      service.configure('{"n":1}');
      service.start();
      service.configure('{"n":2}');
      expect(calls).toEqual([1, 2]);
    });

    it('should load the same config again when the last load did not succeed', () => {
      let fail = true;
      const calls: number[] = [];
      const service = new Service(
        (c: { n: number }) => {
          calls.push(c.n);
          if (fail) throw new Error('down');
        },
        { reloadUnchanged: false },
      );
      service.configure('{"n":1}');
      service.start(); // gives up: inactive
      fail = false;
      service.start(); // loads again, succeeds
      service.configure('{"n":1}'); // unchanged since that success: no load
      expect(calls).toEqual([1, 1]);
    });

    it('should reload by default (reloadUnchanged: true, the Go behaviour)', () => {
      const { service, calls, signals } = counting();
      service.configure('{"n":1}');
      service.start();
      service.configure('{"n":1}');
      expect(calls).toEqual([1, 1]);
      expect(signals[0]!.aborted).toBe(false); // a successful load's signal lives until the run ends
    });

    it('should refuse a non-boolean', () => {
      expect(() => new Service(() => {}, { reloadUnchanged: 'no' as unknown as boolean })).toThrow(
        new TypeError('options.reloadUnchanged must be a boolean, got "no"'),
      );
    });
  });
});
