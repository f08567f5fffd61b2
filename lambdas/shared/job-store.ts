import {
  HISTORY_SORT_KEY_PREFIX,
  HistoryEvent,
  JobRecord,
  JobNotification,
  JobStatus,
  JobsTableSchema,
  STATUS_INDEX_NAME,
  StatusPageKey,
  TERMINAL_STATUSES,
  historyKey,
  jobKey,
  jobPartition,
  jobsTableSchema,
  statusIndexKey,
  statusPartition,
} from './jobs-schema';
import { Page, TableClient } from '../../constructs/table-client';
import { ProjectedItemOf } from '../../constructs/key-schema';

/**
 * Everything the Lambdas read and write in the jobs table, through the typed
 * table client: one client per kind of item, all on the same table.
 */
function jobsTable(tableName: string): TableClient<JobsTableSchema, JobRecord> {
  return new TableClient<JobsTableSchema, JobRecord>(jobsTableSchema, tableName);
}

/** A job as the status index returns it: only what `gsi1` projects (see its `projection` in the schema). */
export type StatusIndexJob = ProjectedItemOf<JobsTableSchema, typeof STATUS_INDEX_NAME, JobRecord>;

/** A status change that the job's current status does not allow (not retried by the workflow). */
export class InvalidTransitionError extends Error {
  constructor(jobId: string, from: readonly JobStatus[], to: JobStatus, actual: JobStatus | undefined) {
    super(`Job ${jobId} cannot move to ${to}: it is ${actual ?? 'missing'}, expected ${from.join(' or ')}`);
    this.name = 'InvalidTransitionError';
  }
}

export async function getJob(tableName: string, jobId: string): Promise<JobRecord | undefined> {
  return jobsTable(tableName).get(jobKey(jobId), { consistent: true });
}

/**
 * Stores a new job, placed in the status index under its status. Answers
 * `false` and writes nothing when the job already exists (the same idempotency key).
 */
export async function createJob(tableName: string, job: JobRecord): Promise<boolean> {
  return jobsTable(tableName).put(
    { ...jobKey(job.jobId), ...statusIndexKey(job.status, job.createdAt, job.jobId), ...job },
    { condition: { itemExists: false } },
  );
}

/** Records that the job reached `status`; recording the same status twice is a no-op. */
export async function recordHistory(tableName: string, event: HistoryEvent): Promise<void> {
  await jobsTable(tableName)
    .withItems<HistoryEvent>()
    .put({ ...historyKey(event.jobId, event.status), ...event }, { condition: { itemExists: false } });
}

/**
 * Moves a job from one of `from` to `to` with a conditional write, so a
 * retried step cannot move a job backwards or write twice. A retry that finds
 * the job already at `to` succeeds without writing again. A status a job
 * leaves again gets a history event; a terminal one is the job item itself
 * (see getHistory), written once.
 */
export async function transition(
  tableName: string,
  jobId: string,
  from: readonly JobStatus[],
  to: JobStatus,
  fields: Partial<Pick<JobRecord, 'result' | 'error' | 'executionArn' | 'notification'>> = {},
): Promise<JobRecord> {
  const now = new Date().toISOString();
  const result = await jobsTable(tableName).update(jobKey(jobId), {
    // Keep the status index in step: the index partition is the status; its sort key (creation time) never changes.
    set: { ...fields, status: to, updatedAt: now, ...statusPartition(to) },
    condition: { itemExists: true, where: { status: { in: from } } },
  });
  const terminal = TERMINAL_STATUSES.includes(to);
  if (result.updated) {
    if (!terminal) await recordHistory(tableName, { jobId, status: to, at: now });
    return result.item;
  }
  const latest = await getJob(tableName, jobId);
  if (latest?.status === to) {
    if (!terminal) await recordHistory(tableName, { jobId, status: to, at: latest.updatedAt });
    return latest;
  }
  throw new InvalidTransitionError(jobId, from, to, latest?.status);
}

/**
 * The job's history, in lifecycle order. Its first and its terminal event are the job item
 * itself: RECEIVED at `createdAt` (a submission writes one item), and SUCCEEDED or FAILED at
 * `updatedAt`, a failure with the state and error it recorded (the step that ends a job
 * writes one item); the statuses in between are history items. An event stored by a version
 * before 0.3.0 is shown once.
 */
export async function getHistory(
  tableName: string,
  job: Pick<JobRecord, 'jobId' | 'createdAt' | 'status' | 'updatedAt' | 'error'>,
): Promise<HistoryEvent[]> {
  const { items } = await jobsTable(tableName)
    .withItems<HistoryEvent>()
    .query(jobPartition(job.jobId), { sort: { beginsWith: HISTORY_SORT_KEY_PREFIX }, consistent: true });
  const recorded = items.map(({ jobId, status, at, detail }): HistoryEvent => ({ jobId, status, at, detail }));
  const stored = (status: JobStatus) => recorded.some((event) => event.status === status);
  const received: HistoryEvent[] = stored('RECEIVED') ? [] : [{ jobId: job.jobId, status: 'RECEIVED', at: job.createdAt }];
  const ended: HistoryEvent[] =
    TERMINAL_STATUSES.includes(job.status) && !stored(job.status)
      ? [{ jobId: job.jobId, status: job.status, at: job.updatedAt, detail: job.error ? `${job.error.state}: ${job.error.error}` : undefined }]
      : [];
  return [...received, ...recorded, ...ended];
}

/**
 * One page of the jobs with `status`, newest first, through the status index.
 * `startKey` is a page key that `decodeCursor` checked against `STATUS_PAGE_KEY_NAMES`.
 */
export async function listJobsByStatus(
  tableName: string,
  status: JobStatus,
  options: { readonly limit?: number; readonly startKey?: Readonly<Record<string, string>> } = {},
): Promise<Page<StatusIndexJob, StatusPageKey>> {
  return jobsTable(tableName).queryIndex(STATUS_INDEX_NAME, statusPartition(status), {
    descending: true,
    limit: options.limit,
    startKey: options.startKey as StatusPageKey | undefined,
  });
}

/**
 * Records on a finished job the notification it sent (the job's status is the outcome); `false`
 * when one is already recorded (a concurrent retry recorded it first: the conditional write keeps one).
 */
export async function recordNotification(tableName: string, jobId: string, notification: JobNotification): Promise<boolean> {
  const { updated } = await jobsTable(tableName).update(jobKey(jobId), {
    set: { notification },
    condition: { itemExists: true, where: { status: { in: [notification.outcome] }, notification: { exists: false } } },
  });
  return updated;
}
