import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ConsistentTable } from '../constructs/consistent-table';
import { EncryptedTopic } from '../constructs/encrypted-topic';
import { ApiWebAcl } from '../constructs/api-web-acl';
import { ApiRouteRef, LambdaRestApi } from '../constructs/lambda-rest-api';
import { ExistingRole, LeastPrivilegeRole } from '../constructs/least-privilege-role';
import { LoggedStateMachine } from '../constructs/logged-state-machine';
import { SafeBucket } from '../constructs/safe-bucket';
import { UnreservedFunction } from '../constructs/unreserved-function';
import { accountIdOf } from '../constructs/internal/stack-context';
import { MAX_BODY_BYTES } from '../lambdas/api/request';
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
  /**
   * Put a WAF web ACL (managed rule sets, rate per IP, body size) on the API stage.
   * Turn off only where the platform attaches its own web ACL.
   * @default true
   */
  readonly enableWaf?: boolean;
  /**
   * Roles of other teams that may submit and read jobs (POST /jobs, GET /jobs/{id});
   * each gets an inline policy with exactly those grants.
   * @default none: only the stack's own client role
   */
  readonly clientRoles?: readonly ExistingRole[];
}

/** What a client of the job API may do: submit a job and read it. Listing every job by status is not for clients. */
export const CLIENT_ROUTES: readonly ApiRouteRef[] = [
  { method: 'POST', path: '/jobs' },
  { method: 'GET', path: '/jobs/{id}' },
];

/**
 * The job-processing application of the post-mortem, built from the guard
 * constructs: an API front door, a validate -> process -> notify workflow,
 * one DynamoDB table, a code bucket and an SNS topic.
 */
export class TapStack extends TerraformStack {
  public readonly jobsApi: LambdaRestApi;
  /** May only submit and read jobs; principals of this account assume it (their own policies permitting). */
  public readonly clientRole: LeastPrivilegeRole;

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

    const restApi = (this.jobsApi = new LambdaRestApi(this, 'JobsApi', {
      routes: [
        { method: 'POST', path: '/jobs', handler: api },
        { method: 'GET', path: '/jobs', handler: api, requiredQueryParameters: ['status'] },
        { method: 'GET', path: '/jobs/{id}', handler: api },
      ],
    }));
    if (props.enableWaf ?? true) {
      new ApiWebAcl(this, 'JobsApiWaf', { api: restApi, maxBodyBytes: MAX_BODY_BYTES });
    }

    this.clientRole = new LeastPrivilegeRole(this, 'Client', { assumedBy: { accountId: accountIdOf(this) } });
    const teamRoles = (props.clientRoles ?? []).map((existingRole, i) => new LeastPrivilegeRole(this, `ClientRole${i}`, { assumedBy: { accountId: accountIdOf(this) }, existingRole }));
    for (const grantee of [this.clientRole, ...teamRoles]) {
      for (const route of CLIENT_ROUTES) restApi.grantInvoke(grantee, route);
    }

    new TerraformOutput(this, 'api_url', { value: restApi.url, description: 'Base URL of the jobs API' });
    new TerraformOutput(this, 'client_role_arn', { value: this.clientRole.roleArn, description: 'Role that may submit and read jobs' });
    new TerraformOutput(this, 'table_name', { value: table.tableName });
    new TerraformOutput(this, 'state_machine_arn', { value: workflow.stateMachineArn });
    new TerraformOutput(this, 'code_bucket_name', { value: codeBucket.bucketName });
    new TerraformOutput(this, 'topic_arn', { value: topic.topicArn });
  }
}
