/** Configs stay on the server unless exposeConfig: records, watch events, command answers and the client. */
import { firstValueFrom, filter } from 'rxjs';
import { Service, ServiceMap } from 'rx-lifecycle';
import { createServiceMapServer } from 'rx-lifecycle/http';
import { remoteSetup, until } from './helpers';
import { readWatch } from './sse';

function mapWithConfigs(): ServiceMap<Service> {
  const map = new ServiceMap(() => new Service(() => {}));
  map.create('text', 'web', { config: '{"port":80}' });
  map.create('bytes', 'web', { config: new TextEncoder().encode('{"port":81}') });
  return map;
}

describe('exposeConfig', () => {
  it('should keep configs on the server by default, everywhere', async () => {
    const map = mapWithConfigs();
    const server = createServiceMapServer({ m: map }, { authorize: () => true });
    const one = await (await server.fetch(new Request('http://localhost/maps/m/services/text'))).text();
    const list = await (await server.fetch(new Request('http://localhost/maps/m/services'))).text();
    const stream = readWatch(await server.fetch(new Request('http://localhost/maps/m/watch')));
    const answer = await (
      await server.fetch(new Request('http://localhost/maps/m/services/text/configure', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"config":"{\\"port\\":82}"}' }))
    ).text();
    await stream.until((r) => r.data('change').length === 1);
    const all = [one, list, answer, ...stream.events.map((e) => e.data)].join('\n');
    expect(all).not.toContain('config"');
    expect(all).not.toContain('port');
    server.close();
  });

  it('should send text configs as strings and bytes as base64, rebuilt by the client', async () => {
    const setup = await remoteSetup(mapWithConfigs(), { exposeConfig: true });
    try {
      const res = await fetch(`${setup.http.base}/maps/m/services/bytes`);
      const wire = (await res.json()) as { state: { config: unknown } };
      expect(wire.state.config).toEqual({ base64: Buffer.from('{"port":81}').toString('base64') });
      const text = await (await fetch(`${setup.http.base}/maps/m/services/text`)).json();
      expect(text.state.config).toBe('{"port":80}');
      const bytes = setup.remote.states().find((r) => r.id === 'bytes')!.state.config;
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(bytes as Uint8Array)).toBe('{"port":81}');
      // a configure with bytes from the client travels as base64 and lands as bytes
      await setup.remote.configure('text', new TextEncoder().encode('{"port":90}'));
      const config = setup.map.get('text')!.service.state.config;
      expect(config).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(config as Uint8Array)).toBe('{"port":90}');
      await until(setup.remote.states$, () => setup.remote.states().find((r) => r.id === 'text')!.state.config instanceof Uint8Array);
      const seen = await firstValueFrom(setup.remote.stateOf$('text').pipe(filter((s) => s !== undefined)));
      expect(new TextDecoder().decode(seen!.config as Uint8Array)).toBe('{"port":90}');
    } finally {
      await setup.close();
    }
  });

  it('should leave config undefined in the client mirror without exposeConfig', async () => {
    const setup = await remoteSetup(mapWithConfigs());
    try {
      expect(setup.remote.states().map((r) => r.state.config)).toEqual([undefined, undefined]);
      expect(setup.remote.states().every((r) => r.state.lastConfigTime !== undefined)).toBe(true);
    } finally {
      await setup.close();
    }
  });
});
