import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import aslValidator from 'asl-validator';
import { Testing } from 'cdktf';
import { join } from 'path';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { withPlaceholderArns } from '../../constructs/internal/state-machine';
import { TapStack } from '../../stacks/tap-stack';
import { RETRIED_LAMBDA_ERRORS } from '../../workflows/job-workflow';
import { JOB_REQUEST_JSON_SCHEMA } from '../../lambdas/shared/job-request-schema';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import {
  resourceNameFromSynth,
  roleStatementsFromSynth,
  stateMachineDefinitionFromSynth,
  synthesizedTapStack,
} from '../helpers/synthesized-app';

const json = synthesizedTapStack();
const text = JSON.stringify(json);

describe('TapStack resources', () => {
  it.each([
    ['S3 code bucket', S3Bucket],
    ['DynamoDB table', DynamodbTable],
    ['Lambda functions', LambdaFunction],
    ['state machine', SfnStateMachine],
    ['REST API', ApiGatewayRestApi],
    ['API stage', ApiGatewayStage],
    ['log groups', CloudwatchLogGroup],
    ['SNS topic', SnsTopic],
    ['Lambda permissions', LambdaPermission],
  ])('has a %s', (_what, resource) => {
    expect(text).toHaveResource(resource);
  });

  it('keeps the seed three functions and adds the API front door, none reserving concurrency', () => {
    const functions = Object.values(json.resource.aws_lambda_function);
    expect(functions.map((f) => f.function_name).sort()).toEqual(['TapStack-Api', 'TapStack-Notification', 'TapStack-Processing', 'TapStack-Validation']);
    for (const fn of functions) {
      expect(fn.reserved_concurrent_executions).toBeUndefined();
      expect(fn.runtime).toBe('nodejs22.x');
    }
  });

  it('builds the table from the shared schema module', () => {
    const table = Object.values(json.resource.aws_dynamodb_table)[0];
    expect(table.hash_key).toBe(jobsTableSchema.primary.partitionKey.name);
    expect(table.range_key).toBe(jobsTableSchema.primary.sortKey.name);
    expect(table.global_secondary_index[0].hash_key).toBe(jobsTableSchema.globalIndexes.gsi1.partitionKey.name);
  });

  it('encrypts the topic, throttles the stage and writes access logs', () => {
    expect(text).toHaveResourceWithProperties(SnsTopic, { kms_master_key_id: 'alias/aws/sns' });
    const settings = Object.values(json.resource.aws_api_gateway_method_settings)[0];
    expect(settings.settings).toMatchObject({ throttling_rate_limit: 50, throttling_burst_limit: 100 });
    const stage = Object.values(json.resource.aws_api_gateway_stage)[0];
    expect(stage.access_log_settings.destination_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.JobsApi_AccessLogs_\w+\.arn\}$/);
    for (const group of Object.values(json.resource.aws_cloudwatch_log_group)) {
      expect(group.retention_in_days).toBe(30);
    }
  });

  it('outputs the API URL, table name, state machine ARN and bucket name', () => {
    expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(['api_url', 'table_name', 'state_machine_arn', 'code_bucket_name']));
  });

  it('scopes every Lambda permission to this API and one route', () => {
    const sourceArns = Object.values(json.resource.aws_lambda_permission).map((p) => p.source_arn).sort();
    const api = resourceNameFromSynth(json, 'aws_api_gateway_rest_api', 'JobsApi');
    expect(sourceArns).toEqual([
      `\${aws_api_gateway_rest_api.${api}.execution_arn}/*/GET/jobs`,
      `\${aws_api_gateway_rest_api.${api}.execution_arn}/*/GET/jobs/*`,
      `\${aws_api_gateway_rest_api.${api}.execution_arn}/*/POST/jobs`,
    ]);
  });

  it('validates the required status query parameter at the gateway', () => {
    const openApi = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('JobsApi_OpenApi'))?.[1];
    expect(openApi.paths['/jobs'].get.parameters).toEqual([{ name: 'status', in: 'query', required: true, schema: { type: 'string' } }]);
    expect(openApi['x-amazon-apigateway-request-validators'].parameters.validateRequestParameters).toBe(true);
  });
});

describe('TapStack least privilege', () => {
  const tableActions = (constructId: string) =>
    roleStatementsFromSynth(json, constructId)
      .filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')))
      .flatMap((s) => s.actions)
      .sort();

  it('gives each function exactly the table actions its code calls', () => {
    expect(tableActions('Api')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    for (const step of ['Validation', 'Processing']) {
      expect(tableActions(step)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    }
    // It ends a job: one write to the job item, no history item (the job item is the terminal event).
    expect(tableActions('Notification')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('lets only the API start executions, only of this state machine', () => {
    const start = roleStatementsFromSynth(json, 'Api').find((s) => s.actions.includes('states:StartExecution'));
    const machine = resourceNameFromSynth(json, 'aws_sfn_state_machine', 'JobWorkflow');
    expect(start?.resources).toEqual([`\${aws_sfn_state_machine.${machine}.arn}`]);
    for (const step of ['Validation', 'Processing', 'Notification']) {
      expect(roleStatementsFromSynth(json, step).flatMap((s) => s.actions)).not.toContain('states:StartExecution');
    }
  });

  it('lets only the notification function publish, only to this topic', () => {
    const publish = roleStatementsFromSynth(json, 'Notification').find((s) => s.actions.includes('sns:Publish'));
    const topic = resourceNameFromSynth(json, 'aws_sns_topic', 'JobEvents');
    expect(publish?.resources).toEqual([`\${aws_sns_topic.${topic}.arn}`]);
    for (const other of ['Api', 'Validation', 'Processing']) {
      expect(roleStatementsFromSynth(json, other).flatMap((s) => s.actions)).not.toContain('sns:Publish');
    }
  });

  it('lets the workflow invoke its three step functions and not the API function', () => {
    const invoked = roleStatementsFromSynth(json, 'JobWorkflow')
      .filter((s) => s.actions.includes('lambda:InvokeFunction'))
      .map((s) => s.sid)
      .sort();
    expect(invoked).toEqual(['InvokeNotification', 'InvokeProcessing', 'InvokeValidation']);
  });
});

describe('TapStack workflow definition', () => {
  const definition = stateMachineDefinitionFromSynth(json);

  it('passes asl-validator as synthesized', () => {
    const result = aslValidator(withPlaceholderArns(definition), { checkArn: true, checkPaths: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('runs validate -> process -> notify', () => {
    expect(definition.StartAt).toBe('Validate');
    expect(definition.States.Validate.Next).toBe('Process');
    expect(definition.States.Process.Next).toBe('Notify');
    expect(definition.States.Notify.End).toBe(true);
  });

  it.each(['Validate', 'Process', 'Notify'])('retries %s on Lambda service faults and timeouts with backoff and jitter, and catches everything', (state) => {
    const task = definition.States[state];
    expect(task.Retry).toEqual([
      expect.objectContaining({ ErrorEquals: RETRIED_LAMBDA_ERRORS, BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 3 }),
    ]);
    expect(RETRIED_LAMBDA_ERRORS).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException', 'States.Timeout']),
    );
    // The error takes the payload's place, so the state never holds both (256 KiB state data limit).
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.payload', Next: `${state}Failed` }]);
    expect(definition.States[`${state}Failed`]).toEqual({
      Type: 'Pass',
      Parameters: { 'jobId.$': '$.jobId', failure: { state, 'error.$': '$.payload' } },
      Next: 'RecordFailure',
    });
  });

  it('records every failure on the job, then fails the execution; a failure to record falls back to a last-resort write', () => {
    const record = definition.States.RecordFailure;
    expect(record.Parameters).toBeUndefined();
    expect(record.Resource).toBe(definition.States.Notify.Resource);
    expect(record.Next).toBe('JobFailed');
    expect(record.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'RecordFailureLastResort' }]);
    const lastResort = definition.States.RecordFailureLastResort;
    expect(lastResort).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:updateItem', Next: 'RecordFailureHistory' });
    expect(lastResort.Parameters.TableName).toMatch(/^\$\{aws_dynamodb_table\.\w+\.name\}$/);
    expect(definition.States.RecordFailureHistory).toMatchObject({ Resource: 'arn:aws:states:::dynamodb:putItem', Next: 'JobFailed' });
    for (const name of ['RecordFailureLastResort', 'RecordFailureHistory']) {
      expect(definition.States[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.lastResortError', Next: 'JobFailed' }]);
    }
    expect(definition.States.JobFailed.Type).toBe('Fail');
  });

  it('lets the workflow write only the jobs table, for the last-resort step', () => {
    const table = resourceNameFromSynth(json, 'aws_dynamodb_table', 'Jobs');
    const writes = roleStatementsFromSynth(json, 'JobWorkflow').filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(writes.flatMap((s) => s.actions).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(writes.flatMap((s) => s.resources).every((r) => r.includes(`aws_dynamodb_table.${table}.arn`))).toBe(true);
  });
});

describe('TapStack settings', () => {
  const synthWithValidations = (stack: TapStack) => Testing.synth(stack, true);

  it('manages the API Gateway account setting once, with reset_on_delete, unless turned off', () => {
    expect(Object.values(json.resource.aws_api_gateway_account)).toEqual([
      expect.objectContaining({ reset_on_delete: true }),
    ]);
    const off = new TapStack(Testing.app(), 'TapStack', { manageApiGatewayAccount: false });
    expect(JSON.parse(Testing.synth(off)).resource.aws_api_gateway_account).toBeUndefined();
  });

  it('guards every function of the stack, also one added through an escape hatch', () => {
    const stack = new TapStack(Testing.app(), 'TapStack', { lambdaConcurrency: { accountQuota: 1000 } });
    new LambdaFunction(stack, 'Extra', { functionName: 'extra', role: 'arn:aws:iam::123456789012:role/extra', reservedConcurrentExecutions: 950 });
    expect(() => synthWithValidations(stack)).toThrow('Reserving: TapStack/Extra=950 (950 in total;');
  });

  it('refuses an invalid quota setting', () => {
    expect(() => new TapStack(Testing.app(), 'TapStack', { lambdaConcurrency: { accountQuota: 2.5 } })).toThrow('[function/concurrency-quota]');
  });

  it('turns the plan-time quota lookup off when asked', () => {
    const stack = new TapStack(Testing.app(), 'TapStack', { lambdaConcurrency: { lookUpAppliedQuota: false } });
    new LambdaFunction(stack, 'Extra', { functionName: 'extra', role: 'arn:aws:iam::123456789012:role/extra', reservedConcurrentExecutions: 10 });
    expect(JSON.parse(Testing.synth(stack)).data.aws_servicequotas_service_quota).toBeUndefined();
    const on = new TapStack(Testing.app(), 'TapStack');
    new LambdaFunction(on, 'Extra', { functionName: 'extra', role: 'arn:aws:iam::123456789012:role/extra', reservedConcurrentExecutions: 10 });
    expect(JSON.parse(Testing.synth(on)).data.aws_servicequotas_service_quota).toBeDefined();
  });
});

describe('TapStack alarms', () => {
  const alarms = Object.values(json.resource.aws_cloudwatch_metric_alarm);
  const alarmNamed = (name: string) => {
    const found = alarms.filter((a) => a.alarm_name === name);
    if (found.length !== 1) throw new Error(`expected one alarm named ${name}, found ${found.length}`);
    return found[0];
  };
  const ref = (type: string, prefix: string, attribute: string) => `\${${type}.${resourceNameFromSynth(json, type, prefix)}.${attribute}}`;
  const alarmTopic = ref('aws_sns_topic', 'Alarms_', 'arn');

  it('has 14 alarms, each notifying the alarm topic, which is not the job-events topic and is under its own key', () => {
    expect(alarms).toHaveLength(14);
    for (const alarm of alarms) expect(alarm).toMatchObject({ alarm_actions: [alarmTopic], ok_actions: [alarmTopic] });
    expect(alarmTopic).not.toBe(ref('aws_sns_topic', 'JobEvents', 'arn'));
    const topic = json.resource.aws_sns_topic[resourceNameFromSynth(json, 'aws_sns_topic', 'Alarms_')];
    expect(topic.kms_master_key_id).toBe(ref('aws_kms_key', 'Alarms_', 'arn'));
    expect(json.output?.alarm_topic_arn.value).toBe(alarmTopic);
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled'])('alarms on the workflow: %s, by its ARN', (metric) => {
    const machine = json.resource.aws_sfn_state_machine[resourceNameFromSynth(json, 'aws_sfn_state_machine', 'JobWorkflow')];
    const alarm = alarmNamed(`${machine.name}-${metric}`);
    expect(alarm).toMatchObject({ namespace: 'AWS/States', metric_name: metric, dimensions: { StateMachineArn: ref('aws_sfn_state_machine', 'JobWorkflow', 'arn') } });
  });

  it.each(['Api', 'Validation', 'Processing', 'Notification'])('alarms on the %s function: Errors and Throttles, by its name', (id) => {
    const fn = json.resource.aws_lambda_function[resourceNameFromSynth(json, 'aws_lambda_function', `${id}_`)];
    expect(fn.function_name).toBe(`TapStack-${id}`);
    for (const metric of ['Errors', 'Throttles']) {
      expect(alarmNamed(`${fn.function_name}-${metric}`)).toMatchObject({
        namespace: 'AWS/Lambda',
        metric_name: metric,
        dimensions: { FunctionName: ref('aws_lambda_function', `${id}_`, 'function_name') },
      });
    }
  });

  it('alarms on the API stage: 5XXError and Latency p99, by the API name and stage', () => {
    const api = json.resource.aws_api_gateway_rest_api[resourceNameFromSynth(json, 'aws_api_gateway_rest_api', 'JobsApi')];
    const dimensions = { ApiName: ref('aws_api_gateway_rest_api', 'JobsApi', 'name'), Stage: 'v1' };
    expect(alarmNamed(`${api.name}-5XXError`)).toMatchObject({ namespace: 'AWS/ApiGateway', metric_name: '5XXError', dimensions });
    expect(alarmNamed(`${api.name}-Latency`)).toMatchObject({ namespace: 'AWS/ApiGateway', metric_name: 'Latency', extended_statistic: 'p99', dimensions });
  });

  it('alarms on the table: ThrottledRequests, by its name', () => {
    const table = json.resource.aws_dynamodb_table[resourceNameFromSynth(json, 'aws_dynamodb_table', 'Jobs')];
    const alarm = alarmNamed(`${table.name}-ThrottledRequests`);
    const tableNames = alarm.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions.TableName);
    expect(new Set(tableNames)).toEqual(new Set([ref('aws_dynamodb_table', 'Jobs', 'name')]));
  });

  it('can be turned off: no alarm, key or alarm topic', () => {
    const stack = new TapStack(Testing.app(), 'Quiet', { alarms: { enabled: false } });
    const quiet = JSON.parse(Testing.synth(stack));
    expect(quiet.resource.aws_cloudwatch_metric_alarm).toBeUndefined();
    expect(quiet.resource.aws_kms_key).toBeUndefined();
    expect(Object.keys(quiet.resource.aws_sns_topic)).toHaveLength(1);
    expect(quiet.output.alarm_topic_arn).toBeUndefined();
  });
});

describe('TapStack environment settings', () => {
  it('defaults to a local backend by a relative path, so the synthesized JSON holds no absolute path', () => {
    expect((json as unknown as { terraform: { backend: unknown } }).terraform.backend).toEqual({ local: { path: '../../../terraform.TapStack.tfstate' } });
  });

  it('restricts the provider to the allowed accounts and tags every resource through default_tags', () => {
    const stack = new TapStack(Testing.app(), 'Tagged', { region: 'eu-west-1', allowedAccountIds: ['111111111111'], defaultTags: { project: 'p', environment: 'e' } });
    const provider = JSON.parse(Testing.synth(stack)).provider.aws[0];
    expect(provider).toEqual({ region: 'eu-west-1', allowed_account_ids: ['111111111111'], default_tags: [{ tags: { project: 'p', environment: 'e' } }] });
  });

  it('leaves the account-wide API Gateway logging role alone when told to', () => {
    const stack = new TapStack(Testing.app(), 'NoRole', { manageApiGatewayAccount: false });
    expect(JSON.parse(Testing.synth(stack)).resource.aws_api_gateway_account).toBeUndefined();
    expect(json.resource.aws_api_gateway_account).toBeDefined();
  });

  it('checks reserved concurrency in the stack against its declared quota', () => {
    const build = (reserved: number) => {
      const stack = new TapStack(Testing.app(), 'Quota', { lambdaConcurrency: { accountQuota: 250 } });
      const codeBucket = stack.node.findChild('LambdaCode') as SafeBucket;
      new UnreservedFunction(stack, 'Reserved', { entry: join(__dirname, '..', '..', 'lambdas', 'processing', 'handler.ts'), codeBucket, reservedConcurrency: reserved });
      return () => Testing.synth(stack, true);
    };
    expect(build(150)).not.toThrow();
    expect(build(151)).toThrow(/Quota\/Reserved\/Function=151/);
  });

  it.each([[[]], [['12345678901']], [['1234567890123']]])('refuses allowedAccountIds of %p', (ids) => {
    expect(() => new TapStack(Testing.app(), 'Bad', { allowedAccountIds: ids })).toThrow(/\[stack\/allowed-account-ids\] allowedAccountIds/);
  });
});

describe('TapStack API authorization', () => {
  const openApi = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('JobsApi_OpenApi'))![1];
  const authTypeOf = (scheme: string) => openApi.components.securitySchemes[scheme]?.['x-amazon-apigateway-authtype'];

  it('validates POST /jobs bodies at API Gateway with the JSON Schema generated from the Api function\'s job-type schemas', () => {
    const { $schema: _draft, ...model } = JOB_REQUEST_JSON_SCHEMA;
    expect(openApi.components.schemas.PostJobsBody).toEqual(model);
    expect(openApi.paths['/jobs'].post['x-amazon-apigateway-request-validator']).toBe('body-and-parameters');
    expect(openApi.paths['/jobs'].get['x-amazon-apigateway-request-validator']).toBe('parameters');
  });

  it('leaves no method of the synthesized OpenAPI body open: each needs SigV4', () => {
    const methods = Object.entries<Record<string, any>>(openApi.paths).flatMap(([path, ops]) => Object.entries<any>(ops).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op]));
    expect(methods.map(([route]) => route).sort()).toEqual(['GET /jobs', 'GET /jobs/{id}', 'POST /jobs']);
    for (const [route, operation] of methods) {
      const schemes = (operation.security ?? []).flatMap((requirement: Record<string, unknown>) => Object.keys(requirement));
      expect({ route, authTypes: schemes.map(authTypeOf) }).toEqual({ route, authTypes: ['awsSigv4'] });
    }
  });

  it('has a client role that may only invoke POST /jobs and GET /jobs/{id} on stage v1, assumable from this account', () => {
    const statements = roleStatementsFromSynth(json, 'Client');
    expect(statements.flatMap((s) => s.actions)).toEqual(['execute-api:Invoke', 'execute-api:Invoke']);
    expect(statements.flatMap((s) => s.resources).map((r) => r.replace(/^\$\{aws_api_gateway_rest_api\.JobsApi_RestApi_\w+\.execution_arn\}/, '<api>'))).toEqual([
      '<api>/v1/POST/jobs',
      '<api>/v1/GET/jobs/*',
    ]);
    const trust = Object.entries(json.data.aws_iam_policy_document).find(([key]) => key.startsWith('Client_TrustPolicy'))![1];
    expect(trust.statement[0].principals).toEqual([
      { type: 'AWS', identifiers: ['arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.CallerIdentity.account_id}:root'] },
    ]);
    expect(json.output?.client_role_arn).toBeDefined();
  });

  it("grants a team's own roles the same two routes, as an inline policy on each", () => {
    const teamJson = JSON.parse(
      Testing.synth(new TapStack(Testing.app(), 'TapStack', { clientRoles: [{ roleName: 'team-a-worker', roleArn: 'arn:aws:iam::123456789012:role/team-a-worker' }] })),
    );
    const policy = Object.values<Record<string, any>>(teamJson.resource.aws_iam_role_policy).find((p) => p.role === 'team-a-worker');
    expect(policy).toBeDefined();
    expect(roleStatementsFromSynth(teamJson, 'ClientRole0').map((s) => s.sid)).toEqual(['InvokePOSTjobsJobsApi', 'InvokeGETjobsParamJobsApi']);
  });
});
