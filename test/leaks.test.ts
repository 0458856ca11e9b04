/**
 * Leak checks.
 *
 * Heap: many start/stop cycles of services, create/delete cycles of a map with listeners
 * of every kind attached, and configure() calls on one running service (plain apply and
 * `monoApply`, issue 15 #4) must leave the heap flat: measured after a full gc, it may grow by
 * less than 2 MB over the whole run. Pass or fail depends on bytes, never on time. The counts
 * are quick by default; `LEAK_FULL=1 npx jest test/leaks.test.ts` runs the full ones
 * (1,000,000 start/stop cycles and 100,000 create/delete cycles; about a minute).
 *
 * The measurement needs `global.gc`: it runs in this process when jest's node has it
 * (`node --expose-gc node_modules/.bin/jest test/leaks.test.ts`), otherwise in a child
 * process, `node --expose-gc --import tsx test/leaks.script.ts <scenario> <cycles>`.
 *
 * Timers: after stop(), no timer of the library is pending (process.getActiveResourcesInfo()),
 * so a stopped service lets the process exit.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Service, ServiceMap } from 'rx-lifecycle';
import { measure, type Measurement, type Scenario } from './leaks.script';

const FULL = process.env.LEAK_FULL === '1';
const SERVICE_CYCLES = FULL ? 1_000_000 : 50_000;
const MAP_CYCLES = FULL ? 100_000 : 20_000;
const CONFIGURE_CYCLES = 100_000;
const OUTLIVE_CYCLES = 1_000;
const MAX_GROWTH = 2 * 1024 * 1024;

const root = resolve(__dirname, '..');
const run = promisify(execFile);

async function measured(scenario: Exclude<Scenario, 'exit'>, cycles: number): Promise<Measurement> {
  if (typeof (globalThis as { gc?: unknown }).gc === 'function') return measure(scenario, cycles);
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/leaks.script.ts', scenario, String(cycles)],
    { cwd: root, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measurement;
}

function pendingTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('leaks', () => {
  describe('heap', () => {
    it(
      `should stay flat over ${SERVICE_CYCLES} start/stop cycles with subscribers attached`,
      async () => {
        const m = await measured('service', SERVICE_CYCLES);
        expect(m.cycles).toBe(SERVICE_CYCLES);
        // 2 services x (start: 2 States + stop: 1 State) x 2 subscribers, +2 initial States.
        expect(m.notifications).toBeGreaterThanOrEqual(SERVICE_CYCLES * 2 * 2);
        expect(m.after - m.before).toBeLessThan(MAX_GROWTH);
      },
      FULL ? 600_000 : 60_000,
    );

    it(
      `should stay flat over ${MAP_CYCLES} create/delete cycles with listeners attached`,
      async () => {
        const m = await measured('map', MAP_CYCLES);
        expect(m.cycles).toBe(MAP_CYCLES);
        expect(m.notifications).toBeGreaterThanOrEqual(MAP_CYCLES * 4);
        expect(m.after - m.before).toBeLessThan(MAX_GROWTH);
      },
      FULL ? 600_000 : 60_000,
    );
  });

  describe('heap of services that outlive their map', () => {
    it(`should not keep the map alive through a service that took its record as its outbox (${OUTLIVE_CYCLES} maps of 64 KB)`, async () => {
      const m = await measured('outlive', OUTLIVE_CYCLES);
      expect(m.cycles).toBe(OUTLIVE_CYCLES);
      // Per cycle the service's own subscriber gets its State at once, then the start made
      // after the map let go of the service.
      expect(m.notifications).toBeGreaterThanOrEqual(OUTLIVE_CYCLES * 2);
      // The services kept, with their subscribers, cost well under 1 KB each; the maps 64 KB each.
      expect(m.after - m.before).toBeLessThan(MAX_GROWTH);
    }, 60_000);
  });

  describe('heap over configure() calls on one running service (issue 15 #4)', () => {
    it.each([
      ['a plain apply', 'configure'],
      ['monoApply', 'configureMono'],
    ] as const)(
      `should stay flat over ${CONFIGURE_CYCLES} configure() calls with %s, and abort every signal on stop (issue 15 #4)`,
      async (_label, scenario) => {
        const m = await measured(scenario, CONFIGURE_CYCLES);
        expect(m.cycles).toBe(CONFIGURE_CYCLES);
        // Each configure() publishes a loading and a loaded State.
        expect(m.notifications).toBeGreaterThanOrEqual(CONFIGURE_CYCLES * 2);
        expect(m.after - m.before).toBeLessThan(MAX_GROWTH);
        expect(m.aborted).toEqual({ first: true, last: true });
      },
      60_000,
    );
  });

  describe('timers', () => {
    it('should leave no timer pending once a service with a pending retry and apply timeout is stopped', () => {
      const before = pendingTimers();
      const retrying = new Service(
        () => {
          throw new Error('down');
        },
        { retry: { initialDelay: 600_000 } },
      );
      const hanging = new Service(() => new Promise<void>(() => {}), { applyTimeout: 600_000 });
      for (const service of [retrying, hanging]) {
        service.configure('{}');
        service.start();
      }
      expect(retrying.state.nextAttemptTime).toBeDefined();
      expect(hanging.state.loading).toBe(true);
      expect(pendingTimers()).toBe(before + 2); // the retry and the apply timeout, on asyncScheduler

      retrying.stop();
      expect(pendingTimers()).toBe(before + 1);
      hanging.stop();
      expect(pendingTimers()).toBe(before);
    });

    it('should leave no timer pending once a retrying service is deleted from its map', () => {
      const before = pendingTimers();
      const map = new ServiceMap(
        () =>
          new Service(
            () => {
              throw new Error('down');
            },
            { retry: { initialDelay: 600_000 }, applyTimeout: 600_000 },
          ),
      );
      map.getAndListenState()[1].subscribe(() => {});
      map.create('a', 'worker', { active: true, config: '{}' });
      expect(pendingTimers()).toBe(before + 1);
      map.delete('a');
      expect(pendingTimers()).toBe(before);
    });

    it('should let the process exit once its services are stopped', async () => {
      // Had a 10-minute timer survived stop(), the child would not exit and be killed.
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/leaks.script.ts', 'exit'], {
        cwd: root,
        timeout: 30_000,
      });
      expect(JSON.parse(stdout.trim())).toEqual({ scenario: 'exit', stopped: true });
    }, 40_000);
  });
});
