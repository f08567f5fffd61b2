import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Testing } from 'cdktf';
import { join } from 'path';
import { LocalStack, LocalStackOptions, startLocalStack } from '../../local/local-stack';
import { TapStack } from '../../stacks/tap-stack';

/** Synthesizes the shipped TapStack (assets included) and runs it locally; retries do not wait. */
export async function startSynthesizedTapStack(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const outdir = Testing.fullSynth(new TapStack(Testing.app(), 'TapStack'));
  return startLocalStack({ stackDir: join(outdir, 'stacks', 'TapStack'), retryIntervalMs: 0, ...options });
}

export interface JobView {
  jobId: string;
  status: string;
  result?: Record<string, unknown>;
  error?: { error: string; cause: string; state: string };
  history: { status: string }[];
}

export async function submitJob(local: LocalStack, body: unknown, idempotencyKey?: string): Promise<{ status: number; body: any }> {
  const response = await local.callApi('/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function getJob(local: LocalStack, jobId: string): Promise<{ status: number; body: any }> {
  const response = await local.callApi(`/jobs/${jobId}`);
  return { status: response.status, body: await response.json() };
}

/**
 * Polls GET /jobs/{id} until the job is SUCCEEDED or FAILED and its history
 * shows it: a step writes the history event right after the status change.
 */
export async function pollUntilTerminal(local: LocalStack, jobId: string, timeoutMs = 15_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJob(local, jobId);
    const terminal = body.status === 'SUCCEEDED' || body.status === 'FAILED';
    if (terminal && body.history?.at(-1)?.status === body.status) return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every item of the local table, unmarshalled to plain strings where the tests need them. */
export async function scanTable(local: LocalStack): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, any> | undefined;
  do {
    const page = await local.dynamo.send(new ScanCommand({ TableName: local.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function getItem(local: LocalStack, key: Record<string, string>): Promise<Record<string, any> | undefined> {
  const { Item } = await local.dynamo.send(
    new GetItemCommand({ TableName: local.tableName, Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])) }),
  );
  return Item;
}
