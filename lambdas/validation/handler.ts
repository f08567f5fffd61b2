import { requireEnv } from '../shared/config';
import { transition } from '../shared/job-store';
import { JOB_TYPES } from '../shared/job-types';
import { log } from '../shared/log';
import { JobInput, JobValidationError, requireJobInput } from '../shared/step';

/** Workflow step 1: checks the payload against its job type's rules and marks the job VALIDATED. */
const config = requireEnv('TABLE_NAME');

export async function handler(event: JobInput): Promise<JobInput> {
  const job = requireJobInput(event);
  const jobType = JOB_TYPES[job.type];
  const errors = jobType ? jobType.validate(job.payload) : [{ field: 'type', message: `unknown job type ${job.type}` }];
  if (errors.length > 0) {
    log('warn', 'job payload rejected', { jobId: job.jobId, errors });
    throw new JobValidationError(errors.map((e) => `${e.field} ${e.message}`).join('; '));
  }
  // Conditional on RECEIVED: a job that is missing, or already further along, is refused here.
  await transition(config.TABLE_NAME, job.jobId, ['RECEIVED'], 'VALIDATED');
  log('info', 'job validated', { jobId: job.jobId });
  return job;
}
