import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { requireEnv } from '../shared/config';
import { InvalidTransitionError, getJob, recordNotification, transition } from '../shared/job-store';
import { JobNotification, JobStatus, NON_TERMINAL_STATUSES } from '../shared/jobs-schema';
import { MAX_ERROR_MESSAGE_BYTES, truncateUtf8 } from '../shared/limits';
import { log } from '../shared/log';
import { boundedErrors, requireJobId } from '../shared/step';

/**
 * The workflow's last word on a job. On success (step 3) it publishes the
 * outcome and marks the job SUCCEEDED; from the workflow's Catch it records
 * FAILED with the error and the state that failed, and publishes that.
 * Either way the job ends in a terminal status, and a step retried after one
 * that finished does not notify again: the notification sent is recorded on the
 * job item (two runs at once may both publish: delivery is at least once).
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

  if (event.failure) {
    // Cut to a fixed size whatever the failed step threw: the item holds at most 400 KB.
    const error = {
      error: truncateUtf8(String(event.failure.error?.Error ?? 'Unknown'), 256),
      cause: truncateUtf8(String(event.failure.error?.Cause ?? ''), MAX_ERROR_MESSAGE_BYTES),
      state: truncateUtf8(String(event.failure.state), 128),
    };
    // A retry that finds the job already FAILED is a no-op; a missing or finished job is refused.
    const job = await transition(config.TABLE_NAME, jobId, NON_TERMINAL_STATUSES, 'FAILED', { error });
    if (job.notification) {
      log('info', 'notification already sent (retry)', { jobId });
    } else {
      // A concurrent retry may record its own first: the conditional write keeps one.
      await recordNotification(config.TABLE_NAME, jobId, await publish(jobId, 'FAILED'));
    }
    log('info', 'job finished', { jobId, status: 'FAILED' });
    return { jobId, status: 'FAILED' };
  }

  const job = await getJob(config.TABLE_NAME, jobId);
  // Checked before publishing: a job that is missing, or not done processing, gets no success message.
  if (job?.status !== 'PROCESSED' && job?.status !== 'SUCCEEDED') throw new InvalidTransitionError(jobId, ['PROCESSED'], 'SUCCEEDED', job?.status);
  // SUCCEEDED is written with the notification (before 0.3.0, after it was sent): a SUCCEEDED job was notified.
  if (job.status === 'SUCCEEDED') {
    log('info', 'notification already sent (retry)', { jobId });
  } else {
    await transition(config.TABLE_NAME, jobId, ['PROCESSED'], 'SUCCEEDED', { notification: await publish(jobId, 'SUCCEEDED') });
  }
  log('info', 'job finished', { jobId, status: 'SUCCEEDED' });
  return { jobId, status: 'SUCCEEDED' };
});

async function publish(jobId: string, outcome: JobStatus): Promise<JobNotification> {
  const { MessageId } = await sns.send(
    new PublishCommand({
      TopicArn: config.TOPIC_ARN,
      Subject: `Job ${outcome.toLowerCase()}`,
      Message: JSON.stringify({ jobId, outcome }),
      MessageAttributes: { outcome: { DataType: 'String', StringValue: outcome } },
    }),
  );
  return { topicArn: config.TOPIC_ARN, messageId: MessageId ?? '', outcome, at: new Date().toISOString() };
}
