/** Key layout of the fleet's bucket: any id is one key token and comes back exactly. */
import fc from 'fast-check';
import { decodeId, encodeId, fleetId, parseKey, recordKey, splitFleetId } from '../../src/nats/keys';
import { numRuns } from '../properties/fcEnv';

/** fast-check parameters: `FC_NUM_RUNS` and `FC_SEED` from the environment (fast-check prints the seed of a failure). */
function fcParams(fallback: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  return seed ? { numRuns: numRuns(fallback), seed: Number(seed) } : { numRuns: numRuns(fallback) };
}

/** A token as NATS KV keys allow it, without the dot that separates tokens. */
const TOKEN = /^[-/_=A-Za-z0-9]+$/;

/** Any UTF-16 string, lone surrogates included. */
const anyId = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 40 });

describe('encodeId', () => {
  it('should make one valid key token of any id and decode it back exactly', () => {
    fc.assert(
      fc.property(fc.oneof(anyId, fc.string({ unit: 'binary' }), fc.constantFrom('', '.', '..', ' ', '/', '*', '>', '_', '=', '_2e', 'a.b.c')), (id) => {
        const token = encodeId(id);
        expect(token).toMatch(TOKEN);
        expect(decodeId(token)).toBe(id);
        expect(parseKey(recordKey('node', 'map', id))).toEqual({ type: 'record', node: 'node', name: 'map', id });
      }),
      fcParams(200),
    );
  });

  it('should keep plain ids readable and spell out the rest', () => {
    expect(encodeId('pump-7/a')).toBe('pump-7/a');
    expect(encodeId('a.b c_d')).toBe('a_2eb_20c_5fd');
    expect(encodeId('ü日')).toBe('_fc=65e5');
    expect(encodeId('')).toBe('=');
    expect(encodeId('\ud800')).toBe('=d800');
  });

  it('should refuse tokens it could not have made, so two ids never share a key', () => {
    for (const token of ['', '_', '_2', '_zz', '_41', '=00e9', '=12', 'a.b', 'a b', '_2E', '==']) {
      expect(() => decodeId(token)).toThrow(TypeError);
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'F', '0', '9', '_', '=', '/', '-', 'e', '2'), maxLength: 12 }), (token) => {
        let id: string;
        try {
          id = decodeId(token);
        } catch {
          return;
        }
        expect(encodeId(id)).toBe(token);
      }),
      fcParams(500),
    );
  });
});

describe('parseKey', () => {
  it('should tell records, heartbeats and foreign keys apart', () => {
    expect(parseKey('=hb.n1.m')).toEqual({ type: 'heartbeat', node: 'n1', name: 'm' });
    expect(parseKey('n1.m.a_2eb')).toEqual({ type: 'record', node: 'n1', name: 'm', id: 'a.b' });
    expect(parseKey('n1.m')).toBeUndefined();
    expect(parseKey('n1.m.a.b')).toBeUndefined();
    expect(parseKey('n1.m.a b')).toBeUndefined();
    expect(parseKey('=hb.n1')).toBeUndefined();
  });
});

describe('splitFleetId', () => {
  it('should split at the first two slashes and keep the rest as the id', () => {
    expect(splitFleetId('n1/m/a/b/c')).toEqual({ node: 'n1', name: 'm', id: 'a/b/c' });
    expect(splitFleetId('n1/m/')).toEqual({ node: 'n1', name: 'm', id: '' });
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]+$/), fc.stringMatching(/^[A-Za-z0-9_-]+$/), anyId, (node, name, id) => {
        expect(splitFleetId(fleetId(node, name, id))).toEqual({ node, name, id });
      }),
      fcParams(200),
    );
  });

  it('should name the field when the id has no node or map', () => {
    for (const bad of ['x', 'n1/x', '/m/x', 'n.1/m/x', 'n1/m m/x', 42]) {
      expect(() => splitFleetId(bad)).toThrow(/^id must be <node>\/<name>\/<id>/);
    }
  });
});
