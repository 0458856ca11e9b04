import { Service } from '../Service.js';
import type { Lifecycle } from '../Lifecycle.js';
import type { State } from '../State.js';
import type { OutboxListener } from './outbox.js';

/**
 * Follows the States `lifecycle` commits from now on: the one way a map follows a service.
 * A {@link Service} takes `listener` into the outbox its own subscribers use (no
 * subscription, no second channel); any other Lifecycle is subscribed to.
 * @returns the State to start from, and what stops following; that returns the States
 * committed that the listener has not had yet, when the service can tell (a Service can).
 * @internal
 */
export function follow<R>(lifecycle: Lifecycle<R>, listener: OutboxListener<State<R>>): [State<R>, () => State<R>[]] {
  if (lifecycle instanceof Service) {
    const leave = (lifecycle as Service<unknown, R>).follow(listener);
    return [lifecycle.state as State<R>, leave];
  }
  const [state, changes] = lifecycle.stateAndChanges();
  const subscription = changes.subscribe(listener);
  return [
    state,
    () => {
      subscription.unsubscribe();
      return [];
    },
  ];
}
