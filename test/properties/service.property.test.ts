/**
 * Model-based property test of `Service`: random sequences of start, stop, configure (valid
 * and invalid configs), applies that succeed or fail (sync, promise, thenable, Observable,
 * hanging), Observable tasks that crash after their success, retry and timeout timers on
 * virtual time, re-entrant calls from a subscriber and from `onStop`, and subscribers that
 * come and go. After every step the service is compared with the model of serviceModel.ts,
 * written from the sentences of SPEC.md sections 1, 2 and 7 (not from the library's reducer),
 * and the invariants are checked (service.harness.ts):
 * - `loading` implies `active`; `nextAttemptTime` only while loading; every State frozen
 *   and never mutated;
 * - every subscriber gets every State exactly once, in order (the same objects for all of
 *   them), and its last one is `service.state`; each method returns the State the spec says;
 * - apply is called exactly when the spec says, never for a stopped service, never with
 *   another attempt in flight; each signal is aborted exactly when the spec says (every
 *   signal of an ended run is aborted); an Observable task is subscribed exactly while the
 *   spec says it runs;
 * - the pending timers of the scheduler are exactly the spec's (none after a stop);
 * - the retry logger and `onStop` are called exactly when the spec says.
 * Re-entrancy from every other callback (abort listeners, the logger, apply itself) is in
 * service.reentrancy.property.test.ts.
 *
 * Runs: `FC_NUM_RUNS` (default 500, a fixed seed), seed `FC_SEED`, replay `FC_PATH` (see fcEnv.ts).
 */
import fc from 'fast-check';
import { config as rxConfig } from 'rxjs';
import { assertProperty, commandsOptions, timeoutFor } from './fcEnv';
import { Harness } from './service.harness';
import { FIXED_SUBS, RAWS, bounded, makeThrown, materialize, type Behaviour, type ErrKind, type GenOptions, type HookSpec, type SettleOutcome } from './serviceWorld';

const DEFAULT_RUNS = 500;

type Cmd = fc.AsyncCommand<Harness, Harness>;

function command(label: string, check: (h: Harness) => boolean, run: (h: Harness) => Promise<void>): Cmd {
  return { check, run: (_m, h) => run(h), toString: () => label };
}

const always = () => true;
const errKind = fc.constantFrom<ErrKind>('error', 'abort', 'string');
const rawIndex = fc.integer({ min: 0, max: RAWS.length - 1 });

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  { arbitrary: fc.constantFrom<Behaviour>({ kind: 'void' }, { kind: 'null' }, { kind: 'value' }), weight: 2 },
  { arbitrary: errKind.map((err): Behaviour => ({ kind: 'throw', err })), weight: 2 },
  {
    arbitrary: fc
      .record({ first: fc.constantFrom('none' as const, 'next' as const, 'complete' as const, 'error' as const), err: errKind })
      .map((r): Behaviour => ({ kind: 'obs', ...r })),
    weight: 4,
  },
  {
    arbitrary: fc
      .record({ how: fc.constantFrom('resolve' as const, 'reject' as const, 'hang' as const), thenable: fc.boolean(), err: errKind })
      .map((r): Behaviour => ({ kind: 'promise', ...r })),
    weight: 3,
  },
);

const hookArb: fc.Arbitrary<HookSpec> = fc.oneof(
  fc.constantFrom<HookSpec>({ type: 'start' }, { type: 'stop' }, { type: 'subscribe' }, { type: 'unsubscribe' }),
  rawIndex.map((raw): HookSpec => ({ type: 'configure', raw })),
);
const stopHookArb: fc.Arbitrary<HookSpec> = fc.oneof(
  fc.constantFrom<HookSpec>({ type: 'start' }, { type: 'stop' }),
  rawIndex.map((raw): HookSpec => ({ type: 'configure', raw })),
);

const startCmd = fc.constant(
  command('start()', always, (h) =>
    h.step(
      () => h.service.start(),
      () => h.spec.start(),
    ),
  ),
);
const stopCmd = fc.constant(
  command('stop()', always, (h) =>
    h.step(
      () => h.service.stop(),
      () => h.spec.stop(),
    ),
  ),
);
const configureCmd = rawIndex.map((raw) =>
  command(`configure(RAWS[${raw}])`, always, (h) => {
    const data = RAWS[raw]!();
    return h.step(
      () => h.service.configure(data),
      () => h.spec.configure(data),
    );
  }),
);
const behaviourCmd = behaviourArb.map((b) =>
  command(`behaviour(${JSON.stringify(b)})`, always, (h) => {
    const thrown = 'err' in b ? makeThrown(b.err) : undefined;
    return h.step(
      () => {
        h.behaviour = b;
        h.thrown = thrown;
      },
      () => {
        h.spec.behaviour = b;
        h.spec.thrown = thrown;
      },
    );
  }),
);
const settleCmd = fc
  .tuple(fc.nat(), fc.constantFrom<SettleOutcome>('next', 'complete', 'error', 'error'), errKind)
  .map(([pick, how, err]) =>
    command(
      `settle(${pick}, ${how}, ${err})`,
      (h) => h.spec.settleCandidates().length > 0,
      (h) => {
        const candidates = h.spec.settleCandidates();
        const i = candidates[pick % candidates.length]!;
        const thrown = makeThrown(err);
        return h.step(
          () => {
            const call = h.calls[i]!;
            if (call.behaviour.kind === 'promise') {
              call.settled = true;
              if (how === 'error') call.reject!(thrown);
              else call.resolve!();
            } else {
              call.settled = true;
              if (how === 'next') call.subscriber!.next(2);
              else if (how === 'complete') call.subscriber!.complete();
              else call.subscriber!.error(thrown);
            }
          },
          () => h.spec.settleCall(h.spec.calls[i]!, how, thrown),
        );
      },
    ),
  );
const advanceCmd = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 3000 }), fc.constant(30_000)).map((ms) =>
  command(`advance(${ms})`, always, (h) => {
    const until = h.spec.now + ms;
    return h.step(
      () => {
        h.sched.maxFrames = until;
        h.sched.flush();
        h.sched.frame = until;
      },
      () => h.spec.advance(until),
    );
  }),
);
const hookCmd = hookArb.map((spec) =>
  command(`subscriberWillCall(${JSON.stringify(spec)})`, always, (h) => {
    const action = materialize(spec);
    return h.step(
      () => {
        h.hook = action;
      },
      () => {
        h.spec.hook = action;
      },
    );
  }),
);
const stopHookCmd = stopHookArb.map((spec) =>
  command(`onStopWillCall(${JSON.stringify(spec)})`, always, (h) => {
    const action = materialize(spec);
    return h.step(
      () => {
        h.stopHook = action;
      },
      () => {
        h.spec.stopHook = action;
      },
    );
  }),
);
const subscribeCmd = fc.constantFrom('state$' as const, 'changes' as const, 'snapshot' as const).map((kind) =>
  command(`subscribe(${kind})`, always, (h) =>
    h.step(
      () => h.subscribe(kind),
      () => {
        const n = h.spec.published.length;
        h.spec.subs.push(
          kind === 'snapshot'
            ? { kind, start: undefined, end: undefined, active: false, callIndex: n - 1 }
            : { kind, start: kind === 'state$' ? n - 1 : n, end: undefined, active: true, callIndex: n - 1 },
        );
      },
    ),
  ),
);
const subscribeLateCmd = fc.nat().map((pick) =>
  command(
    `subscribeSnapshot(${pick})`,
    (h) => h.spec.subs.some((s) => s.kind === 'snapshot' && s.start === undefined),
    (h) => {
      const pending = h.spec.subs.flatMap((s, i) => (s.kind === 'snapshot' && s.start === undefined ? [i] : []));
      const j = pending[pick % pending.length]!;
      return h.step(
        () => {
          const sub = h.subs[j]!;
          sub.active = true;
          sub.subscription = sub.pending!.subscribe((s) => sub.received.push(s));
        },
        () => {
          const ms = h.spec.subs[j]!;
          const last = h.spec.published.length - 1;
          // SPEC 2.3: if the State changed between the call and the subscription, the current one comes first.
          ms.start = ms.callIndex === last ? last + 1 : last;
          ms.active = true;
        },
      );
    },
  ),
);
const unsubscribeCmd = fc.nat().map((pick) =>
  command(
    `unsubscribe(${pick})`,
    (h) => h.spec.subs.some((s, i) => i >= FIXED_SUBS && s.active),
    (h) => {
      const live = h.spec.subs.flatMap((s, i) => (i >= FIXED_SUBS && s.active ? [i] : []));
      const j = live[pick % live.length]!;
      return h.step(
        () => h.unsubscribe(j),
        () => {
          h.spec.subs[j]!.end = h.spec.published.length;
          h.spec.subs[j]!.active = false;
        },
      );
    },
  ),
);

const commandArbs = [
  startCmd,
  startCmd,
  stopCmd,
  stopCmd,
  configureCmd,
  configureCmd,
  configureCmd,
  behaviourCmd,
  behaviourCmd,
  behaviourCmd,
  settleCmd,
  settleCmd,
  settleCmd,
  advanceCmd,
  advanceCmd,
  advanceCmd,
  hookCmd,
  hookCmd,
  stopHookCmd,
  subscribeCmd,
  subscribeLateCmd,
  unsubscribeCmd,
];

const optionsArb: fc.Arbitrary<GenOptions> = fc.record({
  initial: behaviourArb,
  initialErr: errKind,
  retry: fc.oneof(
    fc.constant(undefined),
    fc.constant(false),
    fc.constant(true),
    fc.record(
      {
        initialDelay: fc.integer({ min: 0, max: 2000 }),
        factor: fc.double({ min: 1, max: 3, noNaN: true }),
        maxDelay: fc.integer({ min: 0, max: 5000 }),
        minDelay: fc.integer({ min: 0, max: 1000 }),
        maxAttempts: fc.integer({ min: 0, max: 5 }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }),
        resetAfter: fc.integer({ min: 0, max: 3000 }),
      },
      { requiredKeys: [] },
    ),
  ),
  random: fc.double({ min: 0, max: 0.999, noNaN: true }),
  whileLoading: fc.constantFrom(undefined, 'reject' as const, 'switch' as const),
  applyTimeout: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
}).map(bounded);

describe('Service (model-based properties)', () => {
  // Counted, not kept: a long fuzz run reports millions of them.
  const unexpected: unknown[] = [];
  const previousHandler = rxConfig.onUnhandledError;
  beforeAll(() => {
    rxConfig.onUnhandledError = (err) => {
      if ((err as Error).message !== 'a subscriber that throws' && unexpected.length < 10) unexpected.push(err);
    };
  });
  afterAll(async () => {
    // Reports go out on a timer: let them arrive before the handler is put back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    rxConfig.onUnhandledError = previousHandler;
  });

  it(
    'should follow the spec and keep its invariants after every step',
    async () => {
      await assertProperty(
        'test/properties/service.property.test.ts',
        fc.asyncProperty(optionsArb, fc.commands(commandArbs, commandsOptions(60)), async (options, cmds) => {
          const h = new Harness(options);
          try {
            h.verify();
            await fc.asyncModelRun(() => ({ model: h, real: h }), cmds);
            h.finalCheck();
          } finally {
            h.dispose();
          }
        }),
        DEFAULT_RUNS,
      );
      // Only the subscriber that throws on purpose reported anything.
      expect(unexpected).toEqual([]);
    },
    timeoutFor(DEFAULT_RUNS),
  );
});
