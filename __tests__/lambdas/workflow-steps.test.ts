import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { NotificationInput } from '../../lambdas/notification/handler';
import { recordNotification, transition } from '../../lambdas/shared/job-store';
import { PARTITION_KEY, jobKey, jobPartition } from '../../lambdas/shared/jobs-schema';
import type { JobInput, StepInput } from '../../lambdas/shared/step';
import { proxyEvent } from '../helpers/api-events';
import { LocalDynamo, createSynthesizedTable, startDynalite } from '../helpers/dynalite';
import { TEST_TOPIC_ARN, configureLambdaEnvironment } from '../helpers/lambda-env';
import { RecordingAws, startRecordingAws } from '../helpers/recording-aws';
import { synthesizedTapStack } from '../helpers/synthesized-app';

// Each test imports fresh handlers and creates a table: slow on a loaded machine, not in the handlers.
jest.setTimeout(30_000);

interface Handlers {
  api: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  validation: (event: JobInput) => Promise<JobInput>;
  processing: (event: JobInput) => Promise<StepInput>;
  notification: (event: NotificationInput) => Promise<{ jobId: string; status: string }>;
}

let dynamo: LocalDynamo;
let aws: RecordingAws;
let handlers: Handlers;
let logLines: string[];
let tableCounter = 0;

// Synthesizing the stack the tables are created from takes seconds on a busy machine: once, here, not in a 5 s hook.
beforeAll(async () => {
  synthesizedTapStack();
  dynamo = await startDynalite();
  aws = await startRecordingAws();
}, 120_000);

afterAll(async () => {
  await dynamo.close();
  await aws.close();
});

beforeEach(async () => {
  const tableName = `jobs-steps-${++tableCounter}`;
  await createSynthesizedTable(dynamo, tableName);
  configureLambdaEnvironment({ tableName, dynamoEndpoint: dynamo.endpoint, awsEndpoint: aws.endpoint });
  aws.messages.length = 0;
  logLines = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logLines.push(line));
  jest.spyOn(console, 'error').mockImplementation((line: string) => void logLines.push(line));
  jest.resetModules();
  handlers = {
    api: (await import('../../lambdas/api/handler')).handler,
    validation: (await import('../../lambdas/validation/handler')).handler,
    processing: (await import('../../lambdas/processing/handler')).handler,
    notification: (await import('../../lambdas/notification/handler')).handler,
  };
});

afterEach(() => jest.restoreAllMocks());

/** Submits through the API and returns the execution input it started the workflow with. */
async function submitted(type: string, payload: Record<string, unknown>): Promise<JobInput> {
  const response = await handlers.api(proxyEvent({ method: 'POST', resource: '/jobs', path: '/jobs', body: JSON.stringify({ type, payload }) }));
  const { jobId } = JSON.parse(response.body);
  const execution = aws.executions.find((e) => e.name === jobId);
  return JSON.parse(execution!.input);
}

async function jobView(jobId: string): Promise<Record<string, any>> {
  const response = await handlers.api(proxyEvent({ method: 'GET', resource: '/jobs/{id}', path: `/jobs/${jobId}`, pathParameters: { id: jobId } }));
  return JSON.parse(response.body);
}

/** The job item as stored (the API shows only part of it). */
async function jobItem(jobId: string): Promise<Record<string, any>> {
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: marshall(jobKey(jobId)), ConsistentRead: true }));
  return unmarshall(Item!);
}

async function partitionItemCount(jobId: string): Promise<number> {
  const { Items = [] } = await dynamo.client.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': PARTITION_KEY },
      ExpressionAttributeValues: { ':p': { S: jobPartition(jobId)[PARTITION_KEY] } },
    }),
  );
  return Items.length;
}

describe('the happy path through the three steps', () => {
  it('validates, processes and notifies, recording each transition and the notification', async () => {
    const job = await submitted('sum', { numbers: [1, 2, 3.5] });
    const { jobId } = job;
    await handlers.validation(job);
    await handlers.processing(job);
    const outcome = await handlers.notification({ jobId });
    expect(outcome).toEqual({ jobId, status: 'SUCCEEDED' });

    const view = await jobView(jobId);
    expect(view).toMatchObject({ status: 'SUCCEEDED', result: { total: 6.5 } });
    expect(view.history.map((h: { status: string }) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED']);
    expect(aws.messages).toEqual([expect.objectContaining({ topicArn: TEST_TOPIC_ARN, message: JSON.stringify({ jobId, outcome: 'SUCCEEDED' }) })]);
    // the job (its RECEIVED and SUCCEEDED events), with the notification it sent, and two history events
    expect(await partitionItemCount(jobId)).toBe(3);
    expect(view.history.at(-1)).toEqual({ jobId, status: 'SUCCEEDED', at: view.updatedAt });
    expect((await jobItem(jobId)).notification).toEqual({ topicArn: TEST_TOPIC_ARN, messageId: aws.messages[0].messageId, outcome: 'SUCCEEDED', at: expect.any(String) });
  });

  it('logs structured JSON lines that carry the job id', async () => {
    const job = await submitted('echo', { message: 'hi' });
    const { jobId } = job;
    await handlers.validation(job);
    const lines = logLines.map((line) => JSON.parse(line));
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'info', message: 'job validated', jobId })]));
  });
});

describe('retries cannot repeat or reverse a step', () => {
  it('a retried step writes nothing twice and publishes once', async () => {
    const job = await submitted('wordcount', { text: 'a b' });
    const { jobId } = job;
    await handlers.validation(job);
    await handlers.validation(job);
    await handlers.processing(job);
    await handlers.processing(job);
    await handlers.notification({ jobId });
    await handlers.notification({ jobId });
    expect(aws.messages).toHaveLength(1);
    expect(await partitionItemCount(jobId)).toBe(3);
    expect((await jobView(jobId)).status).toBe('SUCCEEDED');
  });

  it('refuses to skip a step (process a job that was never validated)', async () => {
    const job = await submitted('echo', { message: 'x' });
    const { jobId } = job;
    await expect(handlers.processing(job)).rejects.toThrow(`Job ${jobId} cannot move to PROCESSED: it is RECEIVED, expected VALIDATED`);
    expect((await jobView(jobId)).status).toBe('RECEIVED');
  });

  it('sends no success message for a job that is not done processing', async () => {
    const job = await submitted('echo', { message: 'x' });
    const { jobId } = job;
    await handlers.validation(job);
    await expect(handlers.notification({ jobId })).rejects.toThrow(`Job ${jobId} cannot move to SUCCEEDED: it is VALIDATED, expected PROCESSED`);
    await expect(handlers.notification({ jobId: 'never-submitted' })).rejects.toThrow('Job never-submitted cannot move to SUCCEEDED: it is missing');
    expect(aws.messages).toEqual([]);
    expect((await jobItem(jobId)).notification).toBeUndefined();
  });

  it('two runs of the last step at once: both may publish (at least once), one notification is recorded', async () => {
    const job = await submitted('echo', { message: 'x' });
    const { jobId } = job;
    await handlers.validation(job);
    await handlers.processing(job);
    await Promise.all([handlers.notification({ jobId }), handlers.notification({ jobId })]);
    const { status, notification } = await jobItem(jobId);
    expect(status).toBe('SUCCEEDED');
    expect(aws.messages.length).toBeGreaterThanOrEqual(1);
    expect(aws.messages.length).toBeLessThanOrEqual(2);
    expect(aws.messages.map((m) => m.messageId)).toContain(notification.messageId);
    expect(await partitionItemCount(jobId)).toBe(3);
  });

  it('sends nothing for a job an earlier version marked SUCCEEDED without recording the notification on it', async () => {
    const job = await submitted('echo', { message: 'x' });
    const { jobId } = job;
    await handlers.validation(job);
    await handlers.processing(job);
    // 0.2.0 published, then marked the job SUCCEEDED; its notification was an item of its own.
    await transition(process.env.TABLE_NAME!, jobId, ['PROCESSED'], 'SUCCEEDED');
    expect(await handlers.notification({ jobId })).toEqual({ jobId, status: 'SUCCEEDED' });
    expect(aws.messages).toEqual([]);
    expect((await jobView(jobId)).history.map((h: { status: string }) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED']);
  });

  it('records a notification only on a job whose status is its outcome', async () => {
    const job = await submitted('echo', { message: 'x' });
    await handlers.validation(job);
    const notification = { topicArn: TEST_TOPIC_ARN, messageId: 'm-1', outcome: 'SUCCEEDED', at: new Date().toISOString() } as const;
    expect(await recordNotification(process.env.TABLE_NAME!, job.jobId, notification)).toBe(false);
    expect(await recordNotification(process.env.TABLE_NAME!, 'never-submitted', notification)).toBe(false);
    expect((await jobItem(job.jobId)).notification).toBeUndefined();
  });

  it('refuses to move a finished job backwards', async () => {
    const job = await submitted('echo', { message: 'x' });
    const { jobId } = job;
    await handlers.validation(job);
    await handlers.processing(job);
    await handlers.notification({ jobId });
    await expect(handlers.validation(job)).rejects.toThrow('cannot move to VALIDATED: it is SUCCEEDED');
    expect((await jobView(jobId)).status).toBe('SUCCEEDED');
  });
});

describe('failures end in FAILED with the error and the state', () => {
  // The Api refuses these payloads at the door; the Validation step checks again (defence in depth), so the tests hand it one directly.
  it('rejects a payload that breaks its type rules, without changing the job', async () => {
    const job = await submitted('sum', { numbers: [1, 2] });
    const { jobId } = job;
    await expect(handlers.validation({ ...job, payload: { numbers: [1, 'two'] } })).rejects.toMatchObject({
      name: 'JobValidationError',
      message: 'payload.numbers[1] must be a number: 0, or from 1e-100 to 900719925474 in magnitude',
    });
    expect((await jobView(jobId)).status).toBe('RECEIVED');
  });

  it('bounds its error: 20 field errors and the count, never one error per entry (issue 10, item 1)', async () => {
    const job = await submitted('sum', { numbers: [1] });
    const error = await handlers.validation({ ...job, payload: { numbers: Array(10_000).fill('x') } }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'JobValidationError' });
    expect(Buffer.byteLength((error as Error).message)).toBeLessThanOrEqual(4096);
    expect((error as Error).message).toMatch(/^payload\.numbers\[0\] must be a number.*; and 9980 more error\(s\)$/);
    expect(((error as Error).message.match(/payload\.numbers\[/g) ?? []).length).toBe(20);
  });

  it('cuts whatever a step throws to 4 KB of message and a short stack', async () => {
    const huge = 'x'.repeat(500_000);
    const error = await handlers.processing({ jobId: 'j', type: huge, payload: {} }).catch((e: Error) => e);
    expect(Buffer.byteLength((error as Error).message)).toBeLessThanOrEqual(4096);
    expect((error as Error).message).toMatch(/… \(truncated\)$/);
    expect(Buffer.byteLength((error as Error).stack ?? '')).toBeLessThan(2048);
  });

  it('stores at most 4 KB of cause on the job, whatever the Catch passes (issue 10, item 1)', async () => {
    const job = await submitted('echo', { message: 'x' });
    const failure = { state: 'Validate', error: { Error: 'E'.repeat(1000), Cause: 'c'.repeat(470_000) } };
    expect(await handlers.notification({ jobId: job.jobId, failure })).toEqual({ jobId: job.jobId, status: 'FAILED' });
    const view = await jobView(job.jobId);
    expect(view.status).toBe('FAILED');
    expect(Buffer.byteLength(view.error.cause)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(view.error.error)).toBeLessThanOrEqual(256);
  });

  it('records FAILED with the error and the failing state when called from the Catch, and notifies once', async () => {
    const job = await submitted('sum', { numbers: [1] });
    const { jobId } = job;
    const failure = { state: 'Validate', error: { Error: 'JobValidationError', Cause: '{"errorMessage":"payload.numbers must be an array"}' } };
    expect(await handlers.notification({ jobId, failure })).toEqual({ jobId, status: 'FAILED' });
    expect(await handlers.notification({ jobId, failure })).toEqual({ jobId, status: 'FAILED' });
    const view = await jobView(jobId);
    expect(view.status).toBe('FAILED');
    expect(view.error).toEqual({ error: 'JobValidationError', cause: failure.error.Cause, state: 'Validate' });
    expect(view.history).toEqual([
      { jobId, status: 'RECEIVED', at: view.createdAt },
      { jobId, status: 'FAILED', at: view.updatedAt, detail: 'Validate: JobValidationError' },
    ]);
    // The step that ends a job writes one item: the job, which is its first and its last event.
    expect(await partitionItemCount(jobId)).toBe(1);
    expect(aws.messages.map((m) => JSON.parse(m.message))).toEqual([{ jobId, outcome: 'FAILED' }]);
    expect((await jobItem(jobId)).notification).toMatchObject({ outcome: 'FAILED', messageId: aws.messages[0].messageId });
  });

  it('rejects step input without a job id, type or payload', async () => {
    await expect(handlers.validation({} as JobInput)).rejects.toThrow('Step input must be { "jobId": "<id>", ... }');
    await expect(handlers.processing({ jobId: 'x' } as JobInput)).rejects.toThrow('Step input must be { "jobId", "type", "payload" }');
  });
});
