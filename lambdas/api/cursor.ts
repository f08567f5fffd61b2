import { JobStatus, jobKey, statusIndexKey } from '../shared/jobs-schema';

/** A cursor is at most this long: the longest key this API returns, base64url-encoded, fits with room to spare. */
export const MAX_CURSOR_LENGTH = 512;
const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;
const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An opaque cursor: base64url of the page's last key. */
export function encodeCursor(lastEvaluatedKey: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

/**
 * The key to resume from, or undefined when the cursor is not one this API
 * returned for this status: it must be exactly the key of a job in that
 * status (rebuilt here with the same key builders), so an edited cursor never
 * reaches DynamoDB, where odd key values are a 500, not a 400.
 */
export function decodeCursor(cursor: string, status: JobStatus): Record<string, string> | undefined {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return undefined;
  const given = decoded as Record<string, unknown>;
  // The index sort key is `<createdAt>#<jobId>`: everything else follows from those two.
  const sortKey = Object.values(given).find((v): v is string => typeof v === 'string' && /^\d{4}-.*#/.test(v));
  const [createdAt, jobId] = sortKey?.split('#') ?? [];
  if (!createdAt || !jobId || !CREATED_AT.test(createdAt) || !JOB_ID.test(jobId)) return undefined;
  const expected: Record<string, string> = { ...jobKey(jobId), ...statusIndexKey(status, createdAt, jobId) };
  const names = Object.keys(given);
  const same = names.length === Object.keys(expected).length && names.every((name) => Object.prototype.hasOwnProperty.call(expected, name) && given[name] === expected[name]);
  return same ? expected : undefined;
}
