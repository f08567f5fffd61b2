import { Construct } from 'constructs';
import { ConsistentTable } from '../../constructs/consistent-table';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { LoggedStateMachine } from '../../constructs/logged-state-machine';
import { SafeBucket } from '../../constructs/safe-bucket';
import { ALL_DYNAMO_OPERATIONS, DEFAULT_ALARM_THRESHOLDS, ServiceAlarms, ServiceAlarmsProps } from '../../constructs/service-alarms';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import { ECHO_ENTRY, SynthesizedStack, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function setup() {
  const { stack } = newStack('Svc');
  const codeBucket = new SafeBucket(stack, 'Code', {});
  const fn = new UnreservedFunction(stack, 'Worker', { entry: ECHO_ENTRY, codeBucket });
  const machine = new LoggedStateMachine(stack, 'Flow', {
    definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: fn.functionArn, End: true } } },
  });
  const api = new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/items', handler: fn }], manageAccountLoggingRole: false });
  const table = new ConsistentTable(stack, 'Items', { schema: jobsTableSchema });
  const alarms = (props: Partial<ServiceAlarmsProps> = {}) =>
    new ServiceAlarms(stack, 'Alarms', { stateMachines: [machine], functions: [fn], restApis: [api], tables: [table], ...props });
  return { stack, fn, machine, api, table, alarms };
}

/** The alarm whose name is `name`. */
function alarmNamed(json: SynthesizedStack, name: string): Record<string, any> {
  const found = Object.values(json.resource.aws_cloudwatch_metric_alarm ?? {}).filter((a) => a.alarm_name === name);
  if (found.length !== 1) throw new Error(`expected one alarm named ${name}, found ${found.length}`);
  return found[0];
}

/** `${type.name.attribute}` of the one resource of `type`, as Terraform references it. */
function reference(json: SynthesizedStack, type: string, attribute: string): string {
  const names = Object.keys(json.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected one ${type}, found ${names.length}`);
  return `\${${type}.${names[0]}.${attribute}}`;
}

describe('ServiceAlarms', () => {
  const { stack, alarms } = setup();
  const construct = alarms();
  const { json } = synth(stack);
  const topicArn = `\${aws_sns_topic.${Object.keys(json.resource.aws_sns_topic)[0]}.arn}`;

  it('creates one alarm per metric: 3 for the state machine, 2 per function, 2 for the API, 1 per table', () => {
    expect(Object.keys(json.resource.aws_cloudwatch_metric_alarm)).toHaveLength(8);
    expect(construct.alarms).toHaveLength(8);
  });

  it.each([
    ['Svc-Flow-ExecutionsFailed', 'ExecutionsFailed', DEFAULT_ALARM_THRESHOLDS.executionsFailed],
    ['Svc-Flow-ExecutionsTimedOut', 'ExecutionsTimedOut', DEFAULT_ALARM_THRESHOLDS.executionsTimedOut],
    ['Svc-Flow-ExecutionThrottled', 'ExecutionThrottled', DEFAULT_ALARM_THRESHOLDS.executionThrottled],
  ])('alarms on the state machine: %s, by its ARN', (name, metric, threshold) => {
    const alarm = alarmNamed(json, name);
    expect(alarm).toMatchObject({ namespace: 'AWS/States', metric_name: metric, statistic: 'Sum', threshold, comparison_operator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.dimensions).toEqual({ StateMachineArn: reference(json, 'aws_sfn_state_machine', 'arn') });
  });

  it.each([
    ['Svc-Worker-Errors', 'Errors', DEFAULT_ALARM_THRESHOLDS.functionErrors],
    ['Svc-Worker-Throttles', 'Throttles', DEFAULT_ALARM_THRESHOLDS.functionThrottles],
  ])('alarms on the function: %s, by its name', (name, metric, threshold) => {
    const alarm = alarmNamed(json, name);
    expect(alarm).toMatchObject({ namespace: 'AWS/Lambda', metric_name: metric, statistic: 'Sum', threshold });
    expect(alarm.dimensions).toEqual({ FunctionName: reference(json, 'aws_lambda_function', 'function_name') });
    expect(onlyResource(json, 'aws_lambda_function').function_name).toBe('Svc-Worker');
  });

  it('alarms on the API stage: 5XXError (sum) and Latency (p99), by API name and stage', () => {
    // Any IRestApi is watched by its name and its stage's name (the same literal the stage is created with).
    const dimensions = { ApiName: reference(json, 'aws_api_gateway_rest_api', 'name'), Stage: onlyResource(json, 'aws_api_gateway_stage').stage_name };
    expect(onlyResource(json, 'aws_api_gateway_rest_api').name).toBe('Svc-Api');
    const errors = alarmNamed(json, 'Svc-Api-5XXError');
    expect(errors).toMatchObject({ namespace: 'AWS/ApiGateway', metric_name: '5XXError', statistic: 'Sum', threshold: 1, dimensions });
    const latency = alarmNamed(json, 'Svc-Api-Latency');
    expect(latency).toMatchObject({ namespace: 'AWS/ApiGateway', metric_name: 'Latency', extended_statistic: 'p99', threshold: 3000, dimensions });
    expect(latency.statistic).toBeUndefined();
  });

  it('alarms on the table: ThrottledRequests summed over every operation, each metric by table name and operation', () => {
    const alarm = alarmNamed(json, 'Svc-Items-ThrottledRequests');
    const tableName = reference(json, 'aws_dynamodb_table', 'name');
    const metrics = alarm.metric_query.filter((q: any) => q.metric);
    expect(metrics.map((q: any) => q.metric.dimensions)).toEqual(ALL_DYNAMO_OPERATIONS.map((Operation) => ({ TableName: tableName, Operation })));
    for (const q of metrics) expect(q.metric).toMatchObject({ namespace: 'AWS/DynamoDB', metric_name: 'ThrottledRequests', stat: 'Sum', period: 300 });
    const expression = alarm.metric_query.find((q: any) => q.expression);
    expect(expression).toMatchObject({ expression: `SUM([${metrics.map((q: any) => q.id).join(', ')}])`, return_data: true });
    expect(metrics.every((q: any) => q.return_data === false)).toBe(true);
    expect(alarm.metric_name).toBeUndefined();
  });

  it('notifies the alarm topic on ALARM and OK, and treats missing data as not breaching', () => {
    for (const alarm of Object.values(json.resource.aws_cloudwatch_metric_alarm)) {
      expect(alarm).toMatchObject({ alarm_actions: [topicArn], ok_actions: [topicArn], treat_missing_data: 'notBreaching', evaluation_periods: 1, datapoints_to_alarm: 1 });
    }
  });

  it('encrypts the alarm topic with its own rotating key that CloudWatch may use, not the AWS managed key', () => {
    const topic = onlyResource(json, 'aws_sns_topic');
    expect(topic.name).toBe('Svc-Alarms-AlarmsTopic');
    expect(topic.kms_master_key_id).toBe(reference(json, 'aws_kms_key', 'arn'));
    expect(onlyResource(json, 'aws_kms_key')).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    const policy = Object.entries(json.data.aws_iam_policy_document).find(([name]) => name.startsWith('Alarms_TopicKeyPolicy'))![1];
    const cloudwatch = policy.statement.find((s: any) => s.sid === 'CloudWatchAlarmsEncryptToTopic');
    expect(cloudwatch).toMatchObject({ actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }] });
  });
});

describe('ServiceAlarms settings', () => {
  it('takes thresholds, period and evaluation periods; unset thresholds keep their defaults', () => {
    const { stack, alarms } = setup();
    alarms({ thresholds: { functionErrors: 2, apiLatencyP99Ms: 800 }, periodSeconds: 60, evaluationPeriods: 3 });
    const { json } = synth(stack);
    expect(alarmNamed(json, 'Svc-Worker-Errors')).toMatchObject({ threshold: 2, period: 60, evaluation_periods: 3, datapoints_to_alarm: 3 });
    expect(alarmNamed(json, 'Svc-Api-Latency')).toMatchObject({ threshold: 800 });
    expect(alarmNamed(json, 'Svc-Flow-ExecutionsFailed')).toMatchObject({ threshold: DEFAULT_ALARM_THRESHOLDS.executionsFailed });
  });

  it('sums only the table operations given', () => {
    const { stack, alarms } = setup();
    alarms({ tableOperations: ['GetItem', 'Query'] });
    const alarm = alarmNamed(synth(stack).json, 'Svc-Items-ThrottledRequests');
    expect(alarm.metric_query.map((q: any) => q.metric?.dimensions.Operation ?? q.expression)).toEqual(['GetItem', 'Query', 'SUM([m1, m2])']);
  });

  it.each<[string, Partial<ServiceAlarmsProps>, string]>([
    ['a period CloudWatch refuses', { periodSeconds: 45 }, 'alarms/period'],
    ['zero evaluation periods', { evaluationPeriods: 0 }, 'alarms/evaluation-periods'],
    ['evaluation spanning more than a day', { periodSeconds: 3600, evaluationPeriods: 25 }, 'alarms/evaluation-periods'],
    ['no table operations', { tableOperations: [] }, 'alarms/table-operations'],
    ['eleven table operations (over the 10 metrics an alarm may use)', { tableOperations: [...ALL_DYNAMO_OPERATIONS, 'GetItem'] }, 'alarms/table-operations'],
    ['a negative threshold', { thresholds: { functionErrors: -1 } }, 'alarms/threshold'],
    ['a NaN threshold', { thresholds: { apiLatencyP99Ms: Number.NaN } }, 'alarms/threshold'],
  ])('rejects %s, naming the rule', (_case, props, ruleId) => {
    const { alarms } = setup();
    const message = errorOf(() => alarms(props));
    expect(message).toContain("ServiceAlarms at 'Svc/Alarms'");
    expect(message).toContain(`[${ruleId}]`);
  });

  it('accepts a day of evaluation exactly', () => {
    const { alarms } = setup();
    expect(() => alarms({ periodSeconds: 3600, evaluationPeriods: 24 })).not.toThrow();
  });

  it('refuses two watched constructs that would give one alarm name, naming both paths', () => {
    const { stack } = newStack('Svc');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const a = new UnreservedFunction(stack, 'Worker', { entry: ECHO_ENTRY, codeBucket });
    const scope = new Construct(stack, 'Inner');
    const b = new UnreservedFunction(scope, 'Worker', { entry: ECHO_ENTRY, codeBucket, functionName: 'other-worker' });
    const message = errorOf(() => new ServiceAlarms(stack, 'Alarms', { functions: [a, b] }));
    expect(message).toContain('[alarms/unique-name]');
    expect(message).toContain("'Svc/Worker' and 'Svc/Inner/Worker'");
  });
});
