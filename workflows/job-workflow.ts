import { UnreservedFunction } from '../constructs/unreserved-function';

/** Errors a Lambda task retries: AWS-side faults and throttling, never the job's own errors. */
export const RETRIED_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'States.Timeout',
];

/** Builds the Step Functions definition: validate -> process -> notify, every failure caught and recorded. */
export function jobWorkflowDefinition(steps: {
  validation: UnreservedFunction;
  processing: UnreservedFunction;
  notification: UnreservedFunction;
}): Record<string, unknown> {
  const retry = [{ ErrorEquals: RETRIED_LAMBDA_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 10, JitterStrategy: 'FULL' }];
  const task = (fn: UnreservedFunction, next: string | undefined, failedState: string) => ({
    Type: 'Task',
    Resource: fn.functionArn,
    TimeoutSeconds: 60,
    Retry: retry,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: failedState }],
    ...(next ? { Next: next } : { End: true }),
  });
  // Each failure path names the state that failed, then one step records it.
  const failed = (state: string) => ({ Type: 'Pass', Result: state, ResultPath: '$.failedState', Next: 'RecordFailure' });
  return {
    Comment: 'Runs a job: validate, process, notify. Any failure is recorded on the job as FAILED.',
    StartAt: 'Validate',
    States: {
      Validate: task(steps.validation, 'Process', 'ValidateFailed'),
      Process: task(steps.processing, 'Notify', 'ProcessFailed'),
      Notify: task(steps.notification, undefined, 'NotifyFailed'),
      ValidateFailed: failed('Validate'),
      ProcessFailed: failed('Process'),
      NotifyFailed: failed('Notify'),
      RecordFailure: {
        Type: 'Task',
        Resource: steps.notification.functionArn,
        Parameters: { 'jobId.$': '$.jobId', failure: { 'state.$': '$.failedState', 'error.$': '$.error' } },
        TimeoutSeconds: 60,
        Retry: [{ ...retry[0], MaxAttempts: 6 }],
        Next: 'JobFailed',
      },
      JobFailed: { Type: 'Fail', Error: 'JobFailed', Cause: 'The job failed; its record holds the error and the state that failed.' },
    },
  };
}
