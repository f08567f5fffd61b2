import { LocalStack } from './local-stack';

/**
 * Submits `total` jobs over HTTP with `concurrency` requests in flight, then
 * waits until every execution has ended. Shared by the load test and the
 * benchmark, so both measure the same thing.
 */
export interface LoadOptions {
  readonly total: number;
  readonly concurrency: number;
  /** Body of submission i. @default a small `sum` job */
  readonly body?: (i: number) => unknown;
  /** Idempotency-Key of submission i. @default none */
  readonly idempotencyKey?: (i: number) => string;
}

export interface LoadResult {
  readonly seconds: number;
  readonly jobsPerSecond: number;
  /** HTTP status of each submission, by submission index. */
  readonly statuses: number[];
  readonly jobIds: string[];
  /** Submit-to-terminal milliseconds of each job, sorted. */
  readonly latencies: number[];
  percentile(p: number): number;
}

export async function runLoad(local: LocalStack, options: LoadOptions): Promise<LoadResult> {
  const body = options.body ?? ((i: number) => ({ type: 'sum', payload: { numbers: [i, 1] } }));
  const statuses: number[] = [];
  const jobIds: string[] = [];
  const submittedAt = new Map<string, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.total) {
        const i = next++;
        const key = options.idempotencyKey?.(i);
        const t0 = Date.now();
        const response = await local.callApi('/jobs', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
          body: JSON.stringify(body(i)),
        });
        const { jobId } = (await response.json()) as { jobId: string };
        statuses[i] = response.status;
        jobIds[i] = jobId;
        submittedAt.set(jobId, t0);
      }
    }),
  );
  await local.aws.idle();
  const seconds = (Date.now() - started) / 1000;
  const latencies = [...local.aws.executions.values()]
    .filter((e) => submittedAt.has(e.name))
    .map((e) => (e.stopDate as number) - (submittedAt.get(e.name) as number))
    .sort((a, b) => a - b);
  return {
    seconds,
    jobsPerSecond: options.total / seconds,
    statuses,
    jobIds,
    latencies,
    percentile: (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))],
  };
}
