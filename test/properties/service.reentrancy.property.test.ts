/**
 * Property test of `Service` under re-entrancy from every callback (issue 15): random sequences
 * of start, stop and configure, applies that succeed, fail, hang and run as Observable tasks,
 * virtual time, and callbacks into the service armed at every place one can come from: an
 * abort listener, `onStop`, the retry logger, a `state$` subscriber, and apply itself, each
 * calling start, stop or configure (good or bad config). After every step the promises of
 * SPEC.md that hold whatever the callbacks do are checked (see serviceReentrancy.harness.ts).
 *
 * Runs: `FC_NUM_RUNS` (default 1000, a fixed seed), seed `FC_SEED`, replay `FC_PATH` (see fcEnv.ts).
 */
import fc from 'fast-check';
import { config as rxConfig } from 'rxjs';
import { assertProperty, commandsOptions, timeoutFor } from './fcEnv';
import { ReentrancyHarness, type Action, type Behaviour, type ReentrancyOptions, type Site } from './serviceReentrancy.harness';

const DEFAULT_RUNS = 1000;

type Cmd = fc.AsyncCommand<ReentrancyHarness, ReentrancyHarness>;

/** A step: run it, let promises settle, check. */
function command(label: string, run: (h: ReentrancyHarness) => void, check: (h: ReentrancyHarness) => boolean = () => true): Cmd {
  return {
    check,
    run: async (_m, h) => {
      run(h);
      await new Promise<void>((resolve) => setImmediate(resolve));
      h.verify();
    },
    toString: () => label,
  };
}

const action = fc.constantFrom<Action>('start', 'stop', 'configure', 'configureOther', 'configureBad');
const site = fc.constantFrom<Site>('abort', 'onStop', 'logger', 'subscriber', 'apply');
const behaviour = fc.constantFrom<Behaviour>('void', 'throw', 'resolve', 'reject', 'hang', 'task', 'taskError', 'taskLater');

const commands = [
  action.map((a) => command(`${a}()`, (h) => h.act(a, 'from the test'))),
  action.map((a) => command(`${a}()`, (h) => h.act(a, 'from the test'))),
  fc.tuple(site, action).map(([s, a]) => command(`arm(${s} → ${a})`, (h) => void h.armed.set(s, a))),
  fc.tuple(site, action).map(([s, a]) => command(`arm(${s} → ${a})`, (h) => void h.armed.set(s, a))),
  behaviour.map((b) => command(`behaviour(${b})`, (h) => void (h.behaviour = b))),
  fc.tuple(fc.nat(), fc.constantFrom<'ok' | 'error'>('ok', 'error')).map(([pick, how]) =>
    command(
      `settle(${pick}, ${how})`,
      (h) => {
        const calls = h.settleable();
        const call = calls[pick % calls.length]!;
        const ended = call.signal.aborted;
        const before = { states: h.seen[0]!.length, logs: h.logs, calls: h.calls.length };
        h.settle(call, how);
        if (ended) {
          // SPEC 2.1: an apply that settles after its run (or attempt) ended changes nothing.
          void Promise.resolve().then(() => {
            const after = { states: h.seen[0]!.length, logs: h.logs, calls: h.calls.length };
            if (JSON.stringify(after) !== JSON.stringify(before)) h.violations.push(`a late result changed ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
          });
        }
      },
      (h) => h.settleable().length > 0,
    ),
  ),
  fc.constantFrom(0, 10, 300, 1000, 5000).map((ms) =>
    command(`advance(${ms})`, (h) => {
      const until = h.sched.now() + ms;
      h.sched.maxFrames = until;
      h.sched.flush();
      h.sched.frame = until;
    }),
  ),
  fc.constant(command('subscribeLater()', (h) => h.subscribeLater())),
  fc.nat().map((pick) =>
    command(
      `unsubscribeLater(${pick})`,
      (h) => {
        const open = h.later.filter((l) => !l.closed);
        open[pick % open.length]!.unsubscribe();
      },
      (h) => h.later.some((l) => !l.closed),
    ),
  ),
];

const options: fc.Arbitrary<ReentrancyOptions> = fc.record({
  retry: fc.oneof(
    fc.constant(false as const),
    fc.record({
      initialDelay: fc.constantFrom(0, 100, 500),
      minDelay: fc.constantFrom(0, 100),
      maxAttempts: fc.constantFrom(0, 1, 3),
    }),
  ),
  whileLoading: fc.constantFrom('reject' as const, 'switch' as const),
  applyTimeout: fc.constantFrom(undefined, 200),
}).map((o) => {
  // A retry for ever with no delay would spin at one instant of virtual time.
  if (o.retry !== false && o.retry.maxAttempts === 0 && o.retry.minDelay === 0 && o.retry.initialDelay === 0) {
    return { ...o, retry: { ...o.retry, maxAttempts: 5 } };
  }
  return o;
});

describe('Service (re-entrancy properties, issue 15)', () => {
  const unexpected: unknown[] = [];
  const previousHandler = rxConfig.onUnhandledError;
  beforeAll(() => {
    rxConfig.onUnhandledError = (err) => {
      if (unexpected.length < 10) unexpected.push(err);
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    rxConfig.onUnhandledError = previousHandler;
  });

  it(
    'should keep the promises of the spec whatever a callback calls, after every step',
    async () => {
      await assertProperty(
        'test/properties/service.reentrancy.property.test.ts',
        fc.asyncProperty(options, fc.commands(commands, commandsOptions(50)), async (opts, cmds) => {
          const h = new ReentrancyHarness(opts);
          try {
            h.verify();
            await fc.asyncModelRun(() => ({ model: h, real: h }), cmds);
          } finally {
            h.armed.clear();
            if (h.service.state.active) h.service.stop();
          }
        }),
        DEFAULT_RUNS,
      );
      // Nothing a callback did was reported as an unhandled error.
      expect(unexpected).toEqual([]);
    },
    timeoutFor(DEFAULT_RUNS),
  );
});
