import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { join } from 'path';
import { ConsistentTable } from '../constructs/consistent-table';
import { EncryptedTopic } from '../constructs/encrypted-topic';
import { ApiWebAcl } from '../constructs/api-web-acl';
import { LambdaRestApi } from '../constructs/lambda-rest-api';
import { ApiRouteRef } from '../constructs/rest-api-ref';
import { ExistingRole, LeastPrivilegeRole } from '../constructs/least-privilege-role';
import { LoggedStateMachine } from '../constructs/logged-state-machine';
import { SafeBucket } from '../constructs/safe-bucket';
import { LambdaConcurrencySettings, UnreservedFunction, configureLambdaConcurrency } from '../constructs/unreserved-function';
import { ServiceAlarms, ServiceAlarmsProps } from '../constructs/service-alarms';
import { Rule, checkRules, throwIfViolations } from '../constructs/internal/validation';
import { accountIdOf } from '../constructs/internal/stack-context';
import { MAX_BODY_BYTES } from '../lambdas/shared/limits';
import { JOB_REQUEST_JSON_SCHEMA } from '../lambdas/shared/job-request-schema';
import { jobsTableSchema } from '../lambdas/shared/jobs-schema';
import { jobWorkflowDefinition } from '../workflows/job-workflow';
import { StateBackendConfig, applyStateBackend } from './state-backend';

/** The stack's CloudWatch alarms: on unless turned off, thresholds adjustable. */
export interface JobAlarmSettings extends Pick<ServiceAlarmsProps, 'thresholds' | 'periodSeconds' | 'evaluationPeriods' | 'tableOperations'> {
  /**
   * Create the alarms and the alarm topic.
   * @default true
   */
  readonly enabled?: boolean;
}

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
   * The account's Lambda concurrency quota and the plan-time Service Quotas
   * lookup (`lookUpAppliedQuota: false` where the deployer may not call
   * `servicequotas:GetServiceQuota`). Applies to every function of the stack.
   * @default quota from the `accountConcurrencyLimit` context, else 1000; lookup on
   */
  readonly lambdaConcurrency?: LambdaConcurrencySettings;
  /**
   * Manage the account's API Gateway CloudWatch role setting (one per account
   * and region). Turn off where the platform or another stack manages it.
   * @default true
   */
  readonly manageApiGatewayAccount?: boolean;
  /**
   * The only AWS accounts this stack may be deployed to (the provider's
   * `allowed_account_ids`): a deploy with other credentials stops before any change.
   * @default any account
   */
  readonly allowedAccountIds?: readonly string[];
  /**
   * Tags on every resource that takes tags (the provider's `default_tags`).
   * @default none
   */
  readonly defaultTags?: Readonly<Record<string, string>>;
  /**
   * Where Terraform keeps this stack's state.
   * @default `{ type: 'local' }`: `terraform.<stack id>.tfstate` in the project folder, by a relative path
   */
  readonly backend?: StateBackendConfig;
  /**
   * CloudWatch alarms on the workflow, every function, the API stage and the table,
   * notifying an encrypted alarm topic (output `alarm_topic_arn`).
   * @default on, with the thresholds of `DEFAULT_ALARM_THRESHOLDS`
   */
  readonly alarms?: JobAlarmSettings;
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

const TAP_STACK_PROPS_RULES: readonly Rule<TapStackProps>[] = [
  {
    id: 'stack/allowed-account-ids',
    field: 'allowedAccountIds',
    pick: (p) => p.allowedAccountIds,
    requirement: 'list at least one 12-digit account id (as strings)',
    check: (p) => p.allowedAccountIds === undefined || (p.allowedAccountIds.length > 0 && p.allowedAccountIds.every((id) => /^\d{12}$/.test(id))),
    fix: 'give the account ids this stack may deploy to, or omit allowedAccountIds',
  },
];

/** The Lambda code, found from this file (never from the working directory). */
const LAMBDAS = join(__dirname, '..', 'lambdas');

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
  /** The alarms and their topic, unless turned off. */
  public readonly alarms?: ServiceAlarms;
  /** The jobs REST API (AWS_IAM on every route); grant a team's role with `jobsApi.grantInvoke(role, route)`. */
  public readonly jobsApi: LambdaRestApi;
  /** May only submit and read jobs; principals of this account assume it (their own policies permitting). */
  public readonly clientRole: LeastPrivilegeRole;

  constructor(scope: Construct, id: string, props: TapStackProps = {}) {
    super(scope, id);
    throwIfViolations('TapStack', this, checkRules('props', props, TAP_STACK_PROPS_RULES));
    new AwsProvider(this, 'aws', {
      region: props.region ?? 'us-east-1',
      allowedAccountIds: props.allowedAccountIds ? [...props.allowedAccountIds] : undefined,
      defaultTags: props.defaultTags ? [{ tags: { ...props.defaultTags } }] : undefined,
    });
    configureLambdaConcurrency(this, props.lambdaConcurrency);
    applyStateBackend(this, props.backend ?? { type: 'local' });

    const codeBucket = new SafeBucket(this, 'LambdaCode', { purpose: 'lambda-code', bucketName: props.codeBucketName });
    const table = new ConsistentTable(this, 'Jobs', {
      schema: jobsTableSchema,
      deletionProtection: props.tableDeletionProtection ?? true,
    });
    const topic = new EncryptedTopic(this, 'JobEvents');

    const tableEnv = { TABLE_NAME: table.tableName };
    const validation = new UnreservedFunction(this, 'Validation', {
      entry: join(LAMBDAS, 'validation', 'handler.ts'),
      codeBucket,
      environment: tableEnv,
      description: 'Workflow step 1: checks a job payload against its type',
    });
    const processing = new UnreservedFunction(this, 'Processing', {
      entry: join(LAMBDAS, 'processing', 'handler.ts'),
      codeBucket,
      environment: tableEnv,
      description: 'Workflow step 2: runs the job and stores the result',
    });
    const notification = new UnreservedFunction(this, 'Notification', {
      entry: join(LAMBDAS, 'notification', 'handler.ts'),
      codeBucket,
      environment: { ...tableEnv, TOPIC_ARN: topic.topicArn },
      description: 'Workflow step 3 and failure recorder: publishes the outcome, sets the terminal status',
    });

    // Each function gets exactly the table actions its code calls.
    table.grant(validation, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    table.grant(processing, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem');
    table.grant(notification, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    topic.grantPublish(notification);

    const workflow = new LoggedStateMachine(this, 'JobWorkflow', {
      definition: jobWorkflowDefinition({ validation, processing, notification, table }),
    });
    // The workflow's last-resort step marks a job FAILED itself when the failure function cannot.
    table.grant(workflow, 'dynamodb:UpdateItem', 'dynamodb:PutItem');

    const api = new UnreservedFunction(this, 'Api', {
      entry: join(LAMBDAS, 'api', 'handler.ts'),
      codeBucket,
      environment: { ...tableEnv, STATE_MACHINE_ARN: workflow.stateMachineArn },
      description: 'API front door: submits, reads and lists jobs',
    });
    table.grant(api, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query');
    workflow.grantStartExecution(api);

    const restApi = (this.jobsApi = new LambdaRestApi(this, 'JobsApi', {
      manageAccountLoggingRole: props.manageApiGatewayAccount ?? true,
      routes: [
        // API Gateway checks the body against the same job-type schemas the Api function uses.
        { method: 'POST', path: '/jobs', handler: api, requestBodySchema: JOB_REQUEST_JSON_SCHEMA },
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

    const { enabled = true, ...alarmSettings } = props.alarms ?? {};
    if (enabled) {
      this.alarms = new ServiceAlarms(this, 'Alarms', {
        ...alarmSettings,
        stateMachines: [workflow],
        functions: [api, validation, processing, notification],
        restApis: [restApi],
        tables: [table],
      });
      new TerraformOutput(this, 'alarm_topic_arn', { value: this.alarms.alarmTopic.topicArn, description: 'Subscribe on-call to this topic' });
    }
  }
}
