import { requireEnv } from '../shared/config';
import { transition } from '../shared/job-store';
import { FieldErrors } from '../shared/json-input';
import { checkJobRequest } from '../shared/job-types';
import { log } from '../shared/log';
import { JobInput, JobValidationError, boundedErrors, requireJobInput } from '../shared/step';

/**
 * Workflow step 1: checks the payload against its job type's schema (the one
 * the Api checked at the door: defence in depth) and marks the job VALIDATED.
 */
const config = requireEnv('TABLE_NAME');

export const handler = boundedErrors(async (event: JobInput): Promise<JobInput> => {
  const job = requireJobInput(event);
  const errors = new FieldErrors();
  if (!checkJobRequest({ type: job.type, payload: job.payload }, errors)) {
    log('warn', 'job payload rejected', { jobId: job.jobId, errors: errors.listed, errorCount: errors.count });
    throw new JobValidationError(errors);
  }
  // Conditional on RECEIVED: a job that is missing, or already further along, is refused here.
  await transition(config.TABLE_NAME, job.jobId, ['RECEIVED'], 'VALIDATED');
  log('info', 'job validated', { jobId: job.jobId });
  return job;
});
