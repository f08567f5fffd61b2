import { JobStatus, STATUS_INDEX_PARTITION_KEY, STATUS_PAGE_KEY_NAMES, statusPartition } from '../shared/jobs-schema';

/** The key attributes a status-index page ends on: what LastEvaluatedKey holds (from the schema). */
const CURSOR_KEYS = STATUS_PAGE_KEY_NAMES;

/** An opaque cursor: base64url of the page's last key. */
export function encodeCursor(lastEvaluatedKey: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

/** The key to resume from, or undefined when the cursor was not made by this API for this status. */
export function decodeCursor(cursor: string, status: JobStatus): Record<string, string> | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return undefined;
  const key = decoded as Record<string, unknown>;
  const names = Object.keys(key).sort();
  const wellFormed =
    names.length === CURSOR_KEYS.length &&
    names.every((name, i) => name === CURSOR_KEYS[i] && typeof key[name] === 'string') &&
    key[STATUS_INDEX_PARTITION_KEY] === statusPartition(status)[STATUS_INDEX_PARTITION_KEY];
  return wellFormed ? (key as Record<string, string>) : undefined;
}
