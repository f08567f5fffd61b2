/**
 * The jobs table: its key schema, and every key the code builds. The table in
 * stacks/tap-stack.ts is built from `jobsTableSchema`; the Lambdas reach it only
 * through the typed table client (table-client.ts, used by job-store.ts), with
 * keys built by the functions below, whose types come from the same schema. No
 * other file spells a key attribute name. Renaming a key here renames it in
 * the table and in the code, and a mismatch does not compile.
 *
 * Items (one table):
 *   job           pk JOB#<id>          sk JOB                gsi1pk STATUS#<status>  gsi1sk <createdAt>#<id>
 *   history event pk JOB#<id>          sk EVENT#<nn>#<status>    (one per status between RECEIVED and the terminal one, in
 *                                                                 lifecycle order; the job item is those two events)
 * The notification a finished job sent is an attribute of its job item (see `JobRecord.notification`).
 */
import { IndexKeyOf, PrimaryKeyOf, defineKeySchema, pageKeyNamesOf } from '../../constructs/key-schema';

export const jobsTableSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: {
    gsi1: { partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  },
});

export type JobsTableSchema = typeof jobsTableSchema;
export type JobsTableKey = PrimaryKeyOf<JobsTableSchema>;
export type StatusIndexKey = IndexKeyOf<JobsTableSchema, 'gsi1'>;
/** Where a page of the status index ends (`LastEvaluatedKey`): the table key and the index key. */
export type StatusPageKey = JobsTableKey & StatusIndexKey;

/** Key attribute names, for expressions (`#pk = :pk`) and cursor checks. */
export const PARTITION_KEY = jobsTableSchema.primary.partitionKey.name;
export const SORT_KEY = jobsTableSchema.primary.sortKey.name;
export const STATUS_INDEX_NAME = 'gsi1' satisfies keyof typeof jobsTableSchema.globalIndexes;
export const STATUS_INDEX_PARTITION_KEY = jobsTableSchema.globalIndexes.gsi1.partitionKey.name;
export const STATUS_INDEX_SORT_KEY = jobsTableSchema.globalIndexes.gsi1.sortKey.name;
/** The attribute names of a `StatusPageKey`, sorted. */
export const STATUS_PAGE_KEY_NAMES: readonly string[] = pageKeyNamesOf(jobsTableSchema, STATUS_INDEX_NAME);

export const JOB_STATUSES = ['RECEIVED', 'VALIDATED', 'PROCESSED', 'SUCCEEDED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED'];
export const NON_TERMINAL_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

const JOB_PREFIX = 'JOB#';

export function jobKey(jobId: string): JobsTableKey {
  return { [PARTITION_KEY]: `${JOB_PREFIX}${jobId}`, [SORT_KEY]: 'JOB' };
}

/** History events sort in lifecycle order, and a status can be recorded once only. */
export function historyKey(jobId: string, status: JobStatus): JobsTableKey {
  const order = String(JOB_STATUSES.indexOf(status) + 1).padStart(2, '0');
  return { [PARTITION_KEY]: `${JOB_PREFIX}${jobId}`, [SORT_KEY]: `EVENT#${order}#${status}` };
}

/** The partition holding a job and everything recorded about it. */
export function jobPartition(jobId: string): Pick<JobsTableKey, typeof PARTITION_KEY> {
  return { [PARTITION_KEY]: `${JOB_PREFIX}${jobId}` };
}

export const HISTORY_SORT_KEY_PREFIX = 'EVENT#';

/** Places a job in the status index: newest first within a status. */
export function statusIndexKey(status: JobStatus, createdAt: string, jobId: string): StatusIndexKey {
  return { [STATUS_INDEX_PARTITION_KEY]: `STATUS#${status}`, [STATUS_INDEX_SORT_KEY]: `${createdAt}#${jobId}` };
}

export function statusPartition(status: JobStatus): Pick<StatusIndexKey, typeof STATUS_INDEX_PARTITION_KEY> {
  return { [STATUS_INDEX_PARTITION_KEY]: `STATUS#${status}` };
}

/** What the job item holds besides its keys. */
export interface JobRecord {
  readonly jobId: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly status: JobStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** sha256 of the request body, to tell a true retry from a reused idempotency key. */
  readonly requestHash: string;
  readonly idempotencyKey?: string;
  readonly executionArn?: string;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly error: string; readonly cause: string; readonly state: string };
  /**
   * The outcome the job published, once it did. On the job item, not an item of its own: a
   * success is marked SUCCEEDED and recorded as sent in one conditional write.
   */
  readonly notification?: JobNotification;
}

export interface HistoryEvent {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly at: string;
  readonly detail?: string;
}

export interface JobNotification {
  readonly topicArn: string;
  readonly messageId: string;
  readonly outcome: JobStatus;
  readonly at: string;
}
