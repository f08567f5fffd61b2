/**
 * What the workflow carries: the job id, and (from the API to the steps that
 * need them) its type and payload, so steps do not read back what they were
 * given. The API refuses bodies that would not fit the 256 KB execution input.
 */
export interface StepInput {
  readonly jobId: string;
}

export interface JobInput extends StepInput {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

export function requireJobId(event: unknown): string {
  const jobId = (event as Partial<StepInput> | null)?.jobId;
  if (typeof jobId !== 'string' || jobId.length === 0) {
    throw new Error(`Step input must be { "jobId": "<id>", ... }, got ${JSON.stringify(event)?.slice(0, 200)}`);
  }
  return jobId;
}

export function requireJobInput(event: unknown): JobInput {
  const jobId = requireJobId(event);
  const { type, payload } = event as Partial<JobInput>;
  if (typeof type !== 'string' || typeof payload !== 'object' || payload === null) {
    throw new Error(`Step input must be { "jobId", "type", "payload" }, got ${JSON.stringify(event)?.slice(0, 200)}`);
  }
  return { jobId, type, payload };
}

/** A job whose input breaks its type's rules: a final failure, not retried. */
export class JobValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobValidationError';
  }
}
