import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../../lambdas/api/request';
import { proxyEvent } from '../helpers/api-events';
import { LocalDynamo, createSynthesizedTable, startDynalite } from '../helpers/dynalite';
import { TEST_STATE_MACHINE_ARN, configureLambdaEnvironment } from '../helpers/lambda-env';
import { RecordingAws, startRecordingAws } from '../helpers/recording-aws';
import { synthesizedTapStack } from '../helpers/synthesized-app';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

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
    ['invalid JSON', '{"type": ', [{ field: 'body', message: 'must be valid JSON' }]],
    ['a JSON array', '[]', [{ field: 'body', message: 'must be a JSON object' }]],
    [
      'missing fields',
      '{}',
      [
        { field: 'type', message: 'is required and must be a string' },
        { field: 'payload', message: 'is required and must be an object' },
      ],
    ],
    [
      'ill-typed fields',
      '{"type": 42, "payload": "text"}',
      [
        { field: 'type', message: 'is required and must be a string' },
        { field: 'payload', message: 'is required and must be an object' },
      ],
    ],
    ['an unknown type', '{"type": "teleport", "payload": {}}', [{ field: 'type', message: 'must be one of wordcount, sum, echo' }]],
    ['an unknown field', '{"type": "echo", "payload": {}, "priority": 1}', [{ field: 'priority', message: 'is not a known field' }]],
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
    expect(job.history.map((h: { status: string }) => h.status)).toEqual(['RECEIVED']);
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
    // One job item and one history event.
    expect(await itemCount()).toBe(2);
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

  it.each([
    [{}, 'status'],
    [{ status: 'DONE' }, 'status'],
    [{ status: 'RECEIVED', limit: '0' }, 'limit'],
    [{ status: 'RECEIVED', limit: '101' }, 'limit'],
    [{ status: 'RECEIVED', cursor: 'not-a-cursor' }, 'cursor'],
    [{ status: 'RECEIVED', cursor: Buffer.from('{"pk":"x"}').toString('base64url') }, 'cursor'],
  ])('answers 400 for %j (%s)', async (query, field) => {
    const response = await listJobs(query);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors[0].field).toBe(field);
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
