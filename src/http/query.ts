import * as v from 'valibot';
import type { Status } from '../statusOf.js';
import { describeIssue } from '../internal/commands.js';

const STATUSES: readonly Status[] = ['stopped', 'starting', 'running', 'retrying', 'failed'];

const statusSchema = v.optional(v.picklist(STATUSES, `must be one of ${STATUSES.join(', ')}`));
const kindSchema = v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty')));

const listSchema = v.object({
  kind: kindSchema,
  status: statusSchema,
  pageSize: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, 'must be a whole number from 1 to 1000'),
      v.transform(Number),
      v.minValue(1, 'must be a whole number from 1 to 1000'),
      v.maxValue(1000, 'must be a whole number from 1 to 1000'),
    ),
    '50',
  ),
  pageToken: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
});

const watchSchema = v.object({
  kind: kindSchema,
  status: statusSchema,
  lastEventId: v.optional(v.string()),
});

/** The query of a list request, validated. */
export type ListQuery = v.InferOutput<typeof listSchema>;
/** The query of a watch request, validated. */
export type WatchQuery = v.InferOutput<typeof watchSchema>;

function parseWith<T extends v.GenericSchema>(schema: T, query: URLSearchParams): v.InferOutput<T> | string {
  const parsed = v.safeParse(schema, Object.fromEntries(query));
  return parsed.success ? parsed.output : describeIssue(parsed.issues);
}

/** The list query, or a message naming the parameter at fault. */
export function parseListQuery(query: URLSearchParams): ListQuery | string {
  return parseWith(listSchema, query);
}

/** The watch query, or a message naming the parameter at fault. */
export function parseWatchQuery(query: URLSearchParams): WatchQuery | string {
  return parseWith(watchSchema, query);
}

/** An opaque page token for "after this id" (URL-safe base64 of its UTF-8). */
export function pageTokenOf(id: string): string {
  const bytes = new TextEncoder().encode(id);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The id a page token stands for, `undefined` for a token this server did not make. */
export function idOfPageToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
