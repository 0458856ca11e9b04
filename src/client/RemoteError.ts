import { LifecycleError } from '../errors.js';

/**
 * A failure a remote map answered with that is none of the library's own errors: a refused
 * request (`401`, `403`), a bad one (`400`, `415`), a failed precondition (`412`), a server
 * that cannot be reached (`status` 0), and so on. Commands that fail with one of the
 * library's codes reject with that class instead (`AlreadyStartedError` for
 * `ERR_ALREADY_STARTED`, ...).
 *
 * @example
 * ```ts
 * import { LifecycleError } from 'rx-lifecycle';
 * import { RemoteError } from 'rx-lifecycle/client';
 *
 * const err = new RemoteError(412, 'ERR_PRECONDITION_FAILED', 'precondition failed');
 * console.log(err instanceof LifecycleError, err.name, err.status, err.code); // true RemoteError 412 ERR_PRECONDITION_FAILED
 * ```
 * @category Remote
 */
export class RemoteError extends LifecycleError {
  /** Always `'RemoteError'`. */
  override readonly name = 'RemoteError';

  /**
   * @param status - the HTTP status of the answer (0 when there was none), or the status a
   * transport maps its failure to (a fleet's unreachable node: `503`).
   * @param code - the answer's error code, such as `ERR_FORBIDDEN`.
   * @param message - the answer's message.
   * @param options - `cause`, as for `Error`.
   */
  /** The answer's error code (the section 9 codes, or the server's own). */
  override readonly code: string;

  /** The HTTP status of the answer (0 when there was none), or the one a transport maps its failure to. */
  readonly status: number;

  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}
