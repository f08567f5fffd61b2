import { checkDeployment, formatDeploymentViolation, lambdaQuotaSources } from '../../../../constructs/internal/deployment-checks';
import { DeploymentDocument } from '../../../../constructs/internal/deployment-document';

const quotaData = (value: unknown, provider?: string) => ({
  service_code: 'lambda',
  quota_code: 'L-B99A9384',
  value,
  ...(provider ? { provider } : {}),
});

function document(stack: Record<string, unknown>, reserved = 950): DeploymentDocument {
  return {
    valuesResolved: true,
    stacks: [
      {
        name: 'plan',
        json: {
          provider: { aws: [{ region: 'us-east-1' }, { alias: 'west', region: 'us-west-2' }] },
          resource: { aws_lambda_function: { fn: { function_name: 'fn', reserved_concurrent_executions: reserved } } },
          ...stack,
        },
      },
    ],
  };
}

describe('where the Lambda concurrency quota comes from (what guard-check prints)', () => {
  it('says, per stack and provider, whether the quota was read at plan, declared, given, or assumed', () => {
    const read = document({ data: { aws_servicequotas_service_quota: { q: quotaData(3000) } } });
    expect(lambdaQuotaSources(read)).toEqual([
      { stack: 'plan', provider: 'aws', quota: 3000, source: 'plan', reserves: true },
      { stack: 'plan', provider: 'aws.west', quota: 1000, source: 'assumed', reserves: false },
    ]);
    // Only a provider configuration some function reserves through needs a quota.
    expect(lambdaQuotaSources(document({}, -1)).map((s) => s.reserves)).toEqual([false, false]);
    expect(lambdaQuotaSources(document({ '//': { guards: { lambdaConcurrencyQuota: 2000 } } })).map((s) => s.source)).toEqual(['declared', 'declared']);
    expect(lambdaQuotaSources(read, { lambdaConcurrencyQuota: 5 }).map((s) => [s.quota, s.source])).toEqual([
      [5, 'option'],
      [5, 'option'],
    ]);
    // A quota of another service, or a value not known at plan, is not a Lambda quota.
    const other = document({ data: { aws_servicequotas_service_quota: { q: { ...quotaData(3000), quota_code: 'L-OTHER' }, r: quotaData('${unknown}') } } });
    expect(lambdaQuotaSources(other).every((s) => s.source === 'assumed')).toBe(true);
  });

  it('checks reservations against the quota a plan read, and lets the option override it', () => {
    const read = document({ data: { aws_servicequotas_service_quota: { q: quotaData(1000) } } });
    expect(checkDeployment(read).map((v) => v.ruleId)).toEqual(['function/unreserved-concurrency']);
    expect(checkDeployment(read, { lambdaConcurrencyQuota: 5000 })).toEqual([]);
    expect(checkDeployment(document({ data: { aws_servicequotas_service_quota: { q: quotaData(1050) } } }))).toEqual([]);
  });

  it('prints one line per violation: rule, where, value and fix', () => {
    const [violation] = checkDeployment(document({ resource: { aws_s3_bucket: { b: { bucket: 'TapStack-lambda-code' } } } }));
    expect(formatDeploymentViolation(violation)).toBe(
      '[bucket-name/charset] plan/aws_s3_bucket.b: bucket "TapStack-lambda-code" must contain only lowercase letters, digits, \'.\' and \'-\'. ' +
        'Fix: lowercase the name and replace other characters with "-"',
    );
  });
});
