import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo';
import {
  HISTORY_SORT_KEY_PREFIX,
  HistoryEvent,
  JobRecord,
  JobStatus,
  PARTITION_KEY,
  SORT_KEY,
  historyKey,
  jobKey,
  jobPartition,
  statusPartition,
} from './jobs-schema';

/** A status change that the job's current status does not allow (not retried by the workflow). */
export class InvalidTransitionError extends Error {
  constructor(jobId: string, from: readonly JobStatus[], to: JobStatus, actual: JobStatus | undefined) {
    super(`Job ${jobId} cannot move to ${to}: it is ${actual ?? 'missing'}, expected ${from.join(' or ')}`);
    this.name = 'InvalidTransitionError';
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

export async function getJob(tableName: string, jobId: string): Promise<JobRecord | undefined> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: jobKey(jobId), ConsistentRead: true }));
  return Item as JobRecord | undefined;
}

/** Records that the job reached `status`; recording the same status twice is a no-op. */
export async function recordHistory(tableName: string, event: HistoryEvent): Promise<void> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...historyKey(event.jobId, event.status), ...event },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
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
  fields: Record<string, unknown> = {},
  detail?: string,
): Promise<JobRecord> {
  const now = new Date().toISOString();
  const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt', '#pk': PARTITION_KEY };
  const values: Record<string, unknown> = { ':to': to, ':now': now };
  const sets = ['#status = :to', '#updatedAt = :now'];
  from.forEach((status, i) => (values[`:from${i}`] = status));
  Object.entries(fields).forEach(([name, value], i) => {
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    sets.push(`#f${i} = :f${i}`);
  });
  // Keep the status index in step: the index partition is the status; its sort key (creation time) never changes.
  Object.entries(statusPartition(to)).forEach(([name, value], i) => {
    names[`#k${i}`] = name;
    values[`:k${i}`] = value;
    sets.push(`#k${i} = :k${i}`);
  });
  try {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: jobKey(jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `attribute_exists(#pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    await recordHistory(tableName, { jobId, status: to, at: now, detail });
    return Attributes as JobRecord;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const latest = await getJob(tableName, jobId);
    if (latest?.status === to) {
      await recordHistory(tableName, { jobId, status: to, at: latest.updatedAt, detail });
      return latest;
    }
    throw new InvalidTransitionError(jobId, from, to, latest?.status);
  }
}

/** The job's history, in lifecycle order. */
export async function getHistory(tableName: string, jobId: string): Promise<HistoryEvent[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': jobPartition(jobId)[PARTITION_KEY], ':prefix': HISTORY_SORT_KEY_PREFIX },
      ConsistentRead: true,
    }),
  );
  return Items.map(({ jobId: id, status, at, detail }) => ({ jobId: id, status, at, detail }) as HistoryEvent);
}
