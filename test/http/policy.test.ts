/**
 * A viewer / operator / admin policy like the Go system's: viewers read; operators also start
 * and stop; admins do everything. Proven through the client, over both handlers' request
 * shapes, with the context authorize receives.
 */
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer, type AuthorizeContext, type ServiceMapServerOptions } from 'rx-lifecycle/http';
import { RemoteError, RemoteServiceMap, type RemoteConnection } from 'rx-lifecycle/client';
import { listen, remoteSetup, type RemoteSetup } from './helpers';

type Role = 'viewer' | 'operator' | 'admin';
const TOKENS: Record<string, Role> = { 'token-v': 'viewer', 'token-o': 'operator', 'token-a': 'admin' };
const ALLOWED: Record<Role, readonly string[]> = {
  viewer: ['read'],
  operator: ['read', 'start', 'stop'],
  admin: ['read', 'start', 'stop', 'configure', 'create', 'delete'],
};

const contexts: AuthorizeContext[] = [];
const policy: ServiceMapServerOptions = {
  authenticate: (req) => TOKENS[req.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''],
  authorize: (context) => {
    contexts.push(context);
    const role = context.principal as Role | undefined;
    return role !== undefined && ALLOWED[role].includes(context.action);
  },
};

let setup: RemoteSetup;
const clients: RemoteServiceMap[] = [];

function client(token: string | undefined): RemoteServiceMap {
  const c = new RemoteServiceMap(setup.http.base, { map: 'm', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  clients.push(c);
  return c;
}

/** What a command does for a role: 'ok' or the status it was refused with. */
async function attempt(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    return err instanceof RemoteError ? String(err.status) : `unexpected ${String(err)}`;
  }
}

beforeEach(async () => {
  const map = new ServiceMap(() => new Service(() => {}));
  map.create('a', 'plc', { active: true });
  map.create('b', 'plc');
  // the test's own client needs to read: give it the admin token
  setup = await remoteSetup(map, policy, { headers: { authorization: 'Bearer token-a' } });
  contexts.length = 0;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await setup.close();
});

describe('a viewer/operator/admin policy', () => {
  it.each([
    ['viewer', 'token-v', { stop: '403', start: '403', configure: '403', create: '403', delete: '403' }],
    ['operator', 'token-o', { stop: 'ok', start: 'ok', configure: '403', create: '403', delete: '403' }],
    ['admin', 'token-a', { stop: 'ok', start: 'ok', configure: 'ok', create: 'ok', delete: 'ok' }],
    ['anonymous', undefined, { stop: '401', start: '401', configure: '401', create: '401', delete: '401' }],
  ] as const)('should let a %s do exactly its actions', async (_role, token, expected) => {
    const c = client(token);
    const outcome = {
      stop: await attempt(() => c.stop('a')),
      start: await attempt(() => c.start('a')),
      configure: await attempt(() => c.configure('b', '{}')),
      create: await attempt(() => c.create({ id: 'n', kind: 'plc' })),
      delete: await attempt(() => c.delete('b')),
    };
    expect(outcome).toEqual(expected);
    const reads = await fetch(`${setup.http.base}/maps/m/services`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    expect(reads.status).toBe(token === undefined ? 401 : 200);
  });

  it('should give authorize the principal, action, map, id and kind', async () => {
    await client('token-o').stop('a');
    expect(contexts.filter((c) => c.action === 'stop')).toEqual([{ principal: 'operator', action: 'stop', map: 'm', id: 'a', kind: 'plc' }]);
    await attempt(() => client('token-v').create({ id: 'z', kind: 'valve' }));
    expect(contexts.find((c) => c.action === 'create')).toEqual({ principal: 'viewer', action: 'create', map: 'm', id: 'z', kind: 'valve' });
  });

  it('should refuse an anonymous watch with 401 and stop reconnecting', async () => {
    const c = client(undefined);
    const last = await new Promise<RemoteConnection>((resolve) => c.connection$.subscribe({ next: (v) => v.status === 'closed' && resolve(v) }));
    expect(last.error).toBeInstanceOf(RemoteError);
    expect((last.error as RemoteError).status).toBe(401);
  });
});

describe('authenticate', () => {
  it('should receive a WHATWG Request from both handlers, with the path and headers', async () => {
    const seen: Request[] = [];
    const map = new ServiceMap(() => new Service(() => {}));
    const server = createServiceMapServer({ m: map }, { authenticate: (req) => void seen.push(req) });
    const http = await listen(server.node);
    try {
      await fetch(`${http.base}/maps/m/summary`, { headers: { 'x-who': 'node' } });
      await server.fetch(new Request('http://example.test/maps/m/summary', { headers: { 'x-who': 'fetch' } }));
      expect(seen.map((r) => r instanceof Request)).toEqual([true, true]);
      expect(seen.map((r) => new URL(r.url).pathname)).toEqual(['/maps/m/summary', '/maps/m/summary']);
      expect(seen.map((r) => r.headers.get('x-who'))).toEqual(['node', 'fetch']);
    } finally {
      server.close();
      await http.close();
    }
  });
});
