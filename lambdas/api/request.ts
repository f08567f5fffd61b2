import { FieldError, FieldErrors, parseJsonInput } from '../shared/json-input';
import { JobTypeName, checkJobRequest } from '../shared/job-types';
import { JOB_STATUSES, JobStatus } from '../shared/jobs-schema';

/**
 * Request checks for the API: the whole body, payload included, against its
 * job type's schema (job-types.ts), synchronously, before anything is written
 * or started. Every check reports its field errors at once (at most 20, and
 * how many there were).
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface SubmitRequest {
  readonly type: JobTypeName;
  readonly payload: Record<string, unknown>;
}

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: FieldError[]; readonly errorCount: number };

function failed(errors: FieldErrors): { ok: false; errors: FieldError[]; errorCount: number } {
  return { ok: false, errors: errors.listed, errorCount: errors.count };
}

/** The body and the Idempotency-Key header, checked together so one answer lists every error. */
export function parseSubmitRequest(body: string, idempotencyKey: string | undefined): Checked<SubmitRequest> {
  const errors = new FieldErrors();
  checkIdempotencyKey(idempotencyKey, errors);
  if (body.trim() === '') {
    errors.add('body', 'must not be empty');
    return failed(errors);
  }
  const parsed = parseJsonInput(body);
  if (!parsed.ok) {
    errors.merge(parsed.errors);
    return failed(errors);
  }
  const request = parsed.value;
  if (!checkJobRequest(request, errors) || !errors.empty) return failed(errors);
  return { ok: true, value: { type: request.type, payload: request.payload } };
}

export function checkIdempotencyKey(key: string | undefined, errors: FieldErrors): void {
  if (key === undefined) return;
  if (!(key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH && /^[\x21-\x7e]+$/.test(key))) {
    errors.add('Idempotency-Key', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`);
  }
}

export interface ListRequest {
  readonly status: JobStatus;
  readonly limit: number;
  readonly cursor?: Record<string, string>;
}

export function parseListQuery(
  query: Readonly<Record<string, string | undefined>>,
  decodeCursor: (cursor: string, status: JobStatus) => Record<string, string> | undefined,
): Checked<ListRequest> {
  const errors = new FieldErrors();
  const status = query.status;
  if (!status || !(JOB_STATUSES as readonly string[]).includes(status)) {
    errors.add('status', `is required and must be one of ${JOB_STATUSES.join(', ')}`);
  }
  let limit = DEFAULT_PAGE_SIZE;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!/^\d{1,3}$/.test(query.limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      errors.add('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
  }
  let cursor: Record<string, string> | undefined;
  if (query.cursor !== undefined && errors.empty) {
    cursor = decodeCursor(query.cursor, status as JobStatus);
    if (!cursor) errors.add('cursor', 'is not a cursor this API returned for this status');
  }
  return errors.empty ? { ok: true, value: { status: status as JobStatus, limit, cursor } } : failed(errors);
}
