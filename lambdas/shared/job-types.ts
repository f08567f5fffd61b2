/**
 * The job types the service runs: how each payload is checked (by the
 * validation step) and what processing produces. Shared by the API (which
 * only accepts known types) and the workflow steps.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

interface JobType {
  readonly description: string;
  validate(payload: Record<string, unknown>): FieldError[];
  process(payload: Record<string, unknown>): Record<string, unknown>;
}

const MAX_NUMBERS = 10_000;

export const JOB_TYPES: Readonly<Record<string, JobType>> = {
  wordcount: {
    description: 'counts the words of payload.text',
    validate: (payload) =>
      typeof payload.text === 'string' && payload.text.length > 0 ? [] : [{ field: 'payload.text', message: 'must be a non-empty string' }],
    process: (payload) => ({ words: String(payload.text).trim().split(/\s+/).filter(Boolean).length }),
  },
  sum: {
    description: `adds up payload.numbers (1 to ${MAX_NUMBERS} finite numbers)`,
    validate: (payload) => {
      const numbers = payload.numbers;
      if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > MAX_NUMBERS) {
        return [{ field: 'payload.numbers', message: `must be an array of 1 to ${MAX_NUMBERS} numbers` }];
      }
      return numbers.flatMap((n, i) =>
        typeof n === 'number' && Number.isFinite(n) ? [] : [{ field: `payload.numbers[${i}]`, message: 'must be a finite number' }],
      );
    },
    process: (payload) => ({ total: (payload.numbers as number[]).reduce((sum, n) => sum + n, 0) }),
  },
  echo: {
    description: 'returns payload.message upper-cased',
    validate: (payload) =>
      typeof payload.message === 'string' ? [] : [{ field: 'payload.message', message: 'must be a string' }],
    process: (payload) => ({ message: String(payload.message).toUpperCase() }),
  },
};

export function isJobType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(JOB_TYPES, type);
}
