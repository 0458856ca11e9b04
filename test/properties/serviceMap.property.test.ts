/**
 * Model-based property test of `ServiceMap`: random creates (good ones, and every way a create
 * can fail: empty kind, taken id, an IdFunc that throws, a factory that throws or returns a
 * non-Lifecycle or re-entrantly adds the same id, a start or configure that throws), deletes
 * (known and unknown ids), state changes of the services (start, stop, configure, applies that
 * succeed, fail, hang and retry on virtual time, also of services already removed), and
 * listeners of every kind subscribing and unsubscribing mid-stream, also from inside a
 * notification, where they may also create, delete or change services. A service's own stop
 * (its `onStop`, an abort listener of its apply, a `state$` subscriber) may create, delete or
 * re-create ids, its own included; some services are Lifecycles that wrap a Service, some hand
 * out copies of its States (issue 15 #2, #3).
 *
 * After every step (serviceMap.mirrors.ts):
 * - `values()` holds exactly the records the model expects, in order, each id once, each made
 *   by the factory for that id and kind; every create and delete threw what the spec says;
 * - for every `getAndListenState()` listener, its snapshot plus the events it got, replayed,
 *   equal `states()` (same records, same States, each the service's current State); every
 *   event is consistent with the replay so far (an `add` for an absent id, an `update` or
 *   `remove` whose oldValue is the current State of a present id) and every `update` moves
 *   to the very next State the service published (nothing missed, nothing repeated);
 * - the same for `getAndListen()` against `values()`;
 * - `states$` last emitted the whole map, once per change; `summary$` last emitted a recount,
 *   and only when it changed; `stateOf$('a')` last emitted the State `states()` has for `a`;
 * - a Lifecycle that is not a Service is followed through exactly one subscription while
 *   anyone listens to States, none otherwise, and none once removed;
 * - a failed create leaves the service it made stopped; every change carries the time it
 *   happened; unsubscribed listeners get nothing more.
 *
 * Runs: `FC_NUM_RUNS` (default 400, a fixed seed), seed `FC_SEED`, replay `FC_PATH` (see fcEnv.ts).
 */
import fc from 'fast-check';
import { assertProperty, commandsOptions, timeoutFor } from './fcEnv';
import {
  CONFIGS,
  IDS,
  KINDS,
  MapHarness,
  type CreateArgs,
  type Kind,
  type ListenerKind,
  type MapAction,
  type StopAction,
  type StopSite,
  type SvcOp,
} from './serviceMap.harness';
import { finalCheck, verifyMirrors } from './serviceMap.mirrors';

const DEFAULT_RUNS = 400;

type Cmd = fc.Command<MapHarness, MapHarness>;

function command(label: string, run: (h: MapHarness) => void): Cmd {
  return {
    check: () => true,
    run: (_m, h) => {
      run(h);
      verifyMirrors(h);
    },
    toString: () => label,
  };
}

const createArgs: fc.Arbitrary<CreateArgs> = fc.record({
  id: fc.constantFrom(...IDS),
  kind: fc.oneof({ arbitrary: fc.constantFrom<Kind>('worker', 'wrapped', 'copying', 'stubborn'), weight: 4 }, { arbitrary: fc.constantFrom(...KINDS), weight: 3 }),
  active: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
  config: fc.oneof({ arbitrary: fc.constant('{"n":1}' as const), weight: 3 }, { arbitrary: fc.constantFrom(...CONFIGS), weight: 2 }),
});
const svcOp = fc.constantFrom<SvcOp>('start', 'stop', 'configure', 'configureBad', 'ok', 'fail', 'hang', 'next', 'error');
const listenerKind = fc.constantFrom<ListenerKind>('state', 'records', 'states$', 'summary$', 'stateOf$');
const action: fc.Arbitrary<MapAction> = fc.oneof(
  createArgs.map((args): MapAction => ({ type: 'create', args })),
  fc.nat().map((pick): MapAction => ({ type: 'delete', pick })),
  fc.tuple(fc.nat(), svcOp).map(([pick, op]): MapAction => ({ type: 'svc', pick, op })),
  listenerKind.map((kind): MapAction => ({ type: 'listen', kind })),
  fc.nat().map((pick): MapAction => ({ type: 'unlisten', pick })),
);
const stopAction: fc.Arbitrary<StopAction> = fc.oneof(
  { arbitrary: fc.constantFrom<StopAction>({ type: 'recreateSelf' }, { type: 'deleteSelf' }), weight: 2 },
  { arbitrary: action, weight: 1 },
);
const stopSite = fc.constantFrom<StopSite>('onStop', 'abort', 'subscriber');

const createCmd = createArgs.map((args) => command(`create(${JSON.stringify(args)})`, (h) => h.create(args)));
const svcCmd = fc.tuple(fc.nat(), svcOp).map(([pick, op]) => command(`svc(${pick}, ${op})`, (h) => h.svc(pick, op)));
const hookCmd = fc.tuple(fc.nat(), action).map(([pick, a]) =>
  command(`listenerWillDo(${pick}, ${JSON.stringify(a)})`, (h) => {
    const live = h.listeners.filter((l) => l.active);
    if (live.length > 0) live[pick % live.length]!.hook = a;
  }),
);
const stopHookCmd = fc.tuple(fc.nat(), stopSite, stopAction).map(([pick, site, a]) =>
  command(`stopWillDo(${pick}, ${site}, ${JSON.stringify(a)})`, (h) => {
    if (h.made.length > 0) h.made[pick % h.made.length]!.stopHook = { site, action: a };
  }),
);
const listenCmd = listenerKind.map((kind) => command(`listen(${kind})`, (h) => h.listen(kind)));
const commandArbs = [
  createCmd,
  createCmd,
  createCmd,
  fc.nat().map((pick) => command(`delete(${pick})`, (h) => h.delete(pick))),
  fc.nat().map((pick) => command(`delete(${pick})`, (h) => h.delete(pick))),
  svcCmd,
  svcCmd,
  svcCmd,
  svcCmd,
  hookCmd,
  hookCmd,
  stopHookCmd,
  stopHookCmd,
  listenCmd,
  listenCmd,
  fc.constantFrom(50, 100, 1000).map((ms) =>
    command(`advance(${ms})`, (h) => {
      const until = h.sched.now() + ms;
      h.sched.maxFrames = until;
      h.sched.flush();
      h.sched.frame = until;
    }),
  ),
  fc.nat().map((pick) => command(`unlisten(${pick})`, (h) => h.unlisten(pick))),
];

describe('ServiceMap (model-based properties)', () => {
  it(
    'should keep snapshots, events, states$, summary$ and stateOf$ equal to the map after every step',
    async () => {
      await assertProperty(
        'test/properties/serviceMap.property.test.ts',
        fc.asyncProperty(fc.commands(commandArbs, commandsOptions(80)), async (cmds) => {
          const h = new MapHarness();
          try {
            fc.modelRun(() => ({ model: h, real: h }), cmds);
            finalCheck(h);
          } finally {
            h.dispose();
          }
        }),
        DEFAULT_RUNS,
      );
    },
    timeoutFor(DEFAULT_RUNS),
  );
});
