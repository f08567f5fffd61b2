import { MAX_MESSAGE_LENGTH, MAX_NUMBERS, MAX_NUMBER_MAGNITUDE, MAX_TEXT_LENGTH } from '../../lambdas/shared/job-types';
import { MAX_BODY_BYTES } from '../../lambdas/shared/limits';

/** Pads a JSON body with trailing whitespace to exactly `bytes` (still the same JSON). */
export function padTo(body: string, bytes = MAX_BODY_BYTES): string {
  const size = Buffer.byteLength(body);
  if (size > bytes) throw new Error(`body is already ${size} bytes`);
  return body + ' '.repeat(bytes - size);
}

/** `{"type":..,"payload":{"<field>":"<repeated>"}}` with `repeated` written as given (escapes kept). */
function stringJob(type: string, field: string, unit: string, count: number): string {
  return `{"type":"${type}","payload":{"${field}":"${unit.repeat(count)}"}}`;
}

/**
 * The largest jobs each type accepts, in the spellings that cost most: in
 * the execution input (a control character escaped as \u0001: 6 bytes), in
 * the item (U+1F52: 3 bytes, upper-cased 6; a 4-byte character), and the
 * longest number spelling. Each is padded to exactly the body limit.
 */
export function worstCaseJobs(): { label: string; type: string; body: string }[] {
  const longestNumber = '-1.2345678901234567e-100';
  return [
    { label: 'wordcount, 40,000 escaped control characters', type: 'wordcount', body: stringJob('wordcount', 'text', '\\u0001', MAX_TEXT_LENGTH) },
    { label: 'wordcount, 40,000 four-byte characters', type: 'wordcount', body: stringJob('wordcount', 'text', '𝄞 ', MAX_TEXT_LENGTH / 2) },
    { label: 'echo, 40,000 escaped control characters', type: 'echo', body: stringJob('echo', 'message', '\\u0001', MAX_MESSAGE_LENGTH) },
    { label: 'echo, 40,000 characters that upper-case to 6 bytes', type: 'echo', body: stringJob('echo', 'message', '\u1f52', MAX_MESSAGE_LENGTH) },
    { label: 'echo, 40,000 four-byte characters', type: 'echo', body: stringJob('echo', 'message', '𐐨', MAX_MESSAGE_LENGTH) },
    { label: 'sum, 10,000 numbers of the longest spelling', type: 'sum', body: `{"type":"sum","payload":{"numbers":[${Array(MAX_NUMBERS).fill(longestNumber).join(',')}]}}` },
    { label: 'sum, 10,000 of the largest magnitude', type: 'sum', body: `{"type":"sum","payload":{"numbers":[${Array(MAX_NUMBERS).fill(String(MAX_NUMBER_MAGNITUDE)).join(',')}]}}` },
  ].map((job) => ({ ...job, body: padTo(job.body) }));
}

/** Example bodies from the tests: accepted and refused, for the JSON Schema agreement test. */
export const EXAMPLE_BODIES: readonly string[] = [
  '',
  '{"type": ',
  '[]',
  '{}',
  'null',
  '"text"',
  '{"type": 42, "payload": "text"}',
  '{"type": "teleport", "payload": {}}',
  '{"type": "echo", "payload": {"message": ""}, "priority": 1}',
  '{"type":"sum","payload":{"numbers":"1,2"}}',
  '{"type":"echo","payload":{"message":"a","loud":true}}',
  '{"type":"sum","payload":{"numbers":[9007199254740991,1]}}',
  '{"type":"sum","payload":{"numbers":[9007199254740993]}}',
  '{"type":"sum","payload":{"numbers":[-1e300]}}',
  '{"type":"sum","payload":{"numbers":[1e400]}}',
  '{"type":"sum","payload":{"numbers":[5e-324]}}',
  '{"type":"sum","payload":{"numbers":[1e-101]}}',
  '{"type":"sum","payload":{"numbers":[0.1000000000000000000001]}}',
  '{"type":"sum","payload":{"numbers":[]}}',
  '{"type":"sum","payload":{"numbers":[1,"two"]}}',
  '{"type":"echo","payload":{"message":"a","__proto__":{"polluted":true}}}',
  '{"type":"echo","payload":{"constructor":1,"message":"a"}}',
  '{"type":"echo","payload":{"message":"a"},"prototype":1}',
  '{"type":"echo","payload":{"message":"a","message":"b"}}',
  '{"type":"echo","payload":{"message":"\\ud800"}}',
  '{"type":"wordcount","payload":{"text":""}}',
  '{"type":"echo","payload":{"message":42}}',
  `{"type":"sum","payload":{"numbers":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`,
  `{"type":"echo","payload":{"message":"a","x":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}}`,
  `{"type":"sum","payload":{"numbers":${'['.repeat(31)}1${']'.repeat(31)}}}`,
  JSON.stringify({ type: 'sum', payload: { numbers: Array(10_000).fill('x') } }),
  JSON.stringify({ type: 'sum', payload: { numbers: Array(10_001).fill(1) } }),
  JSON.stringify({ type: 'echo', payload: { message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) } }),
  JSON.stringify({ type: 'wordcount', payload: { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) } }),
  '{"type":"wordcount","payload":{"text":"the quick brown fox"}}',
  '{"type":"sum","payload":{"numbers":[1, 2, 3.5]}}',
  '{"type":"sum","payload":{"numbers":[1.0, 1e2, -0]}}',
  '{"type":"sum","payload":{"numbers":[0.1]}}',
  '{"type":"echo","payload":{"message":"hi"}}',
  '{"type":"echo","payload":{"message":""}}',
  JSON.stringify({ type: 'sum', payload: { numbers: Array(10_000).fill(900719925474) } }),
  JSON.stringify({ type: 'sum', payload: { numbers: [900719925475] } }),
  ...worstCaseJobs().map((job) => job.body),
];
