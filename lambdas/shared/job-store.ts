import {
  HISTORY_SORT_KEY_PREFIX,
  HistoryEvent,
  JobRecord,
  JobNotification,
  JobStatus,
  JobsTableSchema,
  STATUS_INDEX_NAME,
  StatusPageKey,
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
 * the job already at `to` succeeds without writing again.
 */
export async function transition(
  tableName: string,
  jobId: string,
  from: readonly JobStatus[],
  to: JobStatus,
  fields: Partial<Pick<JobRecord, 'result' | 'error' | 'executionArn' | 'notification'>> = {},
  detail?: string,
): Promise<JobRecord> {
  const now = new Date().toISOString();
  const result = await jobsTable(tableName).update(jobKey(jobId), {
    // Keep the status index in step: the index partition is the status; its sort key (creation time) never changes.
    set: { ...fields, status: to, updatedAt: now, ...statusPartition(to) },
    condition: { itemExists: true, where: { status: { in: from } } },
  });
  if (result.updated) {
    await recordHistory(tableName, { jobId, status: to, at: now, detail });
    return result.item;
  }
  const latest = await getJob(tableName, jobId);
  if (latest?.status === to) {
    await recordHistory(tableName, { jobId, status: to, at: latest.updatedAt, detail });
    return latest;
  }
  throw new InvalidTransitionError(jobId, from, to, latest?.status);
}

/**
 * The job's history, in lifecycle order. Its RECEIVED event is the job item itself (received
 * at `createdAt`): a submission writes one item, not two. Jobs stored with a RECEIVED event of
 * their own (before 0.3.0) show that one.
 */
export async function getHistory(tableName: string, job: Pick<JobRecord, 'jobId' | 'createdAt'>): Promise<HistoryEvent[]> {
  const { items } = await jobsTable(tableName)
    .withItems<HistoryEvent>()
    .query(jobPartition(job.jobId), { sort: { beginsWith: HISTORY_SORT_KEY_PREFIX }, consistent: true });
  const recorded = items.map(({ jobId, status, at, detail }) => ({ jobId, status, at, detail }));
  return recorded.some((event) => event.status === 'RECEIVED') ? recorded : [{ jobId: job.jobId, status: 'RECEIVED', at: job.createdAt }, ...recorded];
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
