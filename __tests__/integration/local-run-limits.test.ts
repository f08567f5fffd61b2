import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { connect } from 'net';
import { jobKey } from '../../lambdas/shared/jobs-schema';
import { AWS_LIMITS, MAX_BODY_BYTES } from '../../lambdas/shared/limits';
import { LocalAws } from '../../local/local-aws';
import { LocalStack } from '../../local/local-stack';
import { LAST_RESORT_CAUSE } from '../../workflows/job-workflow';
import { worstCaseJobs } from '../helpers/job-examples';
import { getItem, pollUntilTerminal, scanTable, startSynthesizedTapStack } from '../helpers/local-stack';

/**
 * The limits AWS enforces, enforced by the local run on the synthesized
 * stack, and the jobs designed to meet them: the largest job of each type
 * succeeds, nothing a client sends brings the runner down, and a job whose
 * failure cannot be recorded still ends FAILED.
 */
jest.setTimeout(180_000);

let local: LocalStack;

beforeAll(async () => {
  local = await startSynthesizedTapStack();
});

afterAll(async () => {
  await local?.stop();
});

afterEach(() => {
  local.aws.faults = undefined;
});

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await local.callApi('/jobs', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, text: await response.text() };
}

/** Sends raw bytes on one connection and returns what came back (the status line first). */
function rawRequest(text: string): Promise<string> {
  const { port } = new URL(local.apiUrl);
  return new Promise((resolve, reject) => {
    // Written, not ended: a client that half-closes may lose its answer. The server closes (Connection: close).
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the largest job of each type, at exactly the body limit, reaches SUCCEEDED', () => {
  it.each(worstCaseJobs())('$label', async ({ body, type }) => {
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const submitted = await post(body);
    expect(submitted.status).toBe(202);
    const job = await pollUntilTerminal(local, JSON.parse(submitted.text).jobId, 60_000);
    expect({ type, status: job.status, error: job.error }).toEqual({ type, status: 'SUCCEEDED', error: undefined });
    expect(job.history.map((h) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED']);
  });

  it('refuses one byte more with 413, writing nothing', async () => {
    const before = (await scanTable(local)).length;
    expect((await post(`${worstCaseJobs()[0].body} `)).status).toBe(413);
    expect((await scanTable(local)).length).toBe(before);
  });
});

describe('issue 10 reproductions over HTTP', () => {
  it('1: 10,000 bad numbers are a 400 with 20 errors, not a job stuck in RECEIVED', async () => {
    const before = (await scanTable(local)).length;
    const { status, text } = await post(JSON.stringify({ type: 'sum', payload: { numbers: Array(10_000).fill('x') } }));
    // API Gateway's body model refuses it before the Api function runs; the function's own
    // answer to the same body (20 errors and errorCount 10,000) is tested on the handler.
    expect({ status, answer: JSON.parse(text) }).toEqual({ status: 400, answer: { message: 'Invalid request body' } });
    expect((await scanTable(local)).length).toBe(before);
  });

  it('2: a 205 KB echo is refused at the door (400), not accepted and then FAILED at Process', async () => {
    const { status, text } = await post(JSON.stringify({ type: 'echo', payload: { message: 'x'.repeat(205 * 1024) } }));
    // Refused by the body model (maxLength), before the function, which refuses it too (handler tests).
    expect({ status, answer: JSON.parse(text) }).toEqual({ status: 400, answer: { message: 'Invalid request body' } });
  });

  it('2: a sum whose total would pass 2^53 is a 400 naming the limit, not an SDK message', async () => {
    const { status, text } = await post('{"type":"sum","payload":{"numbers":[9007199254740991,1]}}');
    expect(status).toBe(400);
    expect(text).not.toMatch(/NumberValue|lib-dynamodb/);
  });

  it('4: a 6 KB body nested 1,000 deep is a 400, and the runner and dynalite keep serving', async () => {
    const body = `{"type":"echo","payload":{"message":"a","x":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}}`;
    expect((await post(body)).status).toBe(400);
    const after = await post('{"type":"echo","payload":{"message":"still here"}}');
    expect(after.status).toBe(202);
    expect((await pollUntilTerminal(local, JSON.parse(after.text).jobId)).status).toBe('SUCCEEDED');
  });

  it.each(['/jobs/%', '/jobs/%zz', '/%E0%A4%A'])('6: GET %s is API Gateway\'s 400, not a 502', async (path) => {
    expect(await rawRequest(`GET ${path} HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it.each(['*', 'http://[::1', 'jobs'])('6: a bad request-target (%s) is a 400, not a 502', async (target) => {
    expect(await rawRequest(`GET ${target} HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    expect((await local.callApi('/jobs?status=FAILED')).status).toBe(200);
  });

  it('answers 413 for a body over API Gateway\'s 10 MB, as API Gateway does', async () => {
    expect((await post('x'.repeat(AWS_LIMITS.apiPayloadBytes + 1))).status).toBe(413);
  });
});

describe('a failure that cannot be recorded still ends the job FAILED', () => {
  it('falls back to the last-resort step when RecordFailure keeps failing: FAILED with the error code only, and its history', async () => {
    local.aws.faults = (state) => (state === 'Process' ? 'Lambda.ResourceNotFoundException' : state === 'RecordFailure' ? 'Lambda.ServiceException' : undefined);
    const submitted = await post('{"type":"sum","payload":{"numbers":[1]}}', { 'Idempotency-Key': 'last-resort' });
    const { jobId } = JSON.parse(submitted.text);
    const job = await pollUntilTerminal(local, jobId);
    expect(job.status).toBe('FAILED');
    expect(job.error).toEqual({ error: 'Lambda.ResourceNotFoundException', state: 'Process', cause: LAST_RESORT_CAUSE });
    expect(job.history.map((h) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'FAILED']);
    const execution = [...local.aws.executions.values()].find((e) => e.name === jobId);
    await execution?.done;
    expect(execution?.retries.RecordFailure).toBe(6);
    expect(execution?.states.slice(-4)).toEqual(['RecordFailure', 'RecordFailureLastResort', 'RecordFailureHistory', 'JobFailed']);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'JobFailed' });
  });

  it('leaves a job that already reached a terminal status as it was', async () => {
    const submitted = await post('{"type":"sum","payload":{"numbers":[2]}}', { 'Idempotency-Key': 'last-resort-done' });
    const { jobId } = JSON.parse(submitted.text);
    expect((await pollUntilTerminal(local, jobId)).status).toBe('SUCCEEDED');
    // Replays the last-resort write on the finished job, as a late failure path would.
    const { States } = local.stack.stateMachine().definition;
    const lastResort = { StartAt: 'RecordFailureLastResort', States: Object.fromEntries(['RecordFailureLastResort', 'RecordFailureHistory', 'JobFailed'].map((n) => [n, States[n]])) };
    const aws = new LocalAws({
      stateMachine: { arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:LastResort', definition: lastResort, roleOwner: 'Test' },
      topicArns: [],
      retryIntervalMs: 0,
      dynamo: local.dynamo,
      log: () => undefined,
    });
    const endpoint = await aws.start();
    const sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:LastResort',
        name: 'replay',
        input: JSON.stringify({ jobId, failure: { state: 'Notify', error: { Error: 'Late' } } }),
      }),
    );
    await aws.idle();
    sfn.destroy();
    await aws.stop();
    const [execution] = aws.executions.values();
    expect(execution.states).toEqual(['RecordFailureLastResort', 'JobFailed']);
    expect((await getItem(local, jobKey(jobId)))?.status.S).toBe('SUCCEEDED');
  });
});

describe('Step Functions limits, enforced by the runner', () => {
  const machineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:Limits';
  const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:Nothing';
  let aws: LocalAws;
  let sfn: SFNClient;

  beforeAll(async () => {
    aws = new LocalAws({
      stateMachine: {
        arn: machineArn,
        roleOwner: 'Test',
        definition: {
          StartAt: 'Double',
          States: {
            Double: { Type: 'Pass', Parameters: { 'a.$': '$', 'b.$': '$' }, Next: 'Big' },
            Big: { Type: 'Task', Resource: functionArn, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], Next: 'Done' },
            Caught: { Type: 'Pass', Next: 'Done' },
            Done: { Type: 'Succeed' },
          },
        },
      },
      topicArns: [],
      retryIntervalMs: 0,
      log: () => undefined,
    });
    sfn = new SFNClient({ endpoint: await aws.start(), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    sfn?.destroy();
    await aws?.stop();
  });

  it('refuses an execution input over 256 KiB at StartExecution', async () => {
    const input = JSON.stringify({ data: 'x'.repeat(AWS_LIMITS.stateDataBytes) });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'too-big', input }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(aws.executions.size).toBe(0);
  });

  it('fails an execution whose state data passes 256 KiB with States.DataLimitExceeded, which no Catch catches', async () => {
    const input = JSON.stringify({ data: 'x'.repeat(150 * 1024) });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'grows', input }));
    await aws.idle();
    const execution = aws.executions.get(`${machineArn.replace(':stateMachine:', ':execution:')}:grows`);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(execution?.states).not.toContain('Caught');
    expect(execution?.states).not.toContain('Done');
  });

  it('runs the same definition to the end when the data fits', async () => {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: 'fits', input: JSON.stringify({ data: 'x' }) }));
    await aws.idle();
    // No function behind the Task: its error is caught, as any error but the data limit is.
    expect(aws.executions.get(`${machineArn.replace(':stateMachine:', ':execution:')}:fits`)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('DynamoDB limits, enforced in front of dynalite', () => {
  let client: DynamoDBClient;
  beforeAll(() => {
    client = new DynamoDBClient({ endpoint: local.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(() => client.destroy());

  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { S: 'leaf' };
    for (let i = 0; i < levels; i += 1) value = { M: { a: value } };
    return value;
  };
  const put = (item: Record<string, unknown>) =>
    client.send(new PutItemCommand({ TableName: local.tableName, Item: { pk: { S: 'LIMITS' }, sk: { S: String(Math.random()) }, ...item } }));

  it('accepts 32 levels of nesting', async () => {
    await expect(put({ value: nested(32) })).resolves.toBeDefined();
  });

  it.each([33, 1000, 100_000])('refuses %d levels with DynamoDB\'s ValidationException, before dynalite parses it', async (levels) => {
    // Sent as raw JSON: the SDK's own serializer recurses too.
    const item = `{"pk":{"S":"LIMITS"},"sk":{"S":"deep-${levels}"},"value":${'{"M":{"a":'.repeat(levels)}{"S":"leaf"}${'}}'.repeat(levels)}}`;
    const response = await fetch(local.dynamoEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: `{"TableName":"${local.tableName}","Item":${item}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Nesting Levels have exceeded supported limits' });
  });

  it('refuses an item over 400 KB', async () => {
    await expect(put({ value: { S: 'x'.repeat(AWS_LIMITS.itemBytes) } })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keeps serving after all of that', async () => {
    await expect(put({ value: { S: 'fine' } })).resolves.toBeDefined();
  });
});
