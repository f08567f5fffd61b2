/**
 * The job types the service runs: one schema per type, used by the Api (at
 * the door, before anything is written) and by the Validation step (defence
 * in depth), and exported as JSON Schema for API Gateway's body model; and
 * what processing produces.
 *
 * Field limits are designed from the AWS limits (limits.ts), for the worst
 * characters and spellings, not typical ones:
 *  - a string's code point takes at most 6 bytes in the execution input (a
 *    control character escaped as \u0001) and 4 in the item;
 *  - upper-casing turns one code point into at most 6 bytes (U+0390 → 3 code points);
 *  - a number takes at most 24 characters in JSON (`-1.2345678901234567e-100`).
 * So: wordcount 40,000 × 6 B = 240,000 B of input; echo 40,000 × (3 + 6) B ≤
 * 360,000 B of item (payload + result); sum 10,000 × 25 B = 250,000 B of
 * input, each number at most 900,719,925,474 so the total stays an exact
 * integer (≤ 2^53 − 1), and 0 or at least 1e-100 so no total falls below
 * DynamoDB's smallest magnitude (1e-130). A test checks every bound.
 */
import { FieldErrors } from './json-input';
import { ObjectSchema, Schema, check } from './schema';

export type { FieldError } from './json-input';

export interface JobType {
  readonly description: string;
  /** The payload's schema. */
  readonly payload: ObjectSchema;
  process(payload: Record<string, unknown>): Record<string, unknown>;
}

export const MAX_TEXT_LENGTH = 40_000;
export const MAX_MESSAGE_LENGTH = 40_000;
export const MAX_NUMBERS = 10_000;
export const MAX_NUMBER_MAGNITUDE = Math.floor(Number.MAX_SAFE_INTEGER / MAX_NUMBERS);
export const MIN_NONZERO_NUMBER_MAGNITUDE = 1e-100;

const numbers: Schema = {
  kind: 'array',
  items: { kind: 'number', maxMagnitude: MAX_NUMBER_MAGNITUDE, minNonZeroMagnitude: MIN_NONZERO_NUMBER_MAGNITUDE },
  minItems: 1,
  maxItems: MAX_NUMBERS,
};

export const JOB_TYPES = {
  wordcount: {
    description: `counts the words of payload.text (1 to ${MAX_TEXT_LENGTH} characters)`,
    payload: { kind: 'object', properties: { text: { kind: 'string', minLength: 1, maxLength: MAX_TEXT_LENGTH } } },
    process: (payload) => ({ words: String(payload.text).trim().split(/\s+/).filter(Boolean).length }),
  },
  sum: {
    description: `adds up payload.numbers (1 to ${MAX_NUMBERS} numbers, each 0 or ${MIN_NONZERO_NUMBER_MAGNITUDE} to ${MAX_NUMBER_MAGNITUDE} in magnitude)`,
    payload: { kind: 'object', properties: { numbers } },
    process: (payload) => ({ total: (payload.numbers as number[]).reduce((sum, n) => sum + n, 0) }),
  },
  echo: {
    description: `returns payload.message (at most ${MAX_MESSAGE_LENGTH} characters) upper-cased`,
    payload: { kind: 'object', properties: { message: { kind: 'string', maxLength: MAX_MESSAGE_LENGTH } } },
    process: (payload) => ({ message: String(payload.message).toUpperCase() }),
  },
} as const satisfies Record<string, JobType>;

export type JobTypeName = keyof typeof JOB_TYPES;
export const JOB_TYPE_NAMES = Object.keys(JOB_TYPES) as JobTypeName[];

export function isJobType(type: unknown): type is JobTypeName {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(JOB_TYPES, type);
}

/** A job request: `{ type, payload }`, payload checked against its type's schema. */
export function checkJobRequest(body: unknown, errors: FieldErrors): body is { type: JobTypeName; payload: Record<string, unknown> } {
  const before = errors.count;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    errors.add('body', 'must be a JSON object');
    return false;
  }
  const request = body as Record<string, unknown>;
  if (!('type' in request)) errors.add('type', 'is required');
  else if (!isJobType(request.type)) errors.add('type', `must be one of ${JOB_TYPE_NAMES.join(', ')}`);
  if (!('payload' in request)) errors.add('payload', 'is required');
  else if (isJobType(request.type)) check(JOB_TYPES[request.type].payload, request.payload, 'payload', errors);
  else if (typeof request.payload !== 'object' || request.payload === null || Array.isArray(request.payload)) errors.add('payload', 'must be an object');
  for (const key of Object.keys(request)) {
    if (key !== 'type' && key !== 'payload') errors.add(key, 'is not a known field');
  }
  return errors.count === before;
}
