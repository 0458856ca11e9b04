import { Service, updateConfig } from 'rx-lifecycle';

describe('updateConfig', () => {
  interface Cfg {
    readonly port: number;
    readonly hosts: readonly string[];
  }
  const make = () => new Service((_: Cfg) => {}, { parse: (c: Cfg) => c });

  it('should give the recipe undefined when there is no config yet, and configure what it returns', () => {
    const service = make();
    let got: unknown = 'not called';
    updateConfig(service, (draft) => {
      got = draft;
      return { port: 1, hosts: [] };
    });
    expect(got).toBeUndefined();
    expect(service.state.config).toEqual({ port: 1, hosts: [] });
  });

  it('should share the unchanged parts with the old config and freeze the new one', () => {
    const service = make();
    service.configure({ port: 1, hosts: ['a'] });
    const before = service.state.config!;
    const state = updateConfig(service, (draft) => {
      (draft as { port: number }).port = 2;
    });
    expect(state).toBe(service.state);
    expect(state.config).toEqual({ port: 2, hosts: ['a'] });
    expect(state.config).not.toBe(before);
    expect(state.config!.hosts).toBe(before.hosts);
    expect(Object.isFrozen(state.config)).toBe(true);
    expect(before).toEqual({ port: 1, hosts: ['a'] });
  });

  it('should refuse a text or bytes config with a TypeError, changing nothing', () => {
    const service = new Service(() => {});
    service.configure('{"port":1}');
    const before = service.state;
    expect(() => updateConfig(service as never, () => undefined)).toThrow(
      new TypeError('updateConfig needs an object config; the current config is text or bytes'),
    );
    expect(service.state).toBe(before);
  });

  it('should refuse a recipe that is not a function', () => {
    expect(() => updateConfig(make(), 42 as never)).toThrow(new TypeError('recipe must be a function, got number'));
  });

  it('should propagate what configure throws (a parse error, AlreadyLoadingError)', () => {
    const service = new Service((_: Cfg) => {}, {
      parse: (c: Cfg) => {
        if (c.port < 0) throw new RangeError('port must be >= 0');
        return c;
      },
    });
    expect(() => updateConfig(service, () => ({ port: -1, hosts: [] }))).toThrow(RangeError);
    expect(service.state.config).toBeUndefined();
  });
});
