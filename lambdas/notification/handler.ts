import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { requireEnv } from '../shared/config';
import { getNotification, recordNotification, transition } from '../shared/job-store';
import { JobStatus, NON_TERMINAL_STATUSES, NotificationRecord } from '../shared/jobs-schema';
import { MAX_ERROR_MESSAGE_BYTES, truncateUtf8 } from '../shared/limits';
import { log } from '../shared/log';
import { boundedErrors, requireJobId } from '../shared/step';

/**
 * The workflow's last word on a job. On success (step 3) it publishes the
 * outcome and marks the job SUCCEEDED; from the workflow's Catch it records
 * FAILED with the error and the state that failed, and publishes that.
 * Either way the job ends in a terminal status.
 */
const config = requireEnv('TABLE_NAME', 'TOPIC_ARN');
const sns = new SNSClient({});

export interface NotificationInput {
  readonly jobId: string;
  /** Present when called from the workflow's Catch. */
  readonly failure?: { readonly state: string; readonly error: { readonly Error?: string; readonly Cause?: string } };
}

export const handler = boundedErrors(async (event: NotificationInput): Promise<{ jobId: string; status: JobStatus }> => {
  const jobId = requireJobId(event);

  let status: JobStatus;
  if (event.failure) {
    status = 'FAILED';
    // Cut to a fixed size whatever the failed step threw: the item holds at most 400 KB.
    const error = {
      error: truncateUtf8(String(event.failure.error?.Error ?? 'Unknown'), 256),
      cause: truncateUtf8(String(event.failure.error?.Cause ?? ''), MAX_ERROR_MESSAGE_BYTES),
      state: truncateUtf8(String(event.failure.state), 128),
    };
    // A retry that finds the job already FAILED is a no-op; a missing or finished job is refused.
    await transition(config.TABLE_NAME, jobId, NON_TERMINAL_STATUSES, 'FAILED', { error }, `${error.state}: ${error.error}`);
  } else {
    status = 'SUCCEEDED';
  }

  await publishOnce(jobId, status);
  if (status === 'SUCCEEDED') {
    await transition(config.TABLE_NAME, jobId, ['PROCESSED'], 'SUCCEEDED');
  }
  log('info', 'job finished', { jobId, status });
  return { jobId, status };
});

/** Publishes the outcome unless a notification was already recorded (a retried step must not notify twice). */
async function publishOnce(jobId: string, outcome: JobStatus): Promise<void> {
  if (await getNotification(config.TABLE_NAME, jobId)) {
    log('info', 'notification already sent (retry)', { jobId });
    return;
  }
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: config.TOPIC_ARN,
      Subject: `Job ${outcome.toLowerCase()}`,
      Message: JSON.stringify({ jobId, outcome }),
      MessageAttributes: { outcome: { DataType: 'String', StringValue: outcome } },
    }),
  );
  const record: NotificationRecord = { jobId, topicArn: config.TOPIC_ARN, messageId: MessageId ?? '', outcome, at: new Date().toISOString() };
  // A concurrent retry may have recorded it first: the conditional write keeps one record.
  await recordNotification(config.TABLE_NAME, record);
}
