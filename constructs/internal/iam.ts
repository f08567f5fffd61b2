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
