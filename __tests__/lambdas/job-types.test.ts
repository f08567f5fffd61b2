import { marshall } from '@aws-sdk/util-dynamodb';
import { readFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
// dynalite's own item-size function: what the local table (and the tests) enforce as the 400 KB limit.
import { itemSize } from 'dynalite/db';
import { JOB_REQUEST_JSON_SCHEMA } from '../../lambdas/shared/job-request-schema';
import { JOB_TYPES, JOB_TYPE_NAMES, MAX_MESSAGE_LENGTH, MAX_NUMBERS, MAX_NUMBER_MAGNITUDE, MAX_TEXT_LENGTH, MIN_NONZERO_NUMBER_MAGNITUDE } from '../../lambdas/shared/job-types';
import { FieldErrors, parseJsonInput } from '../../lambdas/shared/json-input';
import { historyKey, jobKey, statusIndexKey } from '../../lambdas/shared/jobs-schema';
import { AWS_LIMITS, ITEM_ENVELOPE_BYTES, MAX_BODY_BYTES, MAX_ERROR_MESSAGE_BYTES } from '../../lambdas/shared/limits';
import { parseSubmitRequest } from '../../lambdas/api/request';
import { checkJobRequest } from '../../lambdas/shared/job-types';
import { EXAMPLE_BODIES, worstCaseJobs } from '../helpers/job-examples';

describe('field limits are designed from the AWS limits, for the worst characters and spellings', () => {
  const jobId = 'f'.repeat(36);
  const now = '2026-11-29T12:00:00.000Z';

  it.each(worstCaseJobs())('$label: accepted, its execution input fits 256 KiB, its item (with result and error) fits 400 KB', ({ body }) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const parsed = parseSubmitRequest(body, 'k'.repeat(128));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const { type, payload } = parsed.value;

    const input = JSON.stringify({ jobId, type, payload });
    expect(Buffer.byteLength(input)).toBeLessThanOrEqual(AWS_LIMITS.stateDataBytes);

    const result = JOB_TYPES[type].process(payload);
    const item = {
      ...jobKey(jobId),
      ...statusIndexKey('FAILED', now, jobId),
      jobId,
      type,
      payload,
      result,
      status: 'FAILED',
      createdAt: now,
      updatedAt: now,
      requestHash: 'a'.repeat(64),
      idempotencyKey: 'k'.repeat(128),
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:TapStack-JobWorkflow:${jobId}`,
      error: { error: 'E'.repeat(256), cause: 'c'.repeat(MAX_ERROR_MESSAGE_BYTES), state: 'Notify' },
      // An SNS topic ARN is at most 256 characters by its name's limit; a message id is a UUID.
      notification: { topicArn: `arn:aws:sns:us-east-1:123456789012:${'t'.repeat(256)}`, messageId: 'm'.repeat(36), outcome: 'FAILED', at: now },
    };
    expect(itemSize(marshall(item))).toBeLessThanOrEqual(AWS_LIMITS.itemBytes);
    // The envelope reserve really covers everything but payload and result.
    const { payload: _p, result: _r, ...envelope } = item;
    expect(itemSize(marshall(envelope))).toBeLessThanOrEqual(ITEM_ENVELOPE_BYTES);
    expect(itemSize(marshall({ ...historyKey(jobId, 'FAILED'), jobId, status: 'FAILED', at: now, detail: `Notify: ${'E'.repeat(256)}` }))).toBeLessThan(1024);
  });

  it('keeps a sum total an exact integer: the largest magnitudes, all of them, add up within 2^53 − 1', () => {
    expect(MAX_NUMBER_MAGNITUDE * MAX_NUMBERS).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(Number.isSafeInteger(JOB_TYPES.sum.process({ numbers: Array(MAX_NUMBERS).fill(MAX_NUMBER_MAGNITUDE) }).total)).toBe(true);
  });

  it('states the limits the job-type table of docs/application.md gives', () => {
    expect([MAX_TEXT_LENGTH, MAX_MESSAGE_LENGTH, MAX_NUMBERS, MAX_NUMBER_MAGNITUDE, MAX_BODY_BYTES]).toEqual([40_000, 40_000, 10_000, 900_719_925_474, 261_120]);
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'application.md'), 'utf8');
    const n = (value: number) => value.toLocaleString('en-US');
    expect(page).toContain(`| \`wordcount\` | \`text\`: 1 to ${n(MAX_TEXT_LENGTH)} characters |`);
    expect(page).toContain(`| \`sum\` | \`numbers\`: 1 to ${n(MAX_NUMBERS)} numbers, each 0 or from ${MIN_NONZERO_NUMBER_MAGNITUDE} to ${n(MAX_NUMBER_MAGNITUDE)} in magnitude |`);
    expect(page).toContain(`| \`echo\` | \`message\`: at most ${n(MAX_MESSAGE_LENGTH)} characters |`);
    expect(page).toContain(`| \`413\` | body over ${n(MAX_BODY_BYTES)} bytes`);
  });
});

describe('the JSON reader', () => {
  it.each([
    ['1', true],
    ['1.0', true],
    ['1e2', true],
    ['-0', true],
    ['0.1', true],
    ['1e-130', true],
    ['9007199254740991', true],
    ['9007199254740992', false],
    ['9007199254740993', false],
    ['1e400', false],
    ['5e-324', false],
    ['1e-131', false],
    ['0.1000000000000000000001', false],
    ['123456789012345678', false],
  ])('reads %s as a number the store holds exactly: %s', (token, ok) => {
    expect(parseJsonInput(`[${token}]`).ok).toBe(ok);
  });

  it('stops at the first level too deep, whatever the depth, without recursing further', () => {
    const result = parseJsonInput('['.repeat(1_000_000));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.listed).toEqual([{ field: '[0]'.repeat(32), message: 'nests arrays and objects deeper than 32 levels' }]);
  });

  it('keeps 20 errors and counts the rest', () => {
    const errors = new FieldErrors();
    for (let i = 0; i < 1000; i += 1) errors.add(`f${i}`, 'bad');
    expect(errors.listed).toHaveLength(20);
    expect(errors.count).toBe(1000);
    expect(errors.summary()).toMatch(/; and 980 more error\(s\)$/);
  });

  it('never sets a prototype', () => {
    const result = parseJsonInput('{"__proto__":{"x":1},"a":{"constructor":{"prototype":{"y":1}}}}');
    expect(result.ok).toBe(false);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('the JSON Schema for POST /jobs (for an API Gateway model)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // Ajv 8 speaks draft-07; the keywords below mean the same in draft-04.
  const { $schema, ...schema } = JOB_REQUEST_JSON_SCHEMA;
  const validate = ajv.compile(schema);
  const DRAFT_04_KEYWORDS = new Set([
    '$schema', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'enum',
    'minimum', 'maximum', 'minLength', 'maxLength', 'items', 'minItems', 'maxItems', 'oneOf', 'anyOf',
  ]);

  function keywords(node: unknown, inProperties = false): string[] {
    if (Array.isArray(node)) return node.flatMap((n) => keywords(n));
    if (typeof node !== 'object' || node === null) return [];
    return Object.entries(node).flatMap(([key, value]) => [
      ...(inProperties ? [] : [key]),
      ...(key === 'enum' ? [] : keywords(value, key === 'properties')),
    ]);
  }

  it('is draft-04 and uses draft-04 keywords only', () => {
    expect($schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(keywords(JOB_REQUEST_JSON_SCHEMA).filter((k) => !DRAFT_04_KEYWORDS.has(k))).toEqual([]);
  });

  it('has one branch per job type', () => {
    expect((JOB_REQUEST_JSON_SCHEMA.oneOf as { properties: { type: { enum: string[] } } }[]).map((b) => b.properties.type.enum[0])).toEqual(JOB_TYPE_NAMES);
  });

  /**
   * What JSON Schema cannot say, so only the function refuses: a body too
   * large (413), numbers the store cannot hold exactly, a key given twice,
   * a lone surrogate. Every other example gets the same answer from both.
   */
  const ONLY_THE_FUNCTION = [/more precisely|cannot be held exactly/, /appears twice/, /well-formed Unicode/];

  it.each(EXAMPLE_BODIES.map((body) => [body.length > 60 ? `${body.slice(0, 60)}… (${body.length} chars)` : body, body]))(
    'agrees with the function on %s',
    (_label, body) => {
      const fn = parseSubmitRequest(body, undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        expect(fn.ok).toBe(false); // not JSON: API Gateway's model answers 400 too
        return;
      }
      const schemaAccepts = validate(parsed);
      if (fn.ok) {
        expect(schemaAccepts).toBe(true);
      } else if (schemaAccepts) {
        // Only a rule JSON Schema cannot express may separate them.
        expect(fn.errors.map((e) => e.message).every((m) => ONLY_THE_FUNCTION.some((rule) => rule.test(m)))).toBe(true);
      }
    },
  );

  it('agrees with the function on parsed values for every example that is JSON', () => {
    for (const body of EXAMPLE_BODIES) {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        continue;
      }
      const errors = new FieldErrors();
      expect({ body: body.slice(0, 80), schema: validate(value) }).toEqual({ body: body.slice(0, 80), schema: checkJobRequest(value, errors) });
    }
  });
});
