import { RemoteError } from '../client/RemoteError.js';
import { errorFromAnswer } from '../client/remoteErrors.js';
import type { CommandReply } from './bucket.js';

/**
 * The error a refused command rejects with, as `RemoteServiceMap`'s would: a section 5 class
 * when the code matches, else a `RemoteError` with the status. @internal
 */
export function replyFailure(reply: CommandReply): Error {
  return errorFromAnswer(reply.status, reply.body);
}

/** A `RemoteError` of status `503`: the node did not answer, or the fleet could not see the effect. @internal */
export function unreachable(code: string, message: string, cause?: unknown): Error {
  return new RemoteError(503, code, message, cause === undefined ? undefined : { cause });
}
