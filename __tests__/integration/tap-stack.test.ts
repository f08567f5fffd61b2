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
import { TapStack } from '../../stacks/tap-stack';
import { withPlaceholderArns } from '../../constructs/logged-state-machine';
import { RETRIED_LAMBDA_ERRORS } from '../../workflows/job-workflow';
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
    for (const step of ['Validation', 'Processing', 'Notification']) {
      expect(tableActions(step)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    }
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
    expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${state}Failed` }]);
    expect(definition.States[`${state}Failed`]).toEqual({ Type: 'Pass', Result: state, ResultPath: '$.failedState', Next: 'RecordFailure' });
  });

  it('records every failure on the job, then fails the execution', () => {
    const record = definition.States.RecordFailure;
    expect(record.Parameters).toEqual({ 'jobId.$': '$.jobId', failure: { 'state.$': '$.failedState', 'error.$': '$.error' } });
    expect(record.Resource).toBe(definition.States.Notify.Resource);
    expect(record.Next).toBe('JobFailed');
    expect(definition.States.JobFailed.Type).toBe('Fail');
  });
});

describe('TapStack API authorization', () => {
  const openApi = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('JobsApi_OpenApi'))![1];
  const authTypeOf = (scheme: string) => openApi.components.securitySchemes[scheme]?.['x-amazon-apigateway-authtype'];

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
    expect(trust.statement[0].principals).toEqual([{ type: 'AWS', identifiers: [expect.stringMatching(/^arn:aws:iam::\$\{data\.aws_caller_identity\.CallerIdentity\.account_id\}:root$/)] }]);
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
