/**
 * Actions AWS only accepts on resource `*`. They are the only actions a
 * {@link LeastPrivilegeRole} lets onto `*`; every other grant names its ARNs.
 */

/** Step Functions' CloudWatch Logs delivery (seed failure 3): AWS requires all eight on `*`. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** X-Ray trace upload (Lambda active tracing needs these); no resource-level permissions exist for them. */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/** X-Ray sampling lookups, which Step Functions tracing also makes. */
export const XRAY_SAMPLING_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingTargets'] as const;

export const WILDCARD_RESOURCE_ACTIONS: ReadonlySet<string> = new Set<string>([
  ...LOG_DELIVERY_ACTIONS,
  ...XRAY_WRITE_ACTIONS,
  ...XRAY_SAMPLING_ACTIONS,
]);

/**
 * Actions granted for AWS services to use on a role's behalf, which the code
 * never calls itself (so a local run never sees them): Lambda writing the
 * function's logs and traces, Step Functions setting up log delivery and
 * traces, API Gateway writing access logs through the account role.
 */
export const ACTIONS_USED_BY_AWS_ON_BEHALF: ReadonlySet<string> = new Set<string>([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:CreateLogGroup',
  'logs:DescribeLogStreams',
  ...LOG_DELIVERY_ACTIONS,
  ...XRAY_WRITE_ACTIONS,
  ...XRAY_SAMPLING_ACTIONS,
]);

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * Whether an `execute-api:Invoke` resource names one API, one stage, one
 * method and a path: `<execution ARN>/<stage>/<METHOD>/<path>`. A `*` may only
 * stand for a whole path segment (a path parameter, as API Gateway writes
 * `/jobs/{id}` in its ARNs); never for the API id, the stage or the method.
 */
export function isScopedExecuteApiArn(resource: string): boolean {
  const [executionArn, stage, method, ...path] = resource.split('/');
  const arn = /^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+$/;
  const token = /^\$\{[^*]+\}$/;
  return (
    (arn.test(executionArn) || token.test(executionArn)) &&
    /^[A-Za-z0-9_-]+$/.test(stage ?? '') &&
    HTTP_METHODS.has(method ?? '') &&
    path.length > 0 &&
    path.every((segment) => segment === '*' || !segment.includes('*'))
  );
}
