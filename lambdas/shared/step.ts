/** What every workflow step receives and returns: the job id, nothing else (the job lives in the table). */
export interface StepInput {
  readonly jobId: string;
}

export function requireJobId(event: unknown): string {
  const jobId = (event as Partial<StepInput> | null)?.jobId;
  if (typeof jobId !== 'string' || jobId.length === 0) {
    throw new Error(`Step input must be { "jobId": "<id>" }, got ${JSON.stringify(event)}`);
  }
  return jobId;
}

/** A job whose input breaks its type's rules: a final failure, not retried. */
export class JobValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobValidationError';
  }
}
