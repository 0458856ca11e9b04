/** The pieces of `npm run demo -- --fleet`: a nats-server, two supervisor nodes, one fleet. */
import { statusOf } from 'rx-lifecycle';
import { startFleetDemo, type FleetDemo } from '../../examples/fleet/startFleetDemo';
import { until } from './natsServer';

let demo: FleetDemo | undefined;
const lines: string[] = [];

afterAll(async () => {
  await demo?.stop();
}, 60_000);

describe('startFleetDemo', () => {
  it('should show the services of both nodes in one fleet, and command them', async () => {
    demo = await startFleetDemo((line) => lines.push(line));
    const ids = demo.fleet.states().map((r) => r.id).sort();
    expect(ids).toEqual([
      'site-a/services/tick',
      'site-a/services/web',
      'site-b/services/pump.1',
      'site-b/services/spare',
      'site-b/services/uplink',
    ]);
    expect(lines).toContain('[site-a] published site-a');
    expect(lines).toContain('[site-b] published site-b');
    // the reply holds the State the start made; the ticker's first tick (a macrotask later) makes it running
    const spare = await demo.fleet.start('site-b/services/spare');
    expect(spare.state.active).toBe(true);
    await until('the spare ticker to run', () => {
      const record = demo!.fleet.states().find((r) => r.id === 'site-b/services/spare');
      return record !== undefined && statusOf(record.state) === 'running';
    }, 30_000);
    await until('the flaky uplink to connect', () => {
      const uplink = demo!.fleet.states().find((r) => r.id === 'site-b/services/uplink');
      return uplink !== undefined && statusOf(uplink.state) === 'running' && uplink.state.failedAttempts === 3;
    }, 30_000);
  }, 120_000);
});
