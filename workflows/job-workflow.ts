import { IFunction } from '../constructs/function-ref';
import { PARTITION_KEY, historyKey, jobKey, statusPartition } from '../lambdas/shared/jobs-schema';
import { NON_TERMINAL_STATUSES } from '../lambdas/shared/jobs-schema';

/** Errors a Lambda task retries: AWS-side faults and throttling, never the job's own errors. */
export const RETRIED_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'States.Timeout',
];

/** Errors the last-resort DynamoDB writes retry. */
export const RETRIED_DYNAMODB_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerErrorException',
  'States.Timeout',
];

/** What the last-resort step stores as the cause: recording the real one is what failed. */
export const LAST_RESORT_CAUSE = 'Not recorded: recording the failure failed. The execution history holds the details.';

/**
 * A key from the key builders, as DynamoDB JSON for a Step Functions task:
 * `{}` in a value is replaced by the job id with States.Format.
 */
function keyParameters(key: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(key).map(([name, value]) => [name, value.includes('{}') ? { 'S.$': `States.Format('${value}', $.jobId)` } : { S: value }]),
  );
}

/**
 * Builds the Step Functions definition: validate -> process -> notify, every
 * failure caught and recorded, within the 256 KiB state data limit:
 *  - each Catch puts the error ({ Error, Cause }) in place of `$.payload`, the
 *    one large part of the state, so state data never holds both; the steps'
 *    errors are cut to 4 KB in the function (lambdas/shared/step.ts), and the
 *    failure step cuts the Cause again before storing it;
 *  - the FooFailed states keep only the job id, the failed state and the error;
 *  - RecordFailure (the notification function) has its own Catch, to a
 *    last-resort step that writes a minimal FAILED (the error code only)
 *    straight to DynamoDB, without any function, so no path ends with the job
 *    in a non-terminal status.
 */
export function jobWorkflowDefinition(steps: {
  validation: IFunction;
  processing: IFunction;
  notification: IFunction;
  /** The jobs table, for the last-resort write. */
  table: { readonly tableName: string };
}): Record<string, unknown> {
  const retry = [{ ErrorEquals: RETRIED_LAMBDA_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 10, JitterStrategy: 'FULL' }];
  const task = (fn: IFunction, next: string | undefined, failedState: string) => ({
    Type: 'Task',
    Resource: fn.functionArn,
    TimeoutSeconds: 60,
    Retry: retry,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.payload', Next: failedState }],
    ...(next ? { Next: next } : { End: true }),
  });
  // Each failure path names the state that failed and drops everything but the job id and the error.
  const failed = (state: string) => ({
    Type: 'Pass',
    Parameters: { 'jobId.$': '$.jobId', failure: { state, 'error.$': '$.payload' } },
    Next: 'RecordFailure',
  });
  const dynamoRetry = [{ ErrorEquals: RETRIED_DYNAMODB_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }];
  // Results and errors go beside the (small) failure state, never over it. Not `null`: cdktf's HCL export cannot render null.
  const toJobFailed = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lastResortError', Next: 'JobFailed' }];
  const failedIndex = statusPartition('FAILED');
  const nonTerminal = Object.fromEntries(NON_TERMINAL_STATUSES.map((status, i) => [`:from${i}`, { S: status }]));
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
        TimeoutSeconds: 60,
        Retry: [{ ...retry[0], MaxAttempts: 6 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'RecordFailureLastResort' }],
        Next: 'JobFailed',
      },
      RecordFailureLastResort: {
        Type: 'Task',
        Comment: 'Marks the job FAILED with the error code only, without a function; a job already terminal is left as it is.',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: steps.table.tableName,
          Key: keyParameters(jobKey('{}')),
          UpdateExpression: 'SET #status = :failed, #index = :index, #error = :error, #updatedAt = :now',
          ConditionExpression: `attribute_exists(#pk) AND #status IN (${Object.keys(nonTerminal).join(', ')})`,
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#status': 'status', '#index': Object.keys(failedIndex)[0], '#error': 'error', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: {
            ':failed': { S: 'FAILED' },
            ':index': { S: Object.values(failedIndex)[0] },
            ':error': { M: { 'error': { 'S.$': '$.failure.error.Error' }, 'state': { 'S.$': '$.failure.state' }, 'cause': { S: LAST_RESORT_CAUSE } } },
            ':now': { 'S.$': '$$.State.EnteredTime' },
            ...nonTerminal,
          },
        },
        TimeoutSeconds: 30,
        Retry: dynamoRetry,
        Catch: toJobFailed,
        ResultPath: '$.lastResortResult',
        Next: 'RecordFailureHistory',
      },
      RecordFailureHistory: {
        Type: 'Task',
        Comment: 'The FAILED event of the job history, written once.',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: {
          TableName: steps.table.tableName,
          Item: {
            ...keyParameters(historyKey('{}', 'FAILED')),
            jobId: { 'S.$': '$.jobId' },
            status: { S: 'FAILED' },
            at: { 'S.$': '$$.State.EnteredTime' },
            detail: { 'S.$': "States.Format('{}: {}', $.failure.state, $.failure.error.Error)" },
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        },
        TimeoutSeconds: 30,
        Retry: dynamoRetry,
        Catch: toJobFailed,
        ResultPath: '$.lastResortResult',
        Next: 'JobFailed',
      },
      JobFailed: { Type: 'Fail', Error: 'JobFailed', Cause: 'The job failed; its record holds the error and the state that failed.' },
    },
  };
}
