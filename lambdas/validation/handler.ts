import { requireEnv } from '../shared/config';
import { getJob, transition } from '../shared/job-store';
import { JOB_TYPES } from '../shared/job-types';
import { log } from '../shared/log';
import { JobValidationError, StepInput, requireJobId } from '../shared/step';

/** Workflow step 1: checks the payload against its job type's rules and marks the job VALIDATED. */
const config = requireEnv('TABLE_NAME');

export async function handler(event: StepInput): Promise<StepInput> {
  const jobId = requireJobId(event);
  const job = await getJob(config.TABLE_NAME, jobId);
  if (!job) throw new JobValidationError(`Job ${jobId} does not exist`);
  const jobType = JOB_TYPES[job.type];
  const errors = jobType ? jobType.validate(job.payload) : [{ field: 'type', message: `unknown job type ${job.type}` }];
  if (errors.length > 0) {
    log('warn', 'job payload rejected', { jobId, errors });
    throw new JobValidationError(errors.map((e) => `${e.field} ${e.message}`).join('; '));
  }
  await transition(config.TABLE_NAME, jobId, ['RECEIVED'], 'VALIDATED');
  log('info', 'job validated', { jobId });
  return { jobId };
}
