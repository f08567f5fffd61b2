import { FieldErrors } from './json-input';
import { MAX_ERROR_MESSAGE_BYTES, truncateUtf8 } from './limits';

/**
 * What the workflow carries: the job id, and (from the API to the steps that
 * need them) its type and payload, so steps do not read back what they were
 * given. The API refuses jobs that would not fit the 256 KiB execution input.
 */
export interface StepInput {
  readonly jobId: string;
}

export interface JobInput extends StepInput {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

function preview(event: unknown): string {
  try {
    return truncateUtf8(JSON.stringify(event) ?? String(event), 200);
  } catch {
    return typeof event;
  }
}

export function requireJobId(event: unknown): string {
  const jobId = (event as Partial<StepInput> | null)?.jobId;
  if (typeof jobId !== 'string' || jobId.length === 0) {
    throw new Error(`Step input must be { "jobId": "<id>", ... }, got ${preview(event)}`);
  }
  return jobId;
}

export function requireJobInput(event: unknown): JobInput {
  const jobId = requireJobId(event);
  const { type, payload } = event as Partial<JobInput>;
  if (typeof type !== 'string' || typeof payload !== 'object' || payload === null) {
    throw new Error(`Step input must be { "jobId", "type", "payload" }, got ${preview(event)}`);
  }
  return { jobId, type, payload };
}

/** A job whose input breaks its type's rules: a final failure, not retried. At most 20 field errors and their count. */
export class JobValidationError extends Error {
  constructor(errors: FieldErrors) {
    super(errors.summary());
    this.name = 'JobValidationError';
  }
}

/** Frames of the stack kept in a step's error: where it came from, not a dump. */
const MAX_STACK_FRAMES = 5;

/**
 * Wraps a step's handler so that whatever it throws leaves it bounded: the
 * message cut to MAX_ERROR_MESSAGE_BYTES and a short stack. Lambda puts both
 * into the error's Cause, which Step Functions carries in the state data
 * (256 KiB at most, `States.DataLimitExceeded` cannot be caught) and the
 * failure step stores on the job item (400 KB at most).
 */
export function boundedErrors<E, R>(handler: (event: E) => Promise<R>): (event: E) => Promise<R> {
  return async (event: E) => {
    try {
      return await handler(event);
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const bounded = new Error(truncateUtf8(error.message, MAX_ERROR_MESSAGE_BYTES));
      bounded.name = truncateUtf8(error.name || 'Error', 128);
      const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, MAX_STACK_FRAMES);
      bounded.stack = [`${bounded.name}: ${truncateUtf8(bounded.message, 256)}`, ...frames.map((f) => truncateUtf8(f, 256))].join('\n');
      throw bounded;
    }
  };
}
