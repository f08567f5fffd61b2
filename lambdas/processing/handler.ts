import { requireEnv } from '../shared/config';
import { getJob, transition } from '../shared/job-store';
import { JOB_TYPES } from '../shared/job-types';
import { log } from '../shared/log';
import { StepInput, requireJobId } from '../shared/step';

/** Workflow step 2: runs the job and stores its result, marking it PROCESSED. */
const config = requireEnv('TABLE_NAME');

export async function handler(event: StepInput): Promise<StepInput> {
  const jobId = requireJobId(event);
  const job = await getJob(config.TABLE_NAME, jobId);
  if (!job) throw new Error(`Job ${jobId} does not exist`);
  if (job.status === 'PROCESSED') {
    log('info', 'job already processed (retry)', { jobId });
    return { jobId };
  }
  const result = JOB_TYPES[job.type].process(job.payload);
  await transition(config.TABLE_NAME, jobId, ['VALIDATED'], 'PROCESSED', { result });
  log('info', 'job processed', { jobId });
  return { jobId };
}
