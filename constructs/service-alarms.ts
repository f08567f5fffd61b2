import { CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { EncryptedTopic } from './encrypted-topic';
import { IFunction } from './function-ref';
import { IRestApi } from './rest-api-ref';
import { IStateMachine } from './state-machine-ref';
import { ITable } from './table-ref';
import { accountPrincipalArn } from './internal/arn';
import { NAME_KINDS, deriveNameFor } from './internal/name-rules';
import { Rule, Violation, checkRules, throwIfViolations, violation } from './internal/validation';

/** When an alarm fires: the metric's value in one period at or above the threshold. */
export interface AlarmThresholds {
  /**
   * State machine `ExecutionsFailed` (executions per period). A job whose payload
   * fails validation ends its execution in `JobFailed` by design, so a few are normal.
   * @default 5
   */
  readonly executionsFailed?: number;
  /**
   * State machine `ExecutionsTimedOut` (executions per period).
   * @default 1
   */
  readonly executionsTimedOut?: number;
  /**
   * State machine `ExecutionThrottled` (throttled StartExecution calls per period).
   * @default 1
   */
  readonly executionThrottled?: number;
  /**
   * Each function's `Errors` (invocations per period). The Validation step throws
   * on an invalid payload by design, so a few are normal.
   * @default 5
   */
  readonly functionErrors?: number;
  /**
   * Each function's `Throttles` (invocations per period).
   * @default 1
   */
  readonly functionThrottles?: number;
  /**
   * The API stage's `5XXError` (responses per period). The API never answers 5xx
   * for a client's mistake, so one is already a fault.
   * @default 1
   */
  readonly api5xxErrors?: number;
  /**
   * The API stage's `Latency` p99, in milliseconds.
   * @default 3000
   */
  readonly apiLatencyP99Ms?: number;
  /**
   * The table's `ThrottledRequests` (requests per period, summed over `tableOperations`).
   * @default 1
   */
  readonly tableThrottledRequests?: number;
}

/** DynamoDB operations whose `ThrottledRequests` CloudWatch reports (per `TableName` and `Operation`). */
export type DynamoOperation =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'TransactGetItems'
  | 'TransactWriteItems';

/** The ten data-plane operations: CloudWatch allows at most 10 metrics in one alarm's math. */
export const ALL_DYNAMO_OPERATIONS: readonly DynamoOperation[] = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
];
const MAX_METRICS_PER_ALARM = 10;

export const DEFAULT_ALARM_THRESHOLDS: Required<AlarmThresholds> = {
  executionsFailed: 5,
  executionsTimedOut: 1,
  executionThrottled: 1,
  functionErrors: 5,
  functionThrottles: 1,
  api5xxErrors: 1,
  apiLatencyP99Ms: 3000,
  tableThrottledRequests: 1,
};

export interface ServiceAlarmsProps {
  /**
   * State machines to watch: `ExecutionsFailed`, `ExecutionsTimedOut`, `ExecutionThrottled`.
   * @default none
   */
  readonly stateMachines?: readonly IStateMachine[];
  /**
   * Functions to watch: `Errors`, `Throttles`.
   * @default none
   */
  readonly functions?: readonly IFunction[];
  /**
   * REST API stages to watch: `5XXError`, `Latency` p99.
   * @default none
   */
  readonly restApis?: readonly IRestApi[];
  /**
   * Tables to watch: `ThrottledRequests`.
   * @default none
   */
  readonly tables?: readonly ITable[];
  /**
   * Thresholds; each one not given keeps its default.
   * @default DEFAULT_ALARM_THRESHOLDS
   */
  readonly thresholds?: AlarmThresholds;
  /**
   * Length of one evaluation period, in seconds: 10, 30 or a multiple of 60.
   * @default 300
   */
  readonly periodSeconds?: number;
  /**
   * Consecutive breaching periods before an alarm fires (periods x seconds at most one day).
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * DynamoDB operations summed into each table's `ThrottledRequests` alarm (1 to 10).
   * @default ALL_DYNAMO_OPERATIONS
   */
  readonly tableOperations?: readonly DynamoOperation[];
}

const ONE_DAY_SECONDS = 86_400;

const PROPS_RULES: readonly Rule<ServiceAlarmsProps>[] = [
  {
    id: 'alarms/period',
    field: 'periodSeconds',
    pick: (p) => p.periodSeconds,
    requirement: 'be 10, 30 or a positive multiple of 60 (what CloudWatch alarms accept)',
    check: (p) => p.periodSeconds === undefined || p.periodSeconds === 10 || p.periodSeconds === 30 || (Number.isInteger(p.periodSeconds) && p.periodSeconds > 0 && p.periodSeconds % 60 === 0),
    fix: 'use 60, 300 (the default) or another multiple of 60',
  },
  {
    id: 'alarms/evaluation-periods',
    field: 'evaluationPeriods',
    pick: (p) => p.evaluationPeriods,
    requirement: 'be a whole number of at least 1, and with periodSeconds span at most one day',
    check: (p) =>
      p.evaluationPeriods === undefined ||
      (Number.isInteger(p.evaluationPeriods) && p.evaluationPeriods >= 1 && p.evaluationPeriods * (p.periodSeconds ?? 300) <= ONE_DAY_SECONDS),
    fix: 'lower evaluationPeriods or periodSeconds',
  },
  {
    id: 'alarms/table-operations',
    field: 'tableOperations',
    pick: (p) => p.tableOperations,
    requirement: `name 1 to ${MAX_METRICS_PER_ALARM} distinct DynamoDB operations (CloudWatch allows ${MAX_METRICS_PER_ALARM} metrics in one alarm)`,
    check: (p) =>
      p.tableOperations === undefined ||
      (p.tableOperations.length >= 1 && p.tableOperations.length <= MAX_METRICS_PER_ALARM && new Set(p.tableOperations).size === p.tableOperations.length),
    fix: 'list the operations your code calls, or omit tableOperations',
  },
];

function validateServiceAlarmsProps(props: ServiceAlarmsProps): Violation[] {
  const violations = checkRules('props', props, PROPS_RULES);
  for (const [name, value] of Object.entries(props.thresholds ?? {})) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      violations.push(violation('alarms/threshold', `thresholds.${name}`, value, 'be a positive finite number', `give a threshold above 0, or omit ${name} for its default`));
    }
  }
  return violations;
}

/** One metric alarm, as {@link ServiceAlarms} describes it before creating it. */
interface AlarmSpec {
  readonly watched: IConstruct;
  readonly metricName: string;
  readonly threshold: number;
  readonly description: string;
  readonly metric?: { readonly namespace: string; readonly dimensions: Record<string, string>; readonly statistic?: string; readonly extendedStatistic?: string };
  readonly metricQuery?: CloudwatchMetricAlarmMetricQuery[];
}

/**
 * CloudWatch metric alarms on the pieces of a serverless service, all notifying
 * one alarm topic: an {@link EncryptedTopic} under its own KMS key, whose policy
 * lets CloudWatch encrypt to it. (With the AWS managed `alias/aws/sns` key, whose
 * policy cannot name CloudWatch, alarms fire but their notifications are dropped.)
 *
 * Each alarm's name is `<stack>-<watched construct id>-<metric>`; its dimensions
 * reference the watched resource, so they always name it. Missing data is not
 * breaching (no traffic is not an outage). Alarms notify on ALARM and on OK.
 *
 * @example
 * const alarms = new ServiceAlarms(stack, 'Alarms', { functions: [api], tables: [table] });
 * // subscribe: new SnsTopicSubscription(stack, 'Pager', { topicArn: alarms.alarmTopic.topicArn, ... })
 */
export class ServiceAlarms extends Construct {
  /** The topic every alarm notifies; subscribe your on-call channel to it. */
  public readonly alarmTopic: EncryptedTopic;
  /** The key the alarm topic is encrypted with. */
  public readonly key: KmsKey;
  /** Every alarm, in the order of the props. */
  public readonly alarms: readonly CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps = {}) {
    super(scope, id);
    throwIfViolations('ServiceAlarms', this, validateServiceAlarmsProps(props));
    const thresholds = { ...DEFAULT_ALARM_THRESHOLDS, ...definedOnly(props.thresholds ?? {}) };
    const period = props.periodSeconds ?? 300;

    this.key = new KmsKey(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${TerraformStack.of(this).node.id}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: this.keyPolicy().json,
    });
    this.alarmTopic = new EncryptedTopic(this, `${id}Topic`, { kmsKeyArn: this.key.arn });

    const specs: AlarmSpec[] = [
      ...(props.stateMachines ?? []).flatMap((machine) => stateMachineAlarms(machine, thresholds)),
      ...(props.functions ?? []).flatMap((fn) => functionAlarms(fn, thresholds)),
      ...(props.restApis ?? []).flatMap((api) => restApiAlarms(api, thresholds)),
      ...(props.tables ?? []).map((table) => tableAlarm(table, thresholds, props.tableOperations ?? ALL_DYNAMO_OPERATIONS, period)),
    ];
    this.checkUniqueNames(specs);
    this.alarms = specs.map((spec) => this.createAlarm(spec, period, props.evaluationPeriods ?? 1));
  }

  /** The key's policy: the account administers it through IAM; CloudWatch may encrypt alarm notifications with it. */
  private keyPolicy(): DataAwsIamPolicyDocument {
    return new DataAwsIamPolicyDocument(this, 'TopicKeyPolicy', {
      statement: [
        {
          // AWS's default key policy: without it the key could not be managed at all.
          sid: 'AccountAdministersThroughIam',
          effect: 'Allow',
          principals: [{ type: 'AWS', identifiers: [accountPrincipalArn(this)] }],
          actions: ['kms:*'],
          resources: ['*'],
        },
        {
          // CloudWatch publishes to an encrypted topic only with these (AWS SNS docs, "encrypted topics").
          sid: 'CloudWatchAlarmsEncryptToTopic',
          effect: 'Allow',
          principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        },
      ],
    });
  }

  private checkUniqueNames(specs: readonly AlarmSpec[]): void {
    const seen = new Map<string, string>();
    const violations: Violation[] = [];
    for (const spec of specs) {
      const name = this.alarmName(spec);
      const other = seen.get(name);
      if (other !== undefined && other !== spec.watched.node.path) {
        violations.push(
          violation('alarms/unique-name', 'alarm name', name, `be unique, but '${other}' and '${spec.watched.node.path}' both get it`, 'give the watched constructs different ids'),
        );
      } else if (other !== undefined) {
        violations.push(violation('alarms/unique-name', 'alarm name', name, `be unique, but '${other}' is watched twice`, 'list each construct once'));
      }
      seen.set(name, spec.watched.node.path);
    }
    throwIfViolations('ServiceAlarms', this, violations);
  }

  private alarmName(spec: AlarmSpec): string {
    // Alarm names allow up to 255 characters; keep the metric name readable at the end.
    return deriveNameFor(this, 'ServiceAlarms', NAME_KINDS.alarm, { parts: [TerraformStack.of(this).node.id, spec.watched.node.id, spec.metricName] });
  }

  private createAlarm(spec: AlarmSpec, period: number, evaluationPeriods: number): CloudwatchMetricAlarm {
    const common = {
      alarmName: this.alarmName(spec),
      alarmDescription: spec.description,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: spec.threshold,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      treatMissingData: 'notBreaching',
      alarmActions: [this.alarmTopic.topicArn],
      okActions: [this.alarmTopic.topicArn],
    };
    const id = `${spec.watched.node.id}${spec.metricName}`.replace(/[^A-Za-z0-9]/g, '');
    if (spec.metricQuery) {
      return new CloudwatchMetricAlarm(this, id, { ...common, metricQuery: spec.metricQuery });
    }
    const metric = spec.metric!;
    return new CloudwatchMetricAlarm(this, id, {
      ...common,
      namespace: metric.namespace,
      metricName: spec.metricName,
      dimensions: metric.dimensions,
      period,
      statistic: metric.statistic,
      extendedStatistic: metric.extendedStatistic,
    });
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function stateMachineAlarms(machine: IStateMachine, t: Required<AlarmThresholds>): AlarmSpec[] {
  const metric = { namespace: 'AWS/States', dimensions: { StateMachineArn: machine.stateMachineArn }, statistic: 'Sum' };
  return [
    { watched: machine, metricName: 'ExecutionsFailed', threshold: t.executionsFailed, metric, description: `Executions of ${machine.node.path} failed` },
    { watched: machine, metricName: 'ExecutionsTimedOut', threshold: t.executionsTimedOut, metric, description: `Executions of ${machine.node.path} timed out` },
    { watched: machine, metricName: 'ExecutionThrottled', threshold: t.executionThrottled, metric, description: `StartExecution on ${machine.node.path} was throttled` },
  ];
}

function functionAlarms(fn: IFunction, t: Required<AlarmThresholds>): AlarmSpec[] {
  const metric = { namespace: 'AWS/Lambda', dimensions: { FunctionName: fn.functionName }, statistic: 'Sum' };
  return [
    { watched: fn, metricName: 'Errors', threshold: t.functionErrors, metric, description: `Invocations of ${fn.node.path} failed` },
    { watched: fn, metricName: 'Throttles', threshold: t.functionThrottles, metric, description: `Invocations of ${fn.node.path} were throttled` },
  ];
}

function restApiAlarms(api: IRestApi, t: Required<AlarmThresholds>): AlarmSpec[] {
  // REST API metrics are reported per API name and stage.
  const dimensions = { ApiName: api.restApiName, Stage: api.stageName };
  return [
    { watched: api, metricName: '5XXError', threshold: t.api5xxErrors, metric: { namespace: 'AWS/ApiGateway', dimensions, statistic: 'Sum' }, description: `${api.node.path} answered 5xx` },
    { watched: api, metricName: 'Latency', threshold: t.apiLatencyP99Ms, metric: { namespace: 'AWS/ApiGateway', dimensions, extendedStatistic: 'p99' }, description: `p99 latency of ${api.node.path} in milliseconds` },
  ];
}

function tableAlarm(table: ITable, t: Required<AlarmThresholds>, operations: readonly DynamoOperation[], period: number): AlarmSpec {
  // ThrottledRequests exists only per TableName and Operation: sum the operations with metric math.
  const metricQuery: CloudwatchMetricAlarmMetricQuery[] = operations.map((operation, index) => ({
    id: `m${index + 1}`,
    returnData: false,
    metric: { namespace: 'AWS/DynamoDB', metricName: 'ThrottledRequests', dimensions: { TableName: table.tableName, Operation: operation }, period, stat: 'Sum' },
  }));
  metricQuery.push({
    id: 'throttled',
    expression: `SUM([${operations.map((_, index) => `m${index + 1}`).join(', ')}])`,
    label: 'ThrottledRequests',
    returnData: true,
  });
  return { watched: table, metricName: 'ThrottledRequests', threshold: t.tableThrottledRequests, metricQuery, description: `Requests to ${table.node.path} were throttled` };
}
