import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { connect } from 'net';
import { SORT_KEY, jobKey } from '../../lambdas/shared/jobs-schema';
import { LocalStack } from '../../local/local-stack';
import { pollUntilTerminal, startSynthesizedTapStack } from '../helpers/local-stack';

/**
 * Property-based tests of the API on the synthesized stack run locally:
 * whatever the body, headers, path or query string, the answer is one the
 * API documents, never a 5xx; a refused request writes nothing; every
 * accepted job ends SUCCEEDED or FAILED with its history. Each property
 * stops after its time budget, so the file stays under a minute of checking.
 */
jest.setTimeout(180_000);

const BUDGET_MS = 12_000;
const budget = { numRuns: 400, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false };

let local: LocalStack;
const accepted = new Set<string>();

beforeAll(async () => {
  local = await startSynthesizedTapStack();
});

afterAll(async () => {
  await local?.stop();
});

/** Job items: written only when a submission is accepted (history events of running jobs keep arriving). */
async function jobItemCount(): Promise<number> {
  const { Count = 0 } = await local.dynamo.send(
    new ScanCommand({
      TableName: local.tableName,
      Select: 'COUNT',
      FilterExpression: '#sk = :job',
      ExpressionAttributeNames: { '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':job': { S: jobKey('x')[SORT_KEY] } },
    }),
  );
  return Count;
}

const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 160 });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-100, 900719925474, 900719925475, Number.MAX_SAFE_INTEGER, 5e-324, 1e308),
);

/** Valid jobs, near misses, and anything at all. */
const jobValue = fc.oneof(
  fc.record({ type: fc.constant('wordcount'), payload: fc.record({ text }) }),
  fc.record({ type: fc.constant('sum'), payload: fc.record({ numbers: fc.array(number, { minLength: 0, maxLength: 12 }) }) }),
  fc.record({ type: fc.constant('echo'), payload: fc.record({ message: text }) }),
  fc.record({ type: fc.constantFrom('wordcount', 'sum', 'echo', 'teleport', '__proto__'), payload: fc.anything({ maxDepth: 3 }) }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom('type', 'payload', '__proto__', 'constructor', 'prototype', 'extra'), fc.anything({ maxDepth: 2 })),
  fc.anything({ maxDepth: 3 }),
);

/** Jobs every type accepts, so a good share of the requests is accepted and followed to the end. */
const validJob = fc.oneof(
  fc.record({ type: fc.constant('wordcount'), payload: fc.record({ text: fc.string({ minLength: 1, maxLength: 60 }) }) }),
  fc.record({ type: fc.constant('sum'), payload: fc.record({ numbers: fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 12 }) }) }),
  fc.record({ type: fc.constant('echo'), payload: fc.record({ message: fc.string({ unit: 'grapheme', maxLength: 60 }) }) }),
);

/** Bodies: valid jobs, serialized values, raw JSON and not-JSON text, deep nesting, odd numbers written by hand. */
const body = fc.oneof(
  { arbitrary: validJob.map((value) => JSON.stringify(value)), weight: 4 },
  jobValue.map((value) => JSON.stringify(value) ?? ''),
  fc.json({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `{"type":"sum","payload":{"numbers":${'['.repeat(depth)}1${']'.repeat(depth)}}}`),
  fc.constantFrom('1e400', '-1e400', '5e-324', '9007199254740993', '0.10000000000000000000001', '1E21', '-0').map((n) => `{"type":"sum","payload":{"numbers":[${n}]}}`),
  fc.constantFrom('\\ud800', '\\u0000', '"', '\\"').map((s) => `{"type":"echo","payload":{"message":"${s}"}}`),
);

const headers = fc.record(
  {
    'Idempotency-Key': fc.oneof(fc.constantFrom('p-1', 'p-2', 'p-3', '', ' '), printable),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
    'x-anything': printable,
  },
  { requiredKeys: [] },
);

describe('POST /jobs, any body and headers', () => {
  it('answers 202, 400, 413 or 422, never 5xx; a refused request writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (requestBody, requestHeaders) => {
        const before = await jobItemCount();
        const executionsBefore = local.aws.executions.size;
        // Signed, as every caller of the AWS_IAM API must be; what varies is what a signed client may send.
        const response = await local.callApi('/jobs', { method: 'POST', headers: requestHeaders, body: requestBody });
        const answer = (await response.json()) as { jobId?: string };
        expect([202, 400, 413, 422]).toContain(response.status);
        if (response.status === 202) accepted.add(answer.jobId as string);
        else expect({ jobs: await jobItemCount(), executions: local.aws.executions.size }).toEqual({ jobs: before, executions: executionsBefore });
      }),
      budget,
    );
  });
});

describe('GET /jobs/{id} and any path', () => {
  const segment = fc.oneof(printable, fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent), fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2F', '%00'));

  it('answers 200, 400, 403 (no route, as API Gateway) or 404, never 5xx, for any path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (segments, method) => {
        const path = `/${['jobs', ...segments].join('/')}`.replace(/[\s#?]/g, '_');
        const { port } = new URL(local.apiUrl);
        const status = await new Promise<number>((resolve, reject) => {
          // Written, not ended: a client that half-closes may lose its answer. The server closes (Connection: close).
          const socket = connect(Number(port), '127.0.0.1', () => socket.write(`${method} ${path} HTTP/1.1\r\nHost: local\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
          let answer = '';
          socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
          socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
          socket.on('error', reject);
        });
        expect([200, 400, 403, 404]).toContain(status);
      }),
      budget,
    );
  });
});

describe('GET /jobs, any query string', () => {
  const value = fc.oneof(printable, fc.constantFrom('RECEIVED', 'SUCCEEDED', 'FAILED', '1', '100', '101', '0', '-1', '1e2', ''), fc.base64String({ maxLength: 600 }));

  it('answers 200 or 400, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('status', 'limit', 'cursor', 'other'), value), async (query) => {
        const response = await local.callApi(`/jobs?${new URLSearchParams(query).toString()}`);
        await response.text();
        expect([200, 400]).toContain(response.status);
      }),
      budget,
    );
  });
});

describe('after all of that', () => {
  it('ended every accepted job SUCCEEDED or FAILED, with its history', async () => {
    await local.aws.idle();
    expect(accepted.size).toBeGreaterThan(0);
    for (const jobId of accepted) {
      const job = await pollUntilTerminal(local, jobId);
      expect(['SUCCEEDED', 'FAILED']).toContain(job.status);
      expect(job.history[0].status).toBe('RECEIVED');
    }
  });
});
