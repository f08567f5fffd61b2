import { execFile } from 'child_process';
import { createHash } from 'crypto';
import { request as httpRequest } from 'http';
import { promisify } from 'util';
import { runLoad } from '../../local/load';
import { LocalStack } from '../../local/local-stack';
import { RETRIED_LAMBDA_ERRORS } from '../../workflows/job-workflow';
import { PARTITION_KEY, SORT_KEY, jobKey } from '../../lambdas/shared/jobs-schema';
import { AUTH_HEADERS, signedFetch, signedHeaders } from '../../local/sigv4';
import { getItem, pollUntilTerminal, scanTable, startSynthesizedTapStack, submitJob } from '../helpers/local-stack';

/**
 * End to end on the synthesized stack: the Terraform JSON, the bundled code
 * zips and the state machine definition that would be deployed, run locally.
 */
jest.setTimeout(120_000);

const execFileAsync = promisify(execFile);

let local: LocalStack;
const logLines: string[] = [];

beforeAll(async () => {
  local = await startSynthesizedTapStack({ log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await local?.stop();
});

afterEach(() => {
  local.aws.faults = undefined;
});

describe('happy path over HTTP', () => {
  it.each([
    ['wordcount', { text: 'the quick brown fox' }, { words: 4 }],
    ['sum', { numbers: [1, 2, 3, 4] }, { total: 10 }],
    ['echo', { message: 'local' }, { message: 'LOCAL' }],
  ])('runs a %s job to SUCCEEDED with its history and notification record', async (type, payload, result) => {
    const submitted = await submitJob(local, { type, payload }, `happy-${type}`);
    expect(submitted.status).toBe(202);
    const { jobId } = submitted.body;

    const job = await pollUntilTerminal(local, jobId);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.result).toEqual(result);
    expect(job.history.map((h) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED']);

    const item = await getItem(local, jobKey(jobId));
    expect(item?.status.S).toBe('SUCCEEDED');
    const notification = item?.notification.M;
    expect(notification?.outcome.S).toBe('SUCCEEDED');
    const message = local.aws.messages.find((m) => JSON.parse(m.message).jobId === jobId);
    expect(message?.messageId).toBe(notification?.messageId.S);
  });

  it('shows the published messages, as log lines and at GET /_local/messages', async () => {
    const listed = (await (await fetch(`${local.awsEndpoint}/_local/messages`)).json()) as { message: string }[];
    expect(listed.map((m) => m.message)).toEqual(local.aws.messages.map((m) => m.message));
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(logLines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[sns\] TapStack-JobEvents <- \{"jobId":"\w+","outcome":"SUCCEEDED"\}$/)]));
  });

  it('logs each request and each state transition as one line', () => {
    expect(logLines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[api\] POST \/jobs -> 202 \(\d+ ms\)$/)]));
    expect(logLines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[sfn\] \w{8} Process entered$/)]));
  });

  it('answers the gateway 400 for a listing without status, and 403 for an unknown route, as API Gateway does', async () => {
    const missing = await local.callApi('/jobs');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: 'Missing required request parameters: [status]' });
    const unknown = await local.callApi('/nothing-here');
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('authorization (AWS_IAM on every route)', () => {
  const sumJob = JSON.stringify({ type: 'sum', payload: { numbers: [1, 2] } });

  it('refuses an unsigned request on every synthesized route with 403 Missing Authentication Token, before the function runs', async () => {
    const routes = local.stack.routes();
    expect(routes.map((r) => `${r.method} ${r.resource}`).sort()).toEqual(['GET /jobs', 'GET /jobs/{id}', 'POST /jobs']);
    const invocationsBefore = local.aws.calls.filter((c) => c.caller === 'Api').length;
    for (const route of routes) {
      const path = route.resource.replace('{id}', 'some-id') + (route.requiredQuery.length > 0 ? '?status=SUCCEEDED' : '');
      const response = await fetch(`${local.apiUrl}${path}`, {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        body: route.method === 'POST' ? sumJob : undefined,
      });
      expect({ route: route.resource, status: response.status, body: await response.json() }).toEqual({
        route: route.resource,
        status: 403,
        body: { message: 'Missing Authentication Token' },
      });
    }
    expect(local.aws.calls.filter((c) => c.caller === 'Api').length).toBe(invocationsBefore);
  });

  it('refuses a request signed with the wrong secret with API Gateway\'s signature-mismatch 403', async () => {
    const response = await signedFetch(
      `${local.apiUrl}/jobs`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: sumJob },
      { accessKeyId: local.apiCredentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      'us-east-1',
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
  });

  /** What a request could have written: items in the table, executions, calls the Api function made (once earlier jobs are done). */
  async function written() {
    await local.aws.idle();
    return { items: (await scanTable(local)).length, executions: local.aws.executions.size, apiCalls: local.aws.calls.filter((c) => c.caller === 'Api').length };
  }

  /** Sends a request with exactly these header lines (a name twice sends it twice), as `fetch` cannot. */
  function sendRaw(path: string, headers: [string, string][], body: string): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${local.apiUrl}${path}`, { method: 'POST' }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      });
      const byName = new Map<string, string[]>();
      for (const [name, value] of headers) byName.set(name, [...(byName.get(name) ?? []), value]);
      for (const [name, values] of byName) request.setHeader(name, values.length === 1 ? values[0] : values);
      request.on('error', reject);
      request.end(body);
    });
  }

  const signJob = (headers: Record<string, string> = {}) =>
    signedHeaders(`${local.apiUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: sumJob }, local.apiCredentials, 'us-east-1');
  const mismatch = /^The request signature we calculated does not match the signature you provided\./;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('refuses a signed request whose body was changed after signing: 403, nothing written', async () => {
    const before = await written();
    const tampered = await fetch(`${local.apiUrl}/jobs`, { method: 'POST', headers: await signJob(), body: sumJob.replace('[1,2]', '[1,3]') });
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { message: string }).message).toMatch(mismatch);
    expect(await written()).toEqual(before);
  });

  it('hashes the body it received: a signed x-amz-content-sha256 of another body is refused with 403, nothing written', async () => {
    const before = await written();
    // Signed over the header's hash (the signer takes it as the payload hash), then sent with another body.
    const other = sumJob.replace('[1,2]', '[1,3]');
    const headers = await signJob({ 'x-amz-content-sha256': sha256(sumJob) });
    expect(headers.authorization).toContain('x-amz-content-sha256');
    const refused = await fetch(`${local.apiUrl}/jobs`, { method: 'POST', headers, body: other });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(mismatch);
    expect(await written()).toEqual(before);
    // The same header with the hash of the body sent is accepted: the check is on the hash, not the header.
    const accepted = await fetch(`${local.apiUrl}/jobs`, { method: 'POST', headers: await signJob({ 'x-amz-content-sha256': sha256(sumJob) }), body: sumJob });
    expect(accepted.status).toBe(202);
  });

  it('refuses x-amz-content-sha256: UNSIGNED-PAYLOAD with 403, nothing written', async () => {
    const before = await written();
    const headers = await signJob({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    const refused = await fetch(`${local.apiUrl}/jobs`, { method: 'POST', headers, body: sumJob });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(mismatch);
    expect(await written()).toEqual(before);
  });

  it('refuses a repeated Authorization header (a good one, then a bad one, or the reverse) with 403, nothing written', async () => {
    const good = await signJob();
    const bad = (await signJob()).authorization.replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`);
    const others = Object.entries(good).filter(([name]) => name !== 'authorization');
    const before = await written();
    for (const order of [[good.authorization, bad], [bad, good.authorization]]) {
      const answer = await sendRaw('/jobs', [...others, ...order.map((value): [string, string] => ['authorization', value])], sumJob);
      expect(answer).toEqual({ status: 403, body: { message: "The request carries 'authorization' more than once; send each signing header once." } });
    }
    expect(await written()).toEqual(before);
  });

  it.each(AUTH_HEADERS.filter((name) => name !== 'authorization'))('refuses a repeated %s header with 403, nothing written', async (name) => {
    const headers = await signJob({ 'x-amz-content-sha256': sha256(sumJob) });
    const value = name === 'x-amz-security-token' ? 'token' : headers[name];
    const lines = Object.entries(headers).filter(([header]) => header !== name);
    const before = await written();
    const answer = await sendRaw('/jobs', [...lines, [name, value], [name, value]], sumJob);
    expect(answer).toEqual({ status: 403, body: { message: `The request carries '${name}' more than once; send each signing header once.` } });
    expect(await written()).toEqual(before);
  });

  it('refuses an unknown access key with API Gateway\'s invalid-token 403', async () => {
    const response = await signedFetch(`${local.apiUrl}/jobs/x`, {}, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }, 'us-east-1');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'The security token included in the request is invalid.' });
  });

  it("accepts the curl --aws-sigv4 call of docs/application.md, and curl without the signature gets the 403", async () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = { AWS_ACCESS_KEY_ID: local.apiCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: local.apiCredentials.secretAccessKey };
    const curl = async (...signing: string[]) =>
      (
        await execFileAsync('curl', ['-s', ...signing, '-X', 'POST', `${local.apiUrl}/jobs`, '-H', 'content-type: application/json', '-d', sumJob, '-w', '\n%{http_code}'])
      ).stdout.split('\n');
    const [signedBody, signedStatus] = await curl('--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', `${AWS_ACCESS_KEY_ID}:${AWS_SECRET_ACCESS_KEY}`);
    expect(signedStatus).toBe('202');
    expect(JSON.parse(signedBody)).toMatchObject({ status: 'RECEIVED' });
    const [unsignedBody, unsignedStatus] = await curl();
    expect(unsignedStatus).toBe('403');
    expect(JSON.parse(unsignedBody)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('lists with curl --aws-sigv4 when the query is written sorted by name; curl 7.x signs it as written, so the other order gets the 403', async () => {
    const credentials = `${local.apiCredentials.accessKeyId}:${local.apiCredentials.secretAccessKey}`;
    const list = async (query: string) =>
      (await execFileAsync('curl', ['-s', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', credentials, `${local.apiUrl}/jobs?${query}`, '-w', '\n%{http_code}'])).stdout.split('\n');
    const [sortedBody, sortedStatus] = await list('limit=20&status=SUCCEEDED');
    expect(sortedStatus).toBe('200');
    expect(JSON.parse(sortedBody)).toMatchObject({ jobs: expect.any(Array) });
    // SigV4 signs the query sorted by name, and API Gateway (and this runner) sorts it before checking;
    // curl before 8 signs it in the order written (curl/curl#9717), so only a sorted query matches.
    const curlMajor = Number(/^curl (\d+)\./.exec((await execFileAsync('curl', ['--version'])).stdout)?.[1]);
    if (curlMajor === 7) {
      const [unsortedBody, unsortedStatus] = await list('status=SUCCEEDED&limit=20');
      expect(unsortedStatus).toBe('403');
      expect(JSON.parse(unsortedBody).message).toMatch(mismatch);
    }
  });

  it('runs signed requests end to end: submit, read, list', async () => {
    const submitted = await local.callApi('/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: sumJob });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    expect((await pollUntilTerminal(local, jobId)).result).toEqual({ total: 3 });
    const listed = await local.callApi('/jobs?status=SUCCEEDED&limit=100');
    expect(listed.status).toBe(200);
  });
});

describe('faults injected by the runner', () => {
  /** Makes the next `count` attempts of `state` fail with `error`. */
  function failNext(state: string, error: string, count: number): void {
    let left = count;
    local.aws.faults = (stateName) => (stateName === state && left-- > 0 ? error : undefined);
  }

  async function run(key: string) {
    const { body } = await submitJob(local, { type: 'sum', payload: { numbers: [2, 3] } }, key);
    const job = await pollUntilTerminal(local, body.jobId);
    const execution = [...local.aws.executions.values()].find((e) => e.name === body.jobId);
    await execution?.done;
    return { job, execution };
  }

  it.each(RETRIED_LAMBDA_ERRORS)('retries %s and the job still succeeds', async (error) => {
    failNext('Process', error, 2);
    const { job, execution } = await run(`retried-${error}`);
    expect(execution?.retries.Process).toBe(2);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.result).toEqual({ total: 5 });
  });

  it.each(['Validate', 'Process', 'Notify'])('writes nothing twice when %s times out after its work was done and is retried', async (state) => {
    let once = true;
    local.aws.faults = (stateName) => (stateName === state && once ? ((once = false), { error: 'States.Timeout', afterInvoke: true as const }) : undefined);
    const messagesBefore = local.aws.messages.length;
    const { job, execution } = await run(`timeout-after-${state}`);
    expect(execution?.retries[state]).toBe(1);
    expect(job.status).toBe('SUCCEEDED');
    expect(job.history.map((h) => h.status)).toEqual(['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED']);
    expect(local.aws.messages.length - messagesBefore).toBe(1);
  });

  it('records FAILED with the error and the state once retries are exhausted', async () => {
    failNext('Notify', 'Lambda.ServiceException', 10);
    const { job, execution } = await run('exhausted');
    expect(execution?.retries.Notify).toBe(3);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ error: 'Lambda.ServiceException', state: 'Notify' });
    expect(execution?.status).toBe('FAILED');
  });

  it('does not retry an error outside the retry list, and records it', async () => {
    failNext('Validate', 'Lambda.ResourceNotFoundException', 1);
    const { job, execution } = await run('not-retried');
    expect(execution?.retries.Validate ?? 0).toBe(0);
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatchObject({ error: 'Lambda.ResourceNotFoundException', state: 'Validate' });
    expect(job.history.map((h) => h.status)).toEqual(['RECEIVED', 'FAILED']);
  });

  it('refuses at the door a job the validation step would reject: 400, nothing written, no execution', async () => {
    const executionsBefore = local.aws.executions.size;
    const itemsBefore = (await scanTable(local)).length;
    const { status, body } = await submitJob(local, { type: 'sum', payload: { numbers: ['one'] } }, 'rejected-payload');
    // API Gateway's body model (generated from the same job-type schemas) answers before the function;
    // the function's own answer, naming the field, is tested on the handler.
    expect({ status, body }).toEqual({ status: 400, body: { message: 'Invalid request body' } });
    expect((await scanTable(local)).length).toBe(itemsBefore);
    expect(local.aws.executions.size).toBe(executionsBefore);
  });

  it('loses nothing: every job so far has one item, a terminal status and one notification', async () => {
    await local.aws.idle();
    const items = await scanTable(local);
    const jobs = items.filter((i) => i[SORT_KEY].S === 'JOB');
    expect(jobs.length).toBe(local.aws.executions.size);
    expect(jobs.every((j) => ['SUCCEEDED', 'FAILED'].includes(j.status.S))).toBe(true);
    // Each job's notification, recorded on its item, with the outcome it reached.
    expect(jobs.filter((j) => j.notification?.M.outcome.S !== j.status.S).map((j) => j[PARTITION_KEY].S)).toEqual([]);
    expect(local.aws.messages.map((m) => JSON.parse(m.message).jobId).sort()).toEqual(jobs.map((j) => j.jobId.S).sort());
  });
});

describe('load', () => {
  it('runs a burst of 300 submissions at concurrency 50 (every tenth refused): every job terminal, no duplicates, one item per 202', async () => {
    await local.aws.idle();
    const jobsBefore = (await scanTable(local)).filter((i) => i[SORT_KEY].S === 'JOB').length;
    const executionsBefore = local.aws.executions.size;
    const total = 300;
    const refused = (i: number) => i % 10 === 9;
    const load = await runLoad(local, {
      total,
      concurrency: 50,
      idempotencyKey: (i) => `burst-${i}`,
      body: (i) => (refused(i) ? { type: 'sum', payload: { numbers: [9007199254740991, i] } } : { type: 'sum', payload: { numbers: [i, 1] } }),
    });

    const accepted = load.statuses.filter((s) => s === 202).length;
    expect(load.statuses).toEqual(Array.from({ length: total }, (_, i) => (refused(i) ? 400 : 202)));
    const acceptedIds = load.jobIds.filter((_, i) => load.statuses[i] === 202);
    expect(new Set(acceptedIds).size).toBe(accepted);
    expect(local.aws.executions.size - executionsBefore).toBe(accepted);
    const items = await scanTable(local);
    const jobs = items.filter((i) => i[SORT_KEY].S === 'JOB');
    expect(jobs.length - jobsBefore).toBe(accepted);
    const burstJobs = jobs.filter((j) => acceptedIds.includes(j.jobId.S));
    expect(burstJobs).toHaveLength(accepted);
    expect(burstJobs.every((j) => j.status.S === 'SUCCEEDED')).toBe(true);
    expect(burstJobs.filter((j) => j.notification?.M.outcome.S === 'SUCCEEDED')).toHaveLength(accepted);

    process.stdout.write(
      `\nlocal run burst: ${total} submissions (${accepted} accepted), concurrency 50: ${load.jobsPerSecond.toFixed(1)} jobs/s, ` +
        `submit-to-terminal p50 ${load.percentile(50)} ms, p99 ${load.percentile(99)} ms\n`,
    );
  });
});
