import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createHash, randomUUID } from 'crypto';
import { clientOnFirstUse } from '../shared/client-on-first-use';
import { requireEnv } from '../shared/config';
import { json } from '../shared/http';
import { StatusIndexJob, createJob, getHistory, getJob, listJobsByStatus } from '../shared/job-store';
import { JobRecord } from '../shared/jobs-schema';
import { log } from '../shared/log';
import { JobInput } from '../shared/step';
import { decodeCursor, encodeCursor } from './cursor';
import { AWS_LIMITS, MAX_BODY_BYTES } from '../shared/limits';
import { parseListQuery, parseSubmitRequest } from './request';

/**
 * The API's front door: POST /jobs, GET /jobs/{id}, GET /jobs. It is not a
 * workflow step, so the state machine and this function do not depend on each
 * other (the workflow's ARN is this function's configuration).
 */
const config = requireEnv('TABLE_NAME', 'STATE_MACHINE_ARN');
// Reads never start a workflow: only a submission loads and builds the Step Functions client.
const stepFunctions = clientOnFirstUse(async () => {
  const { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } = await import('@aws-sdk/client-sfn');
  return { client: new SFNClient({}), StartExecutionCommand, ExecutionAlreadyExists };
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const route = `${event.httpMethod} ${event.resource}`;
  try {
    switch (route) {
      case 'POST /jobs':
        return await submitJob(event);
      case 'GET /jobs/{id}':
        return await readJob(event.pathParameters?.id ?? '');
      case 'GET /jobs':
        return await listJobs(event.queryStringParameters ?? {});
      default:
        return json(404, { message: `No route for ${route}` });
    }
  } catch (error) {
    log('error', 'request failed', { route, error: (error as Error).message });
    return json(500, { message: 'Internal error' });
  }
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return entry?.[1] ?? undefined;
}

async function submitJob(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    return json(413, { message: `Body is larger than ${MAX_BODY_BYTES} bytes: a job travels as a Step Functions execution input (256 KiB)` });
  }
  const idempotencyKey = header(event, 'Idempotency-Key');
  const parsed = parseSubmitRequest(body, idempotencyKey);
  if (!parsed.ok) {
    return json(400, { message: 'Invalid request', errors: parsed.errors, errorCount: parsed.errorCount });
  }
  const jobId = idempotencyKey ? createHash('sha256').update(`idempotency:${idempotencyKey}`).digest('hex').slice(0, 32) : randomUUID();
  const input: JobInput = { jobId, type: parsed.value.type, payload: parsed.value.payload };
  // The job types' limits keep every accepted job under this; checked anyway, before anything is written.
  if (Buffer.byteLength(JSON.stringify(input), 'utf8') > AWS_LIMITS.stateDataBytes) {
    return json(413, { message: `The job would exceed the ${AWS_LIMITS.stateDataBytes}-byte Step Functions input limit` });
  }

  const requestHash = createHash('sha256').update(body).digest('hex');
  // The same idempotency key always names the same job (above), so a duplicate collides on the conditional put below.
  const now = new Date().toISOString();
  const job: JobRecord = {
    jobId,
    type: parsed.value.type,
    payload: parsed.value.payload,
    status: 'RECEIVED',
    createdAt: now,
    updatedAt: now,
    requestHash,
    idempotencyKey,
  };
  if (!(await createJob(config.TABLE_NAME, job))) {
    const existing = await getJob(config.TABLE_NAME, jobId);
    if (!existing) throw new Error(`Job ${jobId} exists and then does not: retry the request`);
    if (existing.requestHash !== requestHash) {
      return json(422, { message: 'This Idempotency-Key was already used with a different body', jobId });
    }
    log('info', 'duplicate submission', { jobId, status: existing.status });
    if (existing.status === 'RECEIVED') {
      // The first request may have stopped before starting the workflow; starting it again by name is idempotent.
      await startWorkflow(existing);
    }
    return json(202, { jobId, status: existing.status });
  }
  // The job item is its RECEIVED event (see getHistory): nothing else to write before the workflow starts.
  await startWorkflow(job);
  log('info', 'job received', { jobId, type: job.type });
  return json(202, { jobId, status: 'RECEIVED' });
}

async function startWorkflow(job: Pick<JobRecord, 'jobId' | 'type' | 'payload'>): Promise<void> {
  const input: JobInput = { jobId: job.jobId, type: job.type, payload: job.payload };
  const { client, StartExecutionCommand, ExecutionAlreadyExists } = await stepFunctions();
  try {
    // The execution is named after the job: Step Functions itself refuses a second one.
    await client.send(new StartExecutionCommand({ stateMachineArn: config.STATE_MACHINE_ARN, name: job.jobId, input: JSON.stringify(input) }));
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
}

async function readJob(jobId: string): Promise<APIGatewayProxyResult> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(jobId)) {
    return json(400, { message: 'Invalid request', errors: [{ field: 'id', message: 'must be a job id' }] });
  }
  const job = await getJob(config.TABLE_NAME, jobId);
  if (!job) return json(404, { message: `No job ${jobId}` });
  return json(200, { ...publicView(job), history: await getHistory(config.TABLE_NAME, job) });
}

async function listJobs(query: Readonly<Record<string, string | undefined>>): Promise<APIGatewayProxyResult> {
  const parsed = parseListQuery(query, decodeCursor);
  if (!parsed.ok) return json(400, { message: 'Invalid request', errors: parsed.errors });
  const { status, limit, cursor } = parsed.value;
  const { items, lastKey } = await listJobsByStatus(config.TABLE_NAME, status, { limit, startKey: cursor });
  return json(200, {
    // A summary per job: a page of full jobs (payload and result up to 400 KB each) could pass Lambda's 6 MB response limit.
    jobs: items.map((item) => summaryView(item)),
    cursor: lastKey ? encodeCursor(lastKey) : undefined,
  });
}

/**
 * A job as listed. A job from the status index has only what that index
 * projects: if it stopped projecting one of these attributes, this would not compile.
 */
function summaryView(job: JobRecord | StatusIndexJob): Record<string, unknown> {
  const { jobId, type, status, createdAt, updatedAt } = job;
  return { jobId, type, status, createdAt, updatedAt };
}

/** What a client sees of a job: no keys, no internal hashes. */
function publicView(job: JobRecord): Record<string, unknown> {
  const { jobId, type, status, createdAt, updatedAt, result, error, payload } = job;
  return { jobId, type, status, createdAt, updatedAt, payload, result, error };
}
