import { requireEnv } from '../shared/config';
import { transition } from '../shared/job-store';
import { JOB_TYPES, isJobType } from '../shared/job-types';
import { log } from '../shared/log';
import { JobInput, StepInput, boundedErrors, requireJobInput } from '../shared/step';

/** Workflow step 2: runs the job and stores its result, marking it PROCESSED. */
const config = requireEnv('TABLE_NAME');

export const handler = boundedErrors(async (event: JobInput): Promise<StepInput> => {
  const job = requireJobInput(event);
  if (!isJobType(job.type)) throw new Error(`Job ${job.jobId} has unknown type ${job.type}`);
  // Processing is deterministic, so a retry computes the same result; the conditional write keeps one.
  const result = JOB_TYPES[job.type].process(job.payload);
  await transition(config.TABLE_NAME, job.jobId, ['VALIDATED'], 'PROCESSED', { result });
  log('info', 'job processed', { jobId: job.jobId });
  return { jobId: job.jobId };
});
