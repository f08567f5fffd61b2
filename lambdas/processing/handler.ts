import { requireEnv } from '../shared/config';
import { transition } from '../shared/job-store';
import { JOB_TYPES } from '../shared/job-types';
import { log } from '../shared/log';
import { JobInput, StepInput, requireJobInput } from '../shared/step';

/** Workflow step 2: runs the job and stores its result, marking it PROCESSED. */
const config = requireEnv('TABLE_NAME');

export async function handler(event: JobInput): Promise<StepInput> {
  const job = requireJobInput(event);
  const jobType = JOB_TYPES[job.type];
  if (!jobType) throw new Error(`Job ${job.jobId} has unknown type ${job.type}`);
  // Processing is deterministic, so a retry computes the same result; the conditional write keeps one.
  const result = jobType.process(job.payload);
  await transition(config.TABLE_NAME, job.jobId, ['VALIDATED'], 'PROCESSED', { result });
  log('info', 'job processed', { jobId: job.jobId });
  return { jobId: job.jobId };
}
