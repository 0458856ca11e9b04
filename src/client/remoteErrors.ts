import {
  AlreadyExistsError,
  AlreadyLoadingError,
  AlreadyStartedError,
  AlreadyStoppedError,
  ImmutableError,
  NotFoundError,
} from '../errors.js';
import { RemoteError } from './RemoteError.js';

/** The library's errors a remote map may answer with, by their code. */
const BY_CODE: Readonly<Record<string, new (message: string) => Error>> = {
  ERR_ALREADY_STARTED: AlreadyStartedError,
  ERR_ALREADY_STOPPED: AlreadyStoppedError,
  ERR_ALREADY_LOADING: AlreadyLoadingError,
  ERR_ALREADY_EXISTS: AlreadyExistsError,
  ERR_IMMUTABLE: ImmutableError,
  ERR_NOT_FOUND: NotFoundError,
};

/**
 * The error for an error answer: the library's class when the code is one of its own, else a
 * {@link RemoteError}.
 * @param body - the parsed answer, `{ error: { code, name, message } }` when the server wrote it.
 */
export function errorFromAnswer(status: number, body: unknown): Error {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `request failed with status ${status}`;
  const Known = BY_CODE[code];
  if (Known !== undefined) return new Known(message);
  return new RemoteError(status, code, message);
}

/** A failure to reach the server at all, as a {@link RemoteError} of status 0. */
export function networkError(err: unknown): RemoteError {
  const message = err instanceof Error ? err.message : String(err);
  return new RemoteError(0, 'ERR_NETWORK', `network error: ${message}`, { cause: err });
}
