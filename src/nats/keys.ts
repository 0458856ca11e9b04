/**
 * The layout of the fleet's key-value bucket: which key holds what, and how any service id
 * becomes one key token and back.
 *
 * - `<node>.<name>.<encoded id>`: the wire record of one service (JSON, without config).
 * - `=hb.<node>.<name>`: the heartbeat of the process that publishes map `<name>` of node
 *   `<node>` (`=` cannot start a node name, so the two families never meet).
 */

/** Node and map names: one key token, one subject token, one fleet id segment. */
const NAME = /^[A-Za-z0-9_-]+$/;

/** Characters an id keeps as they are in its key token. */
const PLAIN = /[A-Za-z0-9/-]/;

const HEARTBEAT = '=hb';

/**
 * Throws a `TypeError` naming `field` unless `value` is a valid node or map name.
 * @internal
 */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new TypeError(`${field} must match [A-Za-z0-9_-]+, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Turns any id (any JavaScript string, lone surrogates included) into one key token with no
 * dot: letters, digits, `-` and `/` stay; any other UTF-16 unit below 256 becomes `_` and
 * two hex digits, any unit from 256 on `=` and four; the empty id is `=`.
 * @internal
 */
export function encodeId(id: string): string {
  if (id === '') return '=';
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const ch = id[i] as string;
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    const unit = id.charCodeAt(i);
    out += unit < 0x100 ? `_${hex(unit, 2)}` : `=${hex(unit, 4)}`;
  }
  return out;
}

/**
 * The id {@link encodeId} made `token` from; throws a `TypeError` for a token it cannot
 * have made (so a foreign key is never mistaken for a service).
 * @internal
 */
export function decodeId(token: string): string {
  if (token === '=') return '';
  let out = '';
  let i = 0;
  while (i < token.length) {
    const ch = token[i] as string;
    if (ch === '_' || ch === '=') {
      const width = ch === '_' ? 2 : 4;
      const digits = token.slice(i + 1, i + 1 + width);
      const unit = /^[0-9a-f]+$/.test(digits) && digits.length === width ? parseInt(digits, 16) : -1;
      const plain = unit >= 0 && unit < 0x80 && PLAIN.test(String.fromCharCode(unit));
      if (unit < 0 || plain || (width === 4 && unit < 0x100)) throw badToken(token);
      out += String.fromCharCode(unit);
      i += 1 + width;
    } else if (PLAIN.test(ch)) {
      out += ch;
      i++;
    } else {
      throw badToken(token);
    }
  }
  if (out === '') throw badToken(token);
  return out;
}

/** The key of a service's record. @internal */
export function recordKey(node: string, name: string, id: string): string {
  return `${node}.${name}.${encodeId(id)}`;
}

/** The key filter of every record of one published map. @internal */
export function mapKeys(node: string, name: string): string {
  return `${node}.${name}.>`;
}

/** The key of a published map's heartbeat. @internal */
export function heartbeatKey(node: string, name: string): string {
  return `${HEARTBEAT}.${node}.${name}`;
}

/** The subject a published map answers commands on. @internal */
export function commandSubject(node: string, name: string): string {
  return `rxl.cmd.${node}.${name}`;
}

/** What a key of the bucket holds, or `undefined` for a key the fleet does not own. @internal */
export type ParsedKey =
  | { readonly type: 'record'; readonly node: string; readonly name: string; readonly id: string }
  | { readonly type: 'heartbeat'; readonly node: string; readonly name: string };

/** Reads a key of the bucket back. @internal */
export function parseKey(key: string): ParsedKey | undefined {
  const parts = key.split('.');
  if (parts.length !== 3) return undefined;
  const [first, second, third] = parts as [string, string, string];
  if (first === HEARTBEAT) {
    return NAME.test(second) && NAME.test(third) ? { type: 'heartbeat', node: second, name: third } : undefined;
  }
  if (!NAME.test(first) || !NAME.test(second)) return undefined;
  try {
    return { type: 'record', node: first, name: second, id: decodeId(third) };
  } catch {
    return undefined;
  }
}

/** `<node>/<name>/<id>`: a service's id in a fleet. @internal */
export function fleetId(node: string, name: string, id: string): string {
  return `${node}/${name}/${id}`;
}

/**
 * Splits a fleet id at its first two slashes; throws a `TypeError` naming `field` when it
 * has fewer or a bad node or map name.
 * @internal
 */
export function splitFleetId(value: unknown, field = 'id'): { node: string; name: string; id: string } {
  if (typeof value === 'string') {
    const a = value.indexOf('/');
    const b = a < 0 ? -1 : value.indexOf('/', a + 1);
    if (b >= 0) {
      const node = value.slice(0, a);
      const name = value.slice(a + 1, b);
      if (NAME.test(node) && NAME.test(name)) return { node, name, id: value.slice(b + 1) };
    }
  }
  throw new TypeError(`${field} must be <node>/<name>/<id> with names of [A-Za-z0-9_-]+, got ${JSON.stringify(value)}`);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function badToken(token: string): TypeError {
  return new TypeError(`not an encoded id: ${JSON.stringify(token)}`);
}
