import { Observable, type Subscriber } from 'rxjs';
import type { StateChange, StateRecordBase } from '../records.js';
import type { State } from '../State.js';

/**
 * The `stateOf$(id)` of any map: one subscription to its changes, shared by every `stateOf$`
 * subscriber, hands each change only to the subscribers of its id (a `Map` look-up), so the
 * cost of a change depends neither on the map's size nor on how many ids are watched.
 * @internal
 */
export class StateOfId<R extends StateRecordBase> {
  readonly #changes: () => Observable<StateChange<R>>;
  readonly #lookup: (id: string) => R['state'] | undefined;
  readonly #byId = new Map<string, Set<Subscriber<State<unknown> | undefined>>>();
  /** The current State of every watched id, as the shared subscription has seen it. */
  readonly #current = new Map<string, State<unknown> | undefined>();
  #unsubscribe: (() => void) | undefined;

  /**
   * @param changes - the map's stream of later changes (no snapshot: `lookup` gives the State).
   * @param lookup - the current State of an id, without a scan.
   */
  constructor(changes: () => Observable<StateChange<R>>, lookup: (id: string) => R['state'] | undefined) {
    this.#changes = changes;
    this.#lookup = lookup;
  }

  stateOf$(id: string): Observable<R['state'] | undefined> {
    return new Observable<R['state'] | undefined>((subscriber) => {
      if (this.#unsubscribe === undefined) this.#open();
      let watchers = this.#byId.get(id);
      if (watchers === undefined) {
        this.#byId.set(id, (watchers = new Set()));
        this.#current.set(id, this.#lookup(id));
      }
      watchers.add(subscriber as Subscriber<State<unknown> | undefined>);
      subscriber.next(this.#current.get(id) as R['state'] | undefined);
      return () => {
        watchers.delete(subscriber as Subscriber<State<unknown> | undefined>);
        if (watchers.size > 0) return;
        this.#byId.delete(id);
        this.#current.delete(id);
        if (this.#byId.size === 0) this.#close();
      };
    });
  }

  #open(): void {
    const subscription = this.#changes().subscribe({
      next: (change) => {
        const id = (change.newValue ?? change.oldValue)!.id;
        const watchers = this.#byId.get(id);
        if (watchers === undefined) return;
        // A change of the record alone (a fleet's stale mark) leaves the State as it was.
        const state = change.changeType === 'remove' ? undefined : change.newValue!.state;
        if (this.#current.get(id) === state) return;
        this.#current.set(id, state);
        for (const watcher of [...watchers]) watcher.next(state);
      },
      // The map ended (a remote mirror that closed): so does every stateOf$.
      complete: () => {
        const watchers = [...this.#byId.values()].flatMap((set) => [...set]);
        this.#byId.clear();
        this.#current.clear();
        this.#unsubscribe = undefined;
        for (const watcher of watchers) watcher.complete();
      },
    });
    this.#unsubscribe = () => subscription.unsubscribe();
  }

  #close(): void {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    unsubscribe?.();
  }
}
