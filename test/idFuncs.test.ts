import { Service, ServiceMap, idIsKind, idIsRequired, idIsUUID } from 'rx-lifecycle';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('idIsKind', () => {
  it('should return the kind when it is free', () => {
    const exists = jest.fn(() => false);
    expect(idIsKind('mqtt', exists)).toBe('mqtt');
    expect(exists).toHaveBeenCalledWith('mqtt');
  });

  it('should throw "id exists" when the kind is taken', () => {
    const exists = jest.fn((id: string) => id === 'mqtt');
    expect(() => idIsKind('mqtt', exists)).toThrow(new Error('id exists'));
    expect(exists).toHaveBeenCalledWith('mqtt');
  });

  it('should let a ServiceMap hold one service per kind', () => {
    const map = new ServiceMap(() => new Service(() => {}), idIsKind);
    expect(map.create(undefined, 'mqtt').id).toBe('mqtt');
    expect(map.create('', 'http').id).toBe('http');
    let thrown: unknown;
    try {
      map.create(undefined, 'mqtt');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/^bad id/);
    expect(((thrown as Error).cause as Error).message).toBe('id exists');
    expect(map.values().map((r) => r.id)).toEqual(['mqtt', 'http']);
  });
});

describe('idIsUUID', () => {
  it('should return a UUID v4', () => {
    const id = idIsUUID('worker', () => false);
    expect(id).toMatch(UUID_V4);
  });

  it('should return a fresh id on each call', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) ids.add(idIsUUID('worker', () => false));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('should ask exists about the candidate and return the first free one', () => {
    const asked: string[] = [];
    const exists = jest.fn((id: string) => {
      asked.push(id);
      return asked.length <= 3; // the first three candidates are taken
    });
    const id = idIsUUID('worker', exists);
    expect(exists).toHaveBeenCalledTimes(4);
    expect(new Set(asked).size).toBe(4);
    for (const candidate of asked) expect(candidate).toMatch(UUID_V4);
    expect(id).toBe(asked[3]);
  });

  it('should try 10 times, then throw, when every id exists', () => {
    const exists = jest.fn(() => true);
    expect(() => idIsUUID('worker', exists)).toThrow(Error);
    expect(exists).toHaveBeenCalledTimes(10);
  });

  it('should be the default IdFunc of a ServiceMap', () => {
    const map = new ServiceMap(() => new Service(() => {}));
    const { id } = map.create(undefined, 'worker');
    expect(id).toMatch(UUID_V4);
    expect(map.get(id)?.kind).toBe('worker');
  });
});

describe('idIsRequired', () => {
  it('should always throw "id is required"', () => {
    const exists = jest.fn(() => false);
    expect(() => idIsRequired('worker', exists)).toThrow(new Error('id is required'));
    expect(() => idIsRequired('', () => true)).toThrow(new Error('id is required'));
  });

  it('should make a ServiceMap require an id', () => {
    const map = new ServiceMap(() => new Service(() => {}), idIsRequired);
    expect(map.create('a', 'worker').id).toBe('a');
    let thrown: unknown;
    try {
      map.create(undefined, 'worker');
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).toMatch(/^bad id/);
    expect(((thrown as Error).cause as Error).message).toBe('id is required');
    expect(map.values()).toHaveLength(1);
  });
});
