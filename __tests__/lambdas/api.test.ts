import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Testing } from 'cdktf';
import { execFile } from 'child_process';
import { join } from 'path';
import { promisify } from 'util';
import { unpackedCodeDir } from '../../local/function-host';
import { SynthesizedStack } from '../../local/synthesized-stack';
import { TapStack } from '../../stacks/tap-stack';
import { recordHistory, transition } from '../../lambdas/shared/job-store';
import { MAX_BODY_BYTES } from '../../lambdas/shared/limits';
import { proxyEvent } from '../helpers/api-events';
import { LocalDynamo, createSynthesizedTable, startDynalite } from '../helpers/dynalite';
import { TEST_STATE_MACHINE_ARN, configureLambdaEnvironment } from '../helpers/lambda-env';
import { RecordingAws, startRecordingAws } from '../helpers/recording-aws';
import { synthesizedTapStack } from '../helpers/synthesized-app';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

// Each test imports a fresh handler and creates a table: slow on a loaded machine, not in the handler.
jest.setTimeout(30_000);

let dynamo: LocalDynamo;
let aws: RecordingAws;
let handler: Handler;
let tableCounter = 0;

// Synthesizing the stack the tables are created from takes seconds on a busy machine: once, here, not in a 5 s hook.
beforeAll(async () => {
  synthesizedTapStack();
  dynamo = await startDynalite();
  aws = await startRecordingAws();
}, 120_000);

afterEach(() => jest.restoreAllMocks());

afterAll(async () => {
  await dynamo.close();
  await aws.close();
});

// A fresh table (built from the synthesized JSON) and fresh handler module per test.
beforeEach(async () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const tableName = `jobs-api-${++tableCounter}`;
  await createSynthesizedTable(dynamo, tableName);
  configureLambdaEnvironment({ tableName, dynamoEndpoint: dynamo.endpoint, awsEndpoint: aws.endpoint });
  aws.executions.length = 0;
  aws.startExecutionCalls = 0;
  jest.resetModules();
  handler = (await import('../../lambdas/api/handler')).handler;
});

async function itemCount(): Promise<number> {
  const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: process.env.TABLE_NAME }));
  return Items.length;
}

function submit(body: string | null, idempotencyKey?: string): Promise<APIGatewayProxyResult> {
  return handler(
    proxyEvent({ method: 'POST', resource: '/jobs', path: '/jobs', body, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} }),
  );
}

const getJob = (id: string) => handler(proxyEvent({ method: 'GET', resource: '/jobs/{id}', path: `/jobs/${id}`, pathParameters: { id } }));
const listJobs = (query: Record<string, string>) => handler(proxyEvent({ method: 'GET', resource: '/jobs', path: '/jobs', query }));
const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body);

describe('POST /jobs: bad input', () => {
  it.each([
    ['an empty body', '', [{ field: 'body', message: 'must not be empty' }]],
    ['invalid JSON', '{"type": ', [{ field: 'type', message: 'must be valid JSON (unexpected end of input at offset 9)' }]],
    ['a JSON array', '[]', [{ field: 'body', message: 'must be a JSON object' }]],
    [
      'missing fields',
      '{}',
      [
        { field: 'type', message: 'is required' },
        { field: 'payload', message: 'is required' },
      ],
    ],
    [
      'ill-typed fields',
      '{"type": 42, "payload": "text"}',
      [
        { field: 'type', message: 'must be one of wordcount, sum, echo' },
        { field: 'payload', message: 'must be an object' },
      ],
    ],
    ['an ill-typed payload field (issue 10, item 5)', '{"type":"sum","payload":{"numbers":"1,2"}}', [{ field: 'payload.numbers', message: 'must be an array of 1 to 10000 items' }]],
    ['an unknown payload field', '{"type":"echo","payload":{"message":"a","loud":true}}', [{ field: 'payload.loud', message: 'is not a known field' }]],
    ['an unknown type', '{"type": "teleport", "payload": {}}', [{ field: 'type', message: 'must be one of wordcount, sum, echo' }]],
    ['an unknown field', '{"type": "echo", "payload": {"message": ""}, "priority": 1}', [{ field: 'priority', message: 'is not a known field' }]],
  ])('answers 400 listing every field error for %s, and writes nothing', async (_case, body, errors) => {
    const response = await submit(body);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual(errors);
    expect(await itemCount()).toBe(0);
    expect(aws.startExecutionCalls).toBe(0);
  });

  it('answers 400 for a bad Idempotency-Key together with body errors', async () => {
    const response = await submit('{}', 'x'.repeat(129));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors.map((e: { field: string }) => e.field)).toEqual(['Idempotency-Key', 'type', 'payload']);
  });

  it('answers 413 for a body over the Step Functions input limit, and writes nothing', async () => {
    const body = JSON.stringify({ type: 'echo', payload: { message: 'x'.repeat(MAX_BODY_BYTES) } });
    const response = await submit(body);
    expect(response.statusCode).toBe(413);
    expect(await itemCount()).toBe(0);
  });
});

/** A 400 that wrote nothing and started nothing, with its listed errors. */
async function expectRejected(body: string, idempotencyKey?: string): Promise<{ errors: { field: string; message: string }[]; errorCount: number }> {
  const response = await submit(body, idempotencyKey);
  expect({ status: response.statusCode, body: response.body.slice(0, 300) }).toEqual({ status: 400, body: expect.any(String) });
  expect(await itemCount()).toBe(0);
  expect(aws.startExecutionCalls).toBe(0);
  return bodyOf(response);
}

describe('POST /jobs: the whole payload is checked at the door (issue 10 reproductions)', () => {
  it('refuses 10,000 ill-typed numbers with 20 field errors and the count, in a small answer (item 1)', async () => {
    const body = JSON.stringify({ type: 'sum', payload: { numbers: Array(10_000).fill('x') } });
    const response = await submit(body);
    expect(response.statusCode).toBe(400);
    expect(Buffer.byteLength(response.body)).toBeLessThan(4096);
    const { errors, errorCount } = bodyOf(response);
    expect(errors).toHaveLength(20);
    expect(errors[0]).toEqual({ field: 'payload.numbers[0]', message: expect.stringMatching(/^must be a number/) });
    expect(errorCount).toBe(10_000);
    expect(await itemCount()).toBe(0);
  });

  it.each([
    ['a sum whose total passes 2^53 (item 2)', '{"type":"sum","payload":{"numbers":[9007199254740991,1]}}', 'payload.numbers[0]'],
    ['a number beyond ±2^53 (item 3)', '{"type":"sum","payload":{"numbers":[9007199254740993]}}', 'payload.numbers[0]'],
    ['a negative number beyond ±2^53', '{"type":"sum","payload":{"numbers":[-1e300]}}', 'payload.numbers[0]'],
    ['1e400, which parses to Infinity (item 3)', '{"type":"sum","payload":{"numbers":[1e400]}}', 'payload.numbers[0]'],
    ['5e-324, below DynamoDB\'s smallest magnitude (item 3)', '{"type":"sum","payload":{"numbers":[5e-324]}}', 'payload.numbers[0]'],
    ['a number written more precisely than a double holds', '{"type":"sum","payload":{"numbers":[0.1000000000000000000001]}}', 'payload.numbers[0]'],
    ['a payload key named __proto__ (item 3)', '{"type":"echo","payload":{"message":"a","__proto__":{"polluted":true}}}', 'payload.__proto__'],
    ['a key named constructor', '{"type":"echo","payload":{"constructor":1,"message":"a"}}', 'payload.constructor'],
    ['a key named prototype at the top', '{"type":"echo","payload":{"message":"a"},"prototype":1}', 'prototype'],
    ['a key given twice', '{"type":"echo","payload":{"message":"a","message":"b"}}', 'payload.message'],
    ['a lone surrogate', '{"type":"echo","payload":{"message":"\\ud800"}}', 'payload.message'],
    ['a payload field of the wrong type (item 5)', '{"type":"sum","payload":{"numbers":"1,2"}}', 'payload.numbers'],
    ['an empty text', '{"type":"wordcount","payload":{"text":""}}', 'payload.text'],
    ['a number instead of a message', '{"type":"echo","payload":{"message":42}}', 'payload.message'],
  ])('answers 400 for %s, naming the field', async (_case, body, field) => {
    const { errors } = await expectRejected(body);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each([
    ['arrays nested 10,000 deep (item 3)', `{"type":"sum","payload":{"numbers":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`],
    ['objects nested 1,000 deep (item 4)', `{"type":"echo","payload":{"message":"a","x":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}}`],
    ['33 levels, one over the limit', `{"type":"sum","payload":{"numbers":${'['.repeat(31)}1${']'.repeat(31)}}}`],
  ])('answers 400 for %s, without recursing into it', async (_case, body) => {
    const { errors } = await expectRejected(body);
    expect(errors.some((e) => /deeper than 32 levels/.test(e.message))).toBe(true);
  });

  it('accepts 32 levels of nesting as far as depth goes (the schema then refuses the shape)', async () => {
    const { errors } = await expectRejected(`{"type":"sum","payload":{"numbers":${'['.repeat(30)}1${']'.repeat(30)}}}`);
    expect(errors.some((e) => /deeper/.test(e.message))).toBe(false);
  });

  it.each([
    ['1.0 and 1e2', '{"type":"sum","payload":{"numbers":[1.0, 1e2, -0]}}', { total: 101 }],
    ['0.1, which rounds to the double that prints as 0.1', '{"type":"sum","payload":{"numbers":[0.1]}}', { total: 0.1 }],
    ['the largest accepted magnitude, 10,000 times', JSON.stringify({ type: 'sum', payload: { numbers: Array(10_000).fill(900719925474) } }), { total: 9007199254740000 }],
  ])('accepts numbers written exactly: %s', async (_case, body, result) => {
    const response = await submit(body);
    expect(response.statusCode).toBe(202);
    const input = JSON.parse(aws.executions[0].input);
    expect(input.payload.numbers.reduce((a: number, b: number) => a + b, 0)).toEqual(result.total);
  });

  it('accepts a body of exactly the maximum size and refuses one byte more with 413, writing nothing', async () => {
    const job = JSON.stringify({ type: 'echo', payload: { message: 'x' } });
    const atLimit = job + ' '.repeat(MAX_BODY_BYTES - job.length);
    expect((await submit(`${atLimit} `)).statusCode).toBe(413);
    expect(await itemCount()).toBe(0);
    expect((await submit(atLimit)).statusCode).toBe(202);
  });
});

describe('POST /jobs: good input', () => {
  it('stores the job RECEIVED with its history, starts one execution and answers 202', async () => {
    const response = await submit(JSON.stringify({ type: 'wordcount', payload: { text: 'one two three' } }), 'key-1');
    expect(response.statusCode).toBe(202);
    const { jobId, status } = bodyOf(response);
    expect(status).toBe('RECEIVED');
    expect(aws.executions).toEqual([
      expect.objectContaining({
        stateMachineArn: TEST_STATE_MACHINE_ARN,
        name: jobId,
        input: JSON.stringify({ jobId, type: 'wordcount', payload: { text: 'one two three' } }),
      }),
    ]);
    const job = bodyOf(await getJob(jobId));
    expect(job).toMatchObject({ jobId, type: 'wordcount', status: 'RECEIVED', payload: { text: 'one two three' } });
    expect(job.history).toEqual([{ jobId, status: 'RECEIVED', at: job.createdAt }]);
    // The submission writes the job item alone: it is the RECEIVED event.
    expect(await itemCount()).toBe(1);
  });

  it('shows a RECEIVED or terminal event stored by an earlier version once, not twice', async () => {
    const { jobId } = bodyOf(await submit(JSON.stringify({ type: 'echo', payload: { message: 'old' } }), 'stored-received'));
    const { createdAt } = bodyOf(await getJob(jobId));
    await recordHistory(process.env.TABLE_NAME!, { jobId, status: 'RECEIVED', at: createdAt, detail: 'stored' });
    expect(bodyOf(await getJob(jobId)).history).toEqual([{ jobId, status: 'RECEIVED', at: createdAt, detail: 'stored' }]);
    const { updatedAt } = await transition(process.env.TABLE_NAME!, jobId, ['RECEIVED'], 'FAILED', { error: { error: 'E', cause: 'c', state: 'Validate' } });
    await recordHistory(process.env.TABLE_NAME!, { jobId, status: 'FAILED', at: updatedAt, detail: 'stored' });
    expect(bodyOf(await getJob(jobId)).history.map((h: { detail?: string }) => h.detail)).toEqual(['stored', 'stored']);
  });

  it('returns the same job for the same idempotency key, with no second item or execution', async () => {
    const body = JSON.stringify({ type: 'echo', payload: { message: 'hi' } });
    const first = bodyOf(await submit(body, 'same-key'));
    const itemsAfterFirst = await itemCount();
    const second = await submit(body, 'same-key');
    expect(second.statusCode).toBe(202);
    expect(bodyOf(second).jobId).toBe(first.jobId);
    expect(await itemCount()).toBe(itemsAfterFirst);
    expect(aws.executions).toHaveLength(1);
  });

  it('keeps concurrent duplicates to one job and one execution', async () => {
    const body = JSON.stringify({ type: 'sum', payload: { numbers: [1, 2, 3] } });
    const responses = await Promise.all(Array.from({ length: 16 }, () => submit(body, 'concurrent-key')));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(16).fill(202));
    expect(new Set(responses.map((r) => bodyOf(r).jobId)).size).toBe(1);
    expect(aws.executions).toHaveLength(1);
    // One item: the job, which is also its RECEIVED event.
    expect(await itemCount()).toBe(1);
  });

  it('refuses an idempotency key reused with a different body (422)', async () => {
    await submit(JSON.stringify({ type: 'echo', payload: { message: 'a' } }), 'reused');
    const response = await submit(JSON.stringify({ type: 'echo', payload: { message: 'b' } }), 'reused');
    expect(response.statusCode).toBe(422);
  });

  it('gives each submission without a key its own job', async () => {
    const body = JSON.stringify({ type: 'echo', payload: { message: 'a' } });
    const [a, b] = await Promise.all([submit(body), submit(body)]);
    expect(bodyOf(a).jobId).not.toBe(bodyOf(b).jobId);
    expect(aws.executions).toHaveLength(2);
  });
});

describe('GET /jobs/{id}', () => {
  it('answers 404 for an unknown job and 400 for a malformed id', async () => {
    expect((await getJob('0123456789abcdef')).statusCode).toBe(404);
    expect((await getJob('../etc')).statusCode).toBe(400);
  });
});

describe('GET /jobs', () => {
  it('lists jobs by status, newest first, across pages with an opaque cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 45; i += 1) {
      ids.push(bodyOf(await submit(JSON.stringify({ type: 'echo', payload: { message: `m${i}` } }), `list-${i}`)).jobId);
    }
    const seen: { jobId: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = bodyOf(await listJobs({ status: 'RECEIVED', limit: '20', ...(cursor ? { cursor } : {}) }));
      expect(page.jobs.length).toBeLessThanOrEqual(20);
      seen.push(...page.jobs);
      cursor = page.cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((j) => j.jobId).sort()).toEqual([...ids].sort());
    const createdAts = seen.map((j) => j.createdAt);
    expect(createdAts).toEqual([...createdAts].sort().reverse());
  });

  it('lists only the asked status', async () => {
    await submit(JSON.stringify({ type: 'echo', payload: { message: 'x' } }), 'status-filter');
    expect(bodyOf(await listJobs({ status: 'SUCCEEDED' })).jobs).toEqual([]);
  });

  it.each(
    ([
    [{}, 'status'],
    [{ status: 'DONE' }, 'status'],
    [{ status: 'RECEIVED', limit: '0' }, 'limit'],
    [{ status: 'RECEIVED', limit: '101' }, 'limit'],
    [{ status: 'RECEIVED', cursor: 'not-a-cursor' }, 'cursor'],
    [{ status: 'RECEIVED', cursor: Buffer.from('{"pk":"x"}').toString('base64url') }, 'cursor'],
    [{ status: 'RECEIVED', cursor: '' }, 'cursor'],
    [{ status: 'RECEIVED', cursor: 'a'.repeat(5000) }, 'cursor'],
    [{ status: 'RECEIVED', cursor: Buffer.from('{"pk":"","sk":"","gsi1pk":"","gsi1sk":""}').toString('base64url') }, 'cursor'],
    [{ status: 'RECEIVED', cursor: Buffer.from(JSON.stringify({ pk: 'x'.repeat(5000), sk: 'JOB', gsi1pk: 'STATUS#RECEIVED', gsi1sk: 'y'.repeat(5000) })).toString('base64url') }, 'cursor'],
    [{ status: 'RECEIVED', limit: '1'.repeat(400) }, 'limit'],
  ] as [Record<string, string>, string][]).map(([query, field]) => [JSON.stringify(query).slice(0, 80), query, field] as const),
  )('answers 400 for %s (%s)', async (_label, query, field) => {
    const response = await listJobs(query);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors[0].field).toBe(field);
  });

  it('refuses a cursor whose key values were edited (issue 10, item 3)', async () => {
    for (let i = 0; i < 3; i += 1) await submit(JSON.stringify({ type: 'echo', payload: { message: `t${i}` } }), `tamper-${i}`);
    const { cursor } = bodyOf(await listJobs({ status: 'RECEIVED', limit: '1' }));
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    expect(bodyOf(await listJobs({ status: 'RECEIVED', limit: '1', cursor })).jobs).toHaveLength(1);
    for (const name of Object.keys(key)) {
      for (const value of ['', 'z'.repeat(5000), `${key[name]}x`]) {
        const tampered = Buffer.from(JSON.stringify({ ...key, [name]: value })).toString('base64url');
        expect({ name, value: value.slice(0, 20), status: (await listJobs({ status: 'RECEIVED', cursor: tampered })).statusCode }).toEqual({
          name,
          value: value.slice(0, 20),
          status: 400,
        });
      }
    }
  });

  it('lists summaries (no payload or result): a page of full jobs could pass Lambda\'s 6 MB response limit', async () => {
    await submit(JSON.stringify({ type: 'echo', payload: { message: 'summary' } }), 'summary');
    const [job] = bodyOf(await listJobs({ status: 'RECEIVED' })).jobs;
    expect(Object.keys(job).sort()).toEqual(['createdAt', 'jobId', 'status', 'type', 'updatedAt']);
  });

  it('refuses a cursor made for another status', async () => {
    for (let i = 0; i < 3; i += 1) await submit(JSON.stringify({ type: 'echo', payload: { message: `c${i}` } }), `cursor-${i}`);
    const { cursor } = bodyOf(await listJobs({ status: 'RECEIVED', limit: '1' }));
    expect(cursor).toBeDefined();
    expect((await listJobs({ status: 'FAILED', cursor })).statusCode).toBe(400);
  });
});

describe('API handler configuration', () => {
  it('fails at cold start, naming what is missing, when configuration is absent', async () => {
    delete process.env.STATE_MACHINE_ARN;
    jest.resetModules();
    await expect(import('../../lambdas/api/handler')).rejects.toThrow('Missing required environment variable(s): STATE_MACHINE_ARN');
  });
});

describe('the deployed Api bundle', () => {
  it('loads the Step Functions client only when a submission starts a workflow: a read never pays for it at a cold start', async () => {
    const outdir = Testing.fullSynth(new TapStack(Testing.app(), 'TapStack'));
    const api = new SynthesizedStack(join(outdir, 'stacks', 'TapStack')).functions().find((fn) => fn.constructId === 'Api');
    const bundle = join(unpackedCodeDir(api!.archivePath), 'index.js');
    // One cold process, as Lambda runs it: a read, then a submission; after each, the SDK clients loaded so far.
    const script = `
      console.log = () => undefined; // the handler's own log lines
      const { handler } = require(process.argv[1]);
      const loaded = () => Object.keys(require.cache).map((file) => /@aws-sdk\\/(client-[a-z]+)\\//.exec(file)?.[1]).filter(Boolean);
      const clients = () => [...new Set(loaded())].sort().join(',');
      (async () => {
        const read = await handler(JSON.parse(process.argv[2]));
        const afterRead = clients();
        const submission = await handler(JSON.parse(process.argv[3]));
        process.stdout.write(JSON.stringify({ read: read.statusCode, afterRead, submission: submission.statusCode, afterSubmission: clients() }));
      })();`;
    const read = proxyEvent({ method: 'GET', resource: '/jobs/{id}', path: '/jobs/missing', pathParameters: { id: 'missing' } });
    const submission = proxyEvent({ method: 'POST', resource: '/jobs', path: '/jobs', body: JSON.stringify({ type: 'echo', payload: { message: 'cold' } }) });
    // Asynchronous: the DynamoDB and Step Functions endpoints the process calls run in this one.
    const result = await promisify(execFile)(process.execPath, ['-e', script, bundle, JSON.stringify(read), JSON.stringify(submission)], { env: process.env });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ read: 404, afterRead: 'client-dynamodb', submission: 202, afterSubmission: 'client-dynamodb,client-sfn' });
    expect(aws.executions).toHaveLength(1);
  });
});
