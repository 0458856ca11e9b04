/**
 * The commands of a remote map (SPEC section 9), free of any transport: validate a body with
 * valibot, run the command on a `ServiceMap` or on a {@link RemoteCommands}, and turn the
 * outcome into a status and a JSON body. The HTTP server and the NATS fleet both answer
 * commands with it.
 */
import * as v from 'valibot';
import { NotFoundError } from '../errors.js';
import type { RemoteCommands } from '../client/RemoteCommands.js';
import type { ServiceMap } from '../ServiceMap.js';
import type { RawConfig } from '../State.js';
import type { StateRecordBase } from '../records.js';
import { base64ToBytes, errorBody, toWireRecord, type WireErrorBody, type WireRecord } from './wire.js';

/**
 * What a principal may be allowed to do on a served map: `read` covers every GET (lists,
 * records, summary, watch); the others are the commands.
 * @example
 * ```ts
 * import type { Action } from 'rx-lifecycle/http';
 *
 * const operator: readonly Action[] = ['read', 'start', 'stop'];
 * console.log(operator.includes('delete')); // false
 * ```
 * @category Remote
 */
export type Action = 'read' | 'start' | 'stop' | 'configure' | 'create' | 'delete';

/** The actions that change a map. */
export type CommandAction = Exclude<Action, 'read'>;

/** A command whose body passed validation. */
export type Command =
  | { readonly action: 'start' | 'stop' | 'delete'; readonly id: string }
  | { readonly action: 'configure'; readonly id: string; readonly config: RawConfig; readonly ifConfigTime: number | undefined }
  | {
      readonly action: 'create';
      readonly id: string | undefined;
      readonly kind: string;
      readonly active: boolean | undefined;
      readonly config: RawConfig | undefined;
    };

/** Where commands run: a local map (of any service type), or anything with the remote commands (a fleet). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandTarget = ServiceMap<any> | RemoteCommands;

/** The outcome of a command: a status and a JSON body (a wire record, or an error body). */
export interface CommandResult {
  readonly status: number;
  readonly body: (WireRecord & Record<string, unknown>) | WireErrorBody;
}

/** The codes and names of the errors a remote map answers with besides the library's own. */
export const ERRORS = {
  badRequest: { code: 'ERR_BAD_REQUEST', name: 'BadRequestError' },
  unauthenticated: { code: 'ERR_UNAUTHENTICATED', name: 'UnauthenticatedError' },
  forbidden: { code: 'ERR_FORBIDDEN', name: 'ForbiddenError' },
  notFound: { code: 'ERR_NOT_FOUND', name: 'NotFoundError' },
  methodNotAllowed: { code: 'ERR_METHOD_NOT_ALLOWED', name: 'MethodNotAllowedError' },
  preconditionFailed: { code: 'ERR_PRECONDITION_FAILED', name: 'PreconditionFailedError' },
  tooLarge: { code: 'ERR_BODY_TOO_LARGE', name: 'BodyTooLargeError' },
  unsupportedMediaType: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE', name: 'UnsupportedMediaTypeError' },
  unavailable: { code: 'ERR_UNAVAILABLE', name: 'UnavailableError' },
} as const;

/** An error result of `status` with one of {@link ERRORS}. */
export function failure(status: number, which: keyof typeof ERRORS, message: string): CommandResult {
  const { code, name } = ERRORS[which];
  return { status, body: errorBody(code, name, message) };
}

/** The library's error codes that mean "the service or map is not in a state for this". */
const CONFLICT_CODES = new Set(['ERR_ALREADY_STARTED', 'ERR_ALREADY_STOPPED', 'ERR_ALREADY_LOADING', 'ERR_ALREADY_EXISTS', 'ERR_IMMUTABLE']);

/**
 * The result for an error a command threw: `409` for the conflicts of section 5, `404` for
 * `NotFoundError`, `412` for a failed precondition, the `status` of an error that carries one
 * (a fleet's `RemoteError`), and `400` for anything else (a parse error of the config, a
 * `TypeError` of a bad argument, a kind the map's factory does not know).
 */
export function errorResult(err: unknown): CommandResult {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  const given = (error as { status?: unknown }).status;
  const name = error.name || 'Error';
  if (typeof code === 'string' && CONFLICT_CODES.has(code)) return { status: 409, body: errorBody(code, name, error.message) };
  if (code === ERRORS.notFound.code) return { status: 404, body: errorBody(code, name, error.message) };
  if (code === ERRORS.preconditionFailed.code) return { status: 412, body: errorBody(code, name, error.message) };
  if (typeof given === 'number' && Number.isInteger(given) && given >= 400 && given <= 599) {
    return { status: given, body: errorBody(typeof code === 'string' ? code : 'ERR_REMOTE', name, error.message) };
  }
  return { status: 400, body: errorBody(typeof code === 'string' ? code : ERRORS.badRequest.code, name, error.message) };
}

const configSchema = v.union(
  [v.string(), v.strictObject({ base64: v.string('must be base64 text') }, 'must be a string or { base64 }')],
  'must be a string or { base64 }',
);

const emptySchema = v.optional(v.nullable(v.object({}, 'must be a JSON object')));

const configureSchema = v.object(
  {
    config: configSchema,
    ifConfigTime: v.optional(v.pipe(v.number('must be a number (epoch ms)'), v.finite('must be a finite number'))),
  },
  'must be a JSON object',
);

const createSchema = v.object(
  {
    id: v.optional(v.string('must be a string')),
    kind: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty')),
    active: v.optional(v.boolean('must be true or false')),
    config: v.optional(configSchema),
  },
  'must be a JSON object',
);

/** The first problem of a failed valibot parse, as `field must ...` (or `body must ...`). */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'body is not valid';
  const field = v.getDotPath(issue) ?? 'body';
  return `${field} ${issue.message}`;
}

function rawConfig(config: v.InferOutput<typeof configSchema>): RawConfig {
  return typeof config === 'string' ? config : base64ToBytes(config.base64);
}

/**
 * Validates the JSON body of `action` on `id` (the id from the path; none for `create`).
 * @returns the command, or the `400` result naming the field at fault.
 */
export function parseCommand(action: CommandAction, id: string | undefined, body: unknown): Command | CommandResult {
  const bad = (message: string) => failure(400, 'badRequest', message);
  if (action === 'create') {
    const parsed = v.safeParse(createSchema, body);
    if (!parsed.success) return bad(describeIssue(parsed.issues));
    const { id: newId, kind, active, config } = parsed.output;
    try {
      return { action, id: newId, kind, active, config: config === undefined ? undefined : rawConfig(config) };
    } catch (err) {
      return bad(`config.${(err as Error).message}`);
    }
  }
  if (id === undefined) return bad('id is required');
  if (action === 'configure') {
    const parsed = v.safeParse(configureSchema, body);
    if (!parsed.success) return bad(describeIssue(parsed.issues));
    try {
      return { action, id, config: rawConfig(parsed.output.config), ifConfigTime: parsed.output.ifConfigTime };
    } catch (err) {
      return bad(`config.${(err as Error).message}`);
    }
  }
  const parsed = v.safeParse(emptySchema, body);
  if (!parsed.success) return bad(describeIssue(parsed.issues));
  return { action, id };
}

/** Whether a value returned by {@link parseCommand} is a result (a refusal) rather than a command. */
export function isResult(value: Command | CommandResult): value is CommandResult {
  return 'status' in value;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isLocal(target: CommandTarget): target is ServiceMap<any> {
  return typeof (target as ServiceMap).get === 'function' && typeof (target as ServiceMap).values === 'function';
}

/** The kind of the record `id` of `target`, `undefined` when there is none. */
export function kindOf(target: CommandTarget, id: string): string | undefined {
  if (isLocal(target)) return target.get(id)?.kind;
  return target.states().find((r) => r.id === id)?.kind;
}

/** Options of {@link executeCommand}. */
export interface ExecuteOptions {
  /** Send configs in the answer's record. */
  readonly exposeConfig: boolean;
  /**
   * Called right after a local map's command returned, in the same synchronous turn, for
   * fields to add to a successful answer (the HTTP server adds the seq of the last change).
   */
  readonly stamp?: (() => Record<string, unknown>) | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function runLocal(map: ServiceMap<any>, command: Command): { status: number; record: StateRecordBase } {
  if (command.action === 'create') {
    const state = { active: command.active, config: command.config };
    const created = map.create(command.id, command.kind, state);
    return { status: 201, record: { id: created.id, kind: command.kind, state: created.state } };
  }
  const entry = map.get(command.id);
  if (entry === undefined) throw new NotFoundError(`not found: ${command.id}`);
  const { service, kind } = entry;
  switch (command.action) {
    case 'start':
      return { status: 200, record: { id: command.id, kind, state: service.start() } };
    case 'stop':
      return { status: 200, record: { id: command.id, kind, state: service.stop() } };
    case 'delete':
      return { status: 200, record: { id: command.id, kind, state: map.delete(command.id) } };
    case 'configure': {
      const current = service.state.lastConfigTime;
      if (command.ifConfigTime !== undefined && command.ifConfigTime !== current) {
        throw Object.assign(new Error(preconditionMessage(command.id, command.ifConfigTime, current)), {
          name: ERRORS.preconditionFailed.name,
          code: ERRORS.preconditionFailed.code,
        });
      }
      return { status: 200, record: { id: command.id, kind, state: service.configure(command.config) } };
    }
  }
}

function preconditionMessage(id: string, expected: number, actual: number | undefined): string {
  return `precondition failed: ${id} was configured at ${String(actual)}, not ${expected}`;
}

async function runRemote(target: RemoteCommands, command: Command): Promise<{ status: number; record: StateRecordBase }> {
  switch (command.action) {
    case 'create': {
      const { id, kind, active, config } = command;
      return { status: 201, record: await target.create({ id, kind, active, config }) };
    }
    case 'start':
      return { status: 200, record: await target.start(command.id) };
    case 'stop':
      return { status: 200, record: await target.stop(command.id) };
    case 'configure': {
      const options = command.ifConfigTime === undefined ? {} : { ifConfigTime: command.ifConfigTime };
      return { status: 200, record: await target.configure(command.id, command.config, options) };
    }
    case 'delete': {
      const last = target.states().find((r) => r.id === command.id);
      await target.delete(command.id);
      return { status: 200, record: last ?? { id: command.id, kind: '', state: deletedState } };
    }
  }
}

const deletedState = Object.freeze({ active: false, loading: false, failedAttempts: 0 });

/**
 * Runs a validated command on `target` and answers it: the record after the command (`201`
 * for a create), or the error result of {@link errorResult}. Never throws.
 */
export async function executeCommand(target: CommandTarget, command: Command, options: ExecuteOptions): Promise<CommandResult> {
  try {
    let outcome: { status: number; record: StateRecordBase };
    let extra: Record<string, unknown> = {};
    if (isLocal(target)) {
      outcome = runLocal(target, command);
      if (options.stamp) extra = options.stamp();
    } else {
      outcome = await runRemote(target, command);
      if (options.stamp) extra = options.stamp();
    }
    return { status: outcome.status, body: { ...toWireRecord(outcome.record, options.exposeConfig), ...extra } };
  } catch (err) {
    return errorResult(err);
  }
}

/**
 * Validates and runs a command in one step, for transports that have no authorization
 * between the two (see {@link parseCommand} and {@link executeCommand}).
 */
export async function runCommand(
  target: CommandTarget,
  action: CommandAction,
  id: string | undefined,
  body: unknown,
  options: ExecuteOptions,
): Promise<CommandResult> {
  const command = parseCommand(action, id, body);
  return isResult(command) ? command : executeCommand(target, command, options);
}
