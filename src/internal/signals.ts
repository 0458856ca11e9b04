/** What a caller needs of an AbortController: its signal, and a way to abort it. */
export interface Abortable {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

/**
 * Abort reasons made once. Building a fresh `DOMException` for every abort captures a stack
 * trace each time, which costs more than everything else a stop does; these say why the
 * signal aborted, and are frozen so that no holder can change them for the others.
 */
export const abortReasons = Object.freeze({
  /** The service stopped: its run ended. */
  stopped: Object.freeze(new DOMException('the service stopped', 'AbortError')),
  /** A new load (or a new call, for monoApply) took over from this one. */
  superseded: Object.freeze(new DOMException('a newer load took over', 'AbortError')),
});

/** `AbortSignal.any`, where the platform has it (Node 20.3+, current browsers). */
const anySignal: ((signals: AbortSignal[]) => AbortSignal) | undefined =
  typeof AbortSignal.any === 'function' ? AbortSignal.any.bind(AbortSignal) : undefined;

/**
 * A controller whose signal also aborts, with the same reason, when `parent` does. Where the
 * platform has `AbortSignal.any` the parent holds the child weakly (no listener stays on the
 * parent after the child succeeded); elsewhere (Node before 20.3) the link is a listener on
 * the parent that goes away when the child aborts.
 */
export function childController(parent: AbortSignal | undefined): Abortable {
  const own = new AbortController();
  if (parent === undefined) return own;
  if (anySignal !== undefined) {
    const signal = anySignal([parent, own.signal]);
    return { signal, abort: (reason?: unknown) => own.abort(reason) };
  }
  if (parent.aborted) own.abort(parent.reason);
  else parent.addEventListener('abort', () => own.abort(parent.reason), { once: true, signal: own.signal });
  return own;
}

/** Completed attempts a run keeps strongly before it starts to hold them weakly. */
const STRONG = 8;

/**
 * The key under which a weakly held signal carries its controller, so that the controller
 * lives exactly as long as the signal (a `WeakMap` would do it too, but its table keeps its
 * largest size after a burst).
 */
const OWNER = Symbol('rx-lifecycle.owner');
type Owned = AbortSignal & { [OWNER]?: Abortable };

/** Drops the `WeakRef` of a collected signal from the run that held it. */
const collected =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ readonly set: Set<WeakRef<AbortSignal>>; readonly ref: WeakRef<AbortSignal> }>(({ set, ref }) =>
        set.delete(ref),
      )
    : undefined;

/**
 * The signals one run of a service has handed to apply: each must abort when the run ends,
 * also after its attempt succeeded.
 *
 * @remarks
 * A run reconfigured very often would keep a controller per successful load until it ends,
 * so only the first few are kept strongly. Later ones are held weakly, unless someone
 * listens to them: a signal nobody holds and nobody listens to can never be seen to abort,
 * so dropping it loses nothing, while one that is held (polled, or inside a pending `fetch`)
 * is still reached through its `WeakRef`. Listening (`addEventListener`, `onabort`) moves a
 * signal to the strong set, so the listener's clean-up always runs. (`AbortSignal.any` would
 * do the same, but Node 20 keeps about 60 bytes per call on the parent signal for good.)
 */
export class RunSignals {
  #strong: Abortable[] = [];
  /** The kept signals past the first few, held weakly; made for the first of them. */
  #weak: Set<WeakRef<AbortSignal>> | undefined;
  /** Controllers of this run whose signal has a listener (while not in `#strong` yet). */
  #listened: WeakSet<Abortable> | undefined;

  /** A fresh controller for an attempt of this run. */
  attempt(): Abortable {
    const controller = new AbortController();
    if (this.#strong.length >= STRONG && typeof WeakRef === 'function') this.#watch(controller);
    return controller;
  }

  /** An attempt succeeded: its signal lives on until the run ends. */
  keep(controller: Abortable): void {
    if (this.#strong.length < STRONG || typeof WeakRef !== 'function' || this.#listened?.has(controller)) {
      this.#strong.push(controller);
      return;
    }
    const signal = controller.signal;
    const ref = new WeakRef(signal);
    (signal as Owned)[OWNER] = controller;
    const weak = (this.#weak ??= new Set());
    weak.add(ref);
    collected?.register(signal, { set: weak, ref });
  }

  /** The run ended: every signal it handed out aborts with `reason`. */
  abortAll(reason: unknown): void {
    const strong = this.#strong;
    const weak = this.#weak;
    this.#strong = [];
    this.#weak = undefined;
    for (const controller of strong) controller.abort(reason);
    for (const ref of weak ?? []) {
      const signal = ref.deref();
      (signal as Owned | undefined)?.[OWNER]?.abort(reason);
    }
  }

  /** Holds `controller` strongly once its signal gets a listener (`addEventListener`, `onabort`). */
  #watch(controller: Abortable): void {
    const listened = () => {
      if ((this.#listened ??= new WeakSet()).has(controller)) return;
      this.#listened.add(controller);
      if ((controller.signal as Owned)[OWNER] !== undefined) this.#strong.push(controller); // kept weakly so far
    };
    const { addEventListener } = AbortSignal.prototype;
    const onabort = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'onabort');
    Object.defineProperties(controller.signal, {
      addEventListener: {
        configurable: true,
        writable: true,
        value(this: AbortSignal, ...args: Parameters<AbortSignal['addEventListener']>) {
          listened();
          return addEventListener.apply(this, args);
        },
      },
      onabort: {
        configurable: true,
        get(this: AbortSignal) {
          return onabort?.get?.call(this);
        },
        set(this: AbortSignal, value: unknown) {
          listened();
          onabort?.set?.call(this, value);
        },
      },
    });
  }
}
