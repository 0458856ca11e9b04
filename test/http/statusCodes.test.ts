/**
 * Every status code of SPEC section 9, through both handlers: the WHATWG fetch handler called
 * directly, and the Node handler behind a real server on 127.0.0.1. Each case starts from the
 * same fresh map, and a refused request must leave the map as it was.
 */
import { Service, ServiceMap, type CreateFunc, type Lifecycle } from 'rx-lifecycle';
import { createServiceMapServer, type ServiceMapServer, type ServiceMapServerOptions } from 'rx-lifecycle/http';
import { listen, type Listening } from './helpers';

const create: CreateFunc = (_id, kind) => {
  if (kind !== 'ok' && kind !== 'slow') throw new Error(`unknown kind ${kind}`);
  return kind === 'ok' ? new Service(() => {}) : new Service(() => new Promise<void>(() => {}));
};

/** a: running; b: stopped, configured; s: loading for ever; frozen: immutable. */
function freshMaps(): { m: ServiceMap; frozen: ServiceMap } {
  const m = new ServiceMap(create);
  m.create('a', 'ok', { active: true });
  m.create('b', 'ok');
  m.get('b')!.service.configure('{}');
  m.create('s', 'slow', { active: true, config: '{}' });
  return { m, frozen: ServiceMap.of([new Service(() => {}) as Lifecycle]) };
}

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly type?: string | null;
  readonly headers?: Record<string, string>;
  readonly options?: ServiceMapServerOptions;
  readonly status: number;
  readonly code?: string;
  /** Part of the error message that names what is wrong. */
  readonly message?: string;
}

const json = 'application/json';
const allowAll: ServiceMapServerOptions = { authorize: () => true };
const withAuth: ServiceMapServerOptions = {
  authenticate: (req) => req.headers.get('x-user') ?? undefined,
  authorize: ({ principal, action }) => action === 'read' || principal === 'admin',
};

const cases: Case[] = [
  { name: 'list the maps', method: 'GET', path: '/maps', status: 200 },
  { name: 'list services', method: 'GET', path: '/maps/m/services', status: 200 },
  { name: 'get one service', method: 'GET', path: '/maps/m/services/a', status: 200 },
  { name: 'get the summary', method: 'GET', path: '/maps/m/summary', status: 200 },
  { name: 'start', method: 'POST', path: '/maps/m/services/b/start', body: '{}', options: allowAll, status: 200 },
  { name: 'stop with an empty body', method: 'POST', path: '/maps/m/services/a/stop', body: '', options: allowAll, status: 200 },
  { name: 'configure', method: 'POST', path: '/maps/m/services/b/configure', body: '{"config":"{}"}', options: allowAll, status: 200 },
  { name: 'configure with the right ifConfigTime', method: 'POST', path: '/maps/m/services/b/configure', body: 'IFCONFIG', options: allowAll, status: 200 },
  { name: 'create', method: 'POST', path: '/maps/m/services', body: '{"id":"n","kind":"ok","active":true}', options: allowAll, status: 201 },
  { name: 'delete', method: 'DELETE', path: '/maps/m/services/a', body: '{}', options: allowAll, status: 200 },
  { name: 'a body that is not JSON', method: 'POST', path: '/maps/m/services/b/start', body: '{', options: allowAll, status: 400, code: 'ERR_BAD_REQUEST', message: 'not valid JSON' },
  { name: 'a configure without config', method: 'POST', path: '/maps/m/services/b/configure', body: '{}', options: allowAll, status: 400, code: 'ERR_BAD_REQUEST', message: 'config' },
  { name: 'a config of the wrong type', method: 'POST', path: '/maps/m/services/b/configure', body: '{"config":5}', options: allowAll, status: 400, message: 'config must be' },
  { name: 'an ifConfigTime of the wrong type', method: 'POST', path: '/maps/m/services/b/configure', body: '{"config":"{}","ifConfigTime":"x"}', options: allowAll, status: 400, message: 'ifConfigTime' },
  { name: 'a config the parser refuses', method: 'POST', path: '/maps/m/services/b/configure', body: '{"config":"{nope"}', options: allowAll, status: 400, message: 'JSON' },
  { name: 'a create without kind', method: 'POST', path: '/maps/m/services', body: '{"id":"n"}', options: allowAll, status: 400, message: 'kind' },
  { name: 'a create with an empty kind', method: 'POST', path: '/maps/m/services', body: '{"kind":""}', options: allowAll, status: 400, message: 'kind must not be empty' },
  { name: 'a create of an unknown kind', method: 'POST', path: '/maps/m/services', body: '{"id":"n","kind":"zzz"}', options: allowAll, status: 400, message: 'unknown kind zzz' },
  { name: 'a create whose active is not a boolean', method: 'POST', path: '/maps/m/services', body: '{"kind":"ok","active":"yes"}', options: allowAll, status: 400, message: 'active must be true or false' },
  { name: 'a bad pageSize', method: 'GET', path: '/maps/m/services?pageSize=0', status: 400, message: 'pageSize' },
  { name: 'a pageSize over 1000', method: 'GET', path: '/maps/m/services?pageSize=1001', status: 400, message: 'pageSize' },
  { name: 'an unknown status', method: 'GET', path: '/maps/m/services?status=sleeping', status: 400, message: 'status must be one of' },
  { name: 'a bad pageToken', method: 'GET', path: '/maps/m/services?pageToken=%21%21', status: 400, message: 'pageToken' },
  { name: 'an unknown status on watch', method: 'GET', path: '/maps/m/watch?status=sleeping', status: 400, message: 'status' },
  { name: 'a command by nobody, with authenticate', method: 'POST', path: '/maps/m/services/b/start', body: '{}', options: withAuth, status: 401, code: 'ERR_UNAUTHENTICATED' },
  { name: 'a command by a viewer', method: 'POST', path: '/maps/m/services/b/start', body: '{}', headers: { 'x-user': 'viewer' }, options: withAuth, status: 403, code: 'ERR_FORBIDDEN' },
  { name: 'a command with the default authorize', method: 'POST', path: '/maps/m/services/b/start', body: '{}', status: 403, code: 'ERR_FORBIDDEN' },
  { name: 'a read refused', method: 'GET', path: '/maps/m/services/a', options: { authorize: () => false }, status: 403 },
  { name: 'an unknown map', method: 'GET', path: '/maps/zz/services', status: 404, code: 'ERR_NOT_FOUND', message: 'zz' },
  { name: 'an unknown id', method: 'GET', path: '/maps/m/services/zz', status: 404, code: 'ERR_NOT_FOUND' },
  { name: 'a command on an unknown id', method: 'POST', path: '/maps/m/services/zz/start', body: '{}', options: allowAll, status: 404, code: 'ERR_NOT_FOUND' },
  { name: 'a delete of an unknown id', method: 'DELETE', path: '/maps/m/services/zz', body: '{}', options: allowAll, status: 404, code: 'ERR_NOT_FOUND' },
  { name: 'an unknown route', method: 'GET', path: '/nope', status: 404 },
  { name: 'an unknown action', method: 'POST', path: '/maps/m/services/a/restart', body: '{}', status: 404 },
  { name: 'a wrong method', method: 'PUT', path: '/maps/m/services/a', body: '{}', status: 405, code: 'ERR_METHOD_NOT_ALLOWED' },
  { name: 'a GET of a command', method: 'GET', path: '/maps/m/services/a/start', status: 405 },
  { name: 'a start of a running service', method: 'POST', path: '/maps/m/services/a/start', body: '{}', options: allowAll, status: 409, code: 'ERR_ALREADY_STARTED' },
  { name: 'a stop of a stopped service', method: 'POST', path: '/maps/m/services/b/stop', body: '{}', options: allowAll, status: 409, code: 'ERR_ALREADY_STOPPED' },
  { name: 'a configure while loading', method: 'POST', path: '/maps/m/services/s/configure', body: '{"config":"{}"}', options: allowAll, status: 409, code: 'ERR_ALREADY_LOADING' },
  { name: 'a create of an id that exists', method: 'POST', path: '/maps/m/services', body: '{"id":"a","kind":"ok"}', options: allowAll, status: 409, code: 'ERR_ALREADY_EXISTS' },
  { name: 'a create in an immutable map', method: 'POST', path: '/maps/frozen/services', body: '{"kind":"ok"}', options: allowAll, status: 409, code: 'ERR_IMMUTABLE' },
  { name: 'a configure with a stale ifConfigTime', method: 'POST', path: '/maps/m/services/b/configure', body: '{"config":"{}","ifConfigTime":1}', options: allowAll, status: 412, code: 'ERR_PRECONDITION_FAILED' },
  { name: 'a command without a content type', method: 'POST', path: '/maps/m/services/b/start', body: '{}', type: null, options: allowAll, status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a command sent as a form', method: 'POST', path: '/maps/m/services/b/start', body: 'a=1', type: 'application/x-www-form-urlencoded', options: allowAll, status: 415 },
  { name: 'a body that is too large', method: 'POST', path: '/maps/m/services', body: JSON.stringify({ kind: 'ok', config: 'x'.repeat(2000) }), options: { ...allowAll, maxBodyBytes: 1000 }, status: 413 },
];

/** What the map looks like, to check that refusals change nothing. */
function look(map: ServiceMap): string {
  return JSON.stringify(map.states().map((r) => [r.id, r.state.active, r.state.loading, r.state.config, r.state.lastConfigTime]));
}

type Send = (server: ServiceMapServer, c: Case, body: string | undefined) => Promise<{ status: number; text: string }>;

function headersOf(c: Case): Record<string, string> {
  const type = c.type === undefined ? (c.body === undefined ? undefined : json) : c.type;
  return { ...(type === undefined || type === null ? {} : { 'content-type': type }), ...c.headers };
}

const viaFetch: Send = async (server, c, body) => {
  const res = await server.fetch(new Request(`http://localhost${c.path}`, { method: c.method, headers: headersOf(c), ...(body === undefined ? {} : { body }) }));
  return { status: res.status, text: await res.text() };
};

let http: Listening | undefined;
let current: ServiceMapServer | undefined;
const viaNode: Send = async (server, c, body) => {
  current = server;
  const res = await fetch(`${http!.base}${c.path}`, { method: c.method, headers: headersOf(c), ...(body === undefined ? {} : { body }) });
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  http = await listen((req, res) => current!.node(req, res));
});
afterAll(() => http?.close());

describe.each([
  ['the fetch handler', viaFetch],
  ['the node handler', viaNode],
] as const)('createServiceMapServer through %s', (_name, send) => {
  it.each(cases.map((c) => [c.name, c] as const))('should answer %s', async (_n, c) => {
    const { m, frozen } = freshMaps();
    const server = createServiceMapServer({ m, frozen }, c.options);
    try {
      const before = look(m);
      const body = c.body === 'IFCONFIG' ? JSON.stringify({ config: '{"x":1}', ifConfigTime: m.get('b')!.service.state.lastConfigTime }) : c.body;
      const { status, text } = await send(server, c, body);
      expect({ status, text }).toEqual({ status: c.status, text: expect.any(String) });
      const parsed = JSON.parse(text) as { error?: { code: string; name: string; message: string } };
      if (status >= 400) {
        expect(parsed.error).toEqual({ code: expect.any(String), name: expect.any(String), message: expect.any(String) });
        if (c.code !== undefined) expect(parsed.error!.code).toBe(c.code);
        if (c.message !== undefined) expect(parsed.error!.message).toContain(c.message);
        expect(look(m)).toBe(before);
      } else {
        expect(parsed.error).toBeUndefined();
      }
    } finally {
      server.close();
    }
  });
});

describe('createServiceMapServer answers', () => {
  it('should name the allowed methods of a 405 in Allow', async () => {
    const server = createServiceMapServer({ m: new ServiceMap(create) });
    const res = await server.fetch(new Request('http://localhost/maps/m/summary', { method: 'POST' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    server.close();
  });

  it('should answer 503 once closed', async () => {
    const server = createServiceMapServer({ m: new ServiceMap(create) });
    server.close();
    const res = await server.fetch(new Request('http://localhost/maps'));
    expect(res.status).toBe(503);
  });

  it('should hand unknown routes to next when the node handler has one', async () => {
    const server = createServiceMapServer({ m: new ServiceMap(create) });
    const local = await listen((req, res) =>
      server.node(req, res, () => {
        res.writeHead(418).end('next');
      }),
    );
    try {
      const res = await fetch(`${local.base}/elsewhere`);
      expect([res.status, await res.text()]).toEqual([418, 'next']);
      expect((await fetch(`${local.base}/maps/zz/summary`)).status).toBe(404); // a route of ours
    } finally {
      server.close();
      await local.close();
    }
  });

  it('should refuse bad options, naming the field', () => {
    const map = new ServiceMap(create);
    expect(() => createServiceMapServer({ m: map }, { journalSize: -1 })).toThrow('journalSize');
    expect(() => createServiceMapServer({ m: map }, { heartbeatMs: 0 })).toThrow('heartbeatMs');
    expect(() => createServiceMapServer({ m: map }, { maxBufferedBytes: 1.5 })).toThrow('maxBufferedBytes');
    expect(() => createServiceMapServer({ m: map }, { authorize: 'yes' as never })).toThrow('authorize must be a function');
    expect(() => createServiceMapServer({ m: map }, { exposeConfig: 1 as never })).toThrow('exposeConfig');
    expect(() => createServiceMapServer({ m: 5 as never })).toThrow('maps.m');
  });
});
