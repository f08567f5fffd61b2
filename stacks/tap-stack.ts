import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ConsistentTable } from '../constructs/consistent-table';
import { EncryptedTopic } from '../constructs/encrypted-topic';
import { LambdaRestApi } from '../constructs/lambda-rest-api';
import { LoggedStateMachine } from '../constructs/logged-state-machine';
import { SafeBucket } from '../constructs/safe-bucket';
import { UnreservedFunction } from '../constructs/unreserved-function';
import { jobsTableSchema } from '../lambdas/shared/jobs-schema';
import { jobWorkflowDefinition } from '../workflows/job-workflow';

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
      definition: jobWorkflowDefinition({ validation, processing, notification, table }),
    });
    // The workflow's last-resort step marks a job FAILED itself when the failure function cannot.
    table.grant(workflow, 'dynamodb:UpdateItem', 'dynamodb:PutItem');

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
