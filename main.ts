import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ConsistentTable } from './constructs/consistent-table';
import { EncryptedTopic } from './constructs/encrypted-topic';
import { LambdaRestApi } from './constructs/lambda-rest-api';
import { LoggedStateMachine } from './constructs/logged-state-machine';
import { SafeBucket } from './constructs/safe-bucket';
import { UnreservedFunction } from './constructs/unreserved-function';
import { jobsTableSchema } from './lambdas/shared/jobs-schema';

/** Errors a Lambda task retries: AWS-side faults and throttling, never the job's own errors. */
export const RETRIED_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'States.Timeout',
];

export interface TapStackProps {
  /**
   * AWS region to deploy to.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Exact name of the Lambda code bucket, validated and never rewritten.
   * @default derived from the stack name, account id and region
   */
  readonly codeBucketName?: string;
  /**
   * Keep the jobs table from being deleted (turn off to let `cdktf destroy` remove it).
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
}

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

/**
 * The job-processing application of the post-mortem, built from the guard
 * constructs: an API front door, a validate -> process -> notify workflow,
 * one DynamoDB table, a code bucket and an SNS topic.
 */
export class TapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TapStackProps = {}) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: props.region ?? 'us-east-1' });

    const codeBucket = new SafeBucket(this, 'LambdaCode', { purpose: 'lambda-code', bucketName: props.codeBucketName });
    const table = new ConsistentTable(this, 'Jobs', {
      schema: jobsTableSchema,
      deletionProtection: props.tableDeletionProtection ?? true,
    });
    const topic = new EncryptedTopic(this, 'JobEvents');

    const tableEnv = { TABLE_NAME: table.tableName };
    const validation = new UnreservedFunction(this, 'Validation', {
      entry: 'lambdas/validation/handler.ts',
      codeBucket,
      environment: tableEnv,
      description: 'Workflow step 1: checks a job payload against its type',
    });
    const processing = new UnreservedFunction(this, 'Processing', {
      entry: 'lambdas/processing/handler.ts',
      codeBucket,
      environment: tableEnv,
      description: 'Workflow step 2: runs the job and stores the result',
    });
    const notification = new UnreservedFunction(this, 'Notification', {
      entry: 'lambdas/notification/handler.ts',
      codeBucket,
      environment: { ...tableEnv, TOPIC_ARN: topic.topicArn },
      description: 'Workflow step 3 and failure recorder: publishes the outcome, sets the terminal status',
    });

    // Each function gets exactly the table actions its code calls.
    table.grant(validation, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    table.grant(processing, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    table.grant(notification, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    topic.grantPublish(notification);

    const workflow = new LoggedStateMachine(this, 'JobWorkflow', {
      definition: jobWorkflowDefinition({ validation, processing, notification }),
    });

    const api = new UnreservedFunction(this, 'Api', {
      entry: 'lambdas/api/handler.ts',
      codeBucket,
      environment: { ...tableEnv, STATE_MACHINE_ARN: workflow.stateMachineArn },
      description: 'API front door: submits, reads and lists jobs',
    });
    table.grant(api, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query');
    workflow.grantStartExecution(api);

    const restApi = new LambdaRestApi(this, 'JobsApi', {
      routes: [
        { method: 'POST', path: '/jobs', handler: api },
        { method: 'GET', path: '/jobs', handler: api, requiredQueryParameters: ['status'] },
        { method: 'GET', path: '/jobs/{id}', handler: api },
      ],
    });

    new TerraformOutput(this, 'api_url', { value: restApi.url, description: 'Base URL of the jobs API' });
    new TerraformOutput(this, 'table_name', { value: table.tableName });
    new TerraformOutput(this, 'state_machine_arn', { value: workflow.stateMachineArn });
    new TerraformOutput(this, 'code_bucket_name', { value: codeBucket.bucketName });
    new TerraformOutput(this, 'topic_arn', { value: topic.topicArn });
  }
}

/** The app `cdktf synth` runs. */
export function buildApp(app: App = new App()): App {
  new TapStack(app, 'TapStack');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
