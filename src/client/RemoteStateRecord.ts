import type { StateRecordBase } from '../records.js';
import type { State } from '../State.js';

/**
 * A record of a remote mirror ({@link RemoteServiceMap}, or a NATS fleet): id, kind and a
 * State rebuilt from the wire, frozen. There is no service object: the service lives on the
 * server, and the mirror's commands reach it.
 * @example
 * ```ts
 * import { statusOf } from 'rx-lifecycle';
 * import type { RemoteStateRecord } from 'rx-lifecycle/client';
 *
 * const line = (r: RemoteStateRecord) => `${r.id} ${r.kind} ${statusOf(r.state)}${r.stale ? ' (stale)' : ''}`;
 * console.log(line({ id: 'a', kind: 'web', state: { active: true, loading: false, failedAttempts: 0 } }));
 * // a web running
 * ```
 * @category Remote
 */
export interface RemoteStateRecord extends StateRecordBase {
  /**
   * Set on a fleet record whose node has gone silent; never set by {@link RemoteServiceMap}.
   * @defaultValue undefined
   */
  readonly stale?: boolean | undefined;
  /** The State, rebuilt from the wire: its config (when the server exposes configs) is text, bytes or a JSON value. */
  readonly state: State;
}
