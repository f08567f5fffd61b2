/**
 * The AWS limits a job meets on its way, and the sizes this service chose to
 * stay inside them. One source for the Api, the workflow steps, the
 * definition, the local runner and the API table of docs/application.md.
 */
export const AWS_LIMITS = {
  /** Step Functions: an execution's input, and any state's input or output (256 KiB). */
  stateDataBytes: 256 * 1024,
  /** DynamoDB: one item, attribute names and values in UTF-8 (400 KB = 409,600 bytes). */
  itemBytes: 400 * 1024,
  /** DynamoDB: levels of nested lists and maps in an attribute value. */
  itemNestingLevels: 32,
  /** DynamoDB numbers: the smallest and largest magnitude it stores (38 digits between). */
  smallestNumberMagnitude: 1e-130,
  /** lib-dynamodb marshals a JavaScript number only within ±(2^53 − 1), where it is exact. */
  largestExactInteger: Number.MAX_SAFE_INTEGER,
  /** API Gateway REST API: request payload (10 MB). */
  apiPayloadBytes: 10 * 1024 * 1024,
} as const;

/**
 * The job travels through the workflow as the execution input, so a body is
 * refused (413) above the 256 KiB input limit less 1 KiB for the envelope
 * (job id, type). The job types' field limits keep the stored job (payload,
 * the largest result its type can produce, an error, the envelope) under the
 * 400 KB item limit, and its execution input under 256 KiB, whatever the
 * characters and number spellings (see job-types.ts; a test proves both).
 */
export const MAX_BODY_BYTES = AWS_LIMITS.stateDataBytes - 1024;

/** Levels of arrays and objects a body may nest: DynamoDB's own limit. */
export const MAX_NESTING_DEPTH = AWS_LIMITS.itemNestingLevels;

/** Field errors listed in one answer or one step error; the rest are counted. */
export const MAX_FIELD_ERRORS = 20;

/** What a step's error message, and the cause stored on a failed job, are cut to. */
export const MAX_ERROR_MESSAGE_BYTES = 4 * 1024;

/** Reserved in an item for everything but payload and result: keys, dates, hashes, status, error, the notification sent. */
export const ITEM_ENVELOPE_BYTES = 12 * 1024;
/** Reserved in an execution input for everything but the payload: job id, type, JSON punctuation. */
export const EXECUTION_ENVELOPE_BYTES = 1024;

/** Cuts a string to at most `maxBytes` of UTF-8, on a character boundary, marking the cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '… (truncated)';
  let budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let out = '';
  for (const char of text) {
    budget -= Buffer.byteLength(char, 'utf8');
    if (budget < 0) break;
    out += char;
  }
  return out + marker;
}
