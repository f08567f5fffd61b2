import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LeastPrivilegeRole, WILDCARD_RESOURCE_ALLOWANCES } from '../../constructs/least-privilege-role';
import { errorOf, newStack, synth } from '../helpers/stacks';

function role() {
  const { stack } = newStack();
  return { stack, role: new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' }) };
}

describe('LeastPrivilegeRole', () => {
  it('trusts only the given service', () => {
    const { stack, role: worker } = role();
    worker.addToPrincipalPolicy({ sid: 'Read', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] });
    const trust = Object.entries(synth(stack).json.data.aws_iam_policy_document).find(([k]) => k.startsWith('Worker_TrustPolicy'))?.[1];
    expect(trust?.statement[0]).toMatchObject({ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] });
  });

  it.each([
    [{ sid: 'All', actions: ['*'], resources: ['arn:aws:s3:::b'] }, 'iam/action-format'],
    [{ sid: 'S3All', actions: ['s3:*'], resources: ['arn:aws:s3:::b'] }, 'iam/action-format'],
    [{ sid: 'Everywhere', actions: ['dynamodb:GetItem'], resources: ['*'] }, 'iam/wildcard-resource'],
    [{ sid: 'Empty', actions: [], resources: [] }, 'iam/not-empty'],
    [{ sid: 'bad-sid', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }, 'iam/sid-format'],
    [{ sid: 'AnyApi', actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:123456789012:*/v1/GET/jobs'] }, 'iam/execute-api-scope'],
    [{ sid: 'AnyStage', actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/jobs'] }, 'iam/execute-api-scope'],
    [{ sid: 'AnyMethod', actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/*/jobs'] }, 'iam/execute-api-scope'],
    [{ sid: 'WholeApi', actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*'] }, 'iam/execute-api-scope'],
    [{ sid: 'PartialSegment', actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/jobs*'] }, 'iam/execute-api-scope'],
  ])('refuses %j (%s)', (statement, ruleId) => {
    const { role: worker } = role();
    const message = errorOf(() => worker.addToPrincipalPolicy(statement));
    expect(message).toContain(`[${ruleId}]`);
    expect(message).toContain("LeastPrivilegeRole at 'TapStack/Worker'");
  });

  it.each([
    ['a table wildcard', ['dynamodb:GetItem'], 'arn:aws:dynamodb:us-east-1:123456789012:table/*'],
    ['every index of a table', ['dynamodb:Query'], 'arn:aws:dynamodb:us-east-1:123456789012:table/jobs/index/*'],
    ['a wildcard region', ['dynamodb:GetItem'], 'arn:aws:dynamodb:*:123456789012:table/jobs'],
    ['every bucket', ['s3:GetObject'], 'arn:aws:s3:::*'],
    ['every log group, for a non-log action', ['s3:GetObject'], 'arn:aws:logs:us-east-1:123456789012:log-group:*'],
    ['every function', ['lambda:InvokeFunction'], 'arn:aws:lambda:us-east-1:123456789012:function:*'],
    ['a ? wildcard', ['sns:Publish'], 'arn:aws:sns:us-east-1:123456789012:topic-?'],
    ['log streams, for an action outside the allowance', ['logs:DeleteLogGroup'], 'arn:aws:logs:us-east-1:123456789012:log-group:g:*'],
  ])('refuses a resource ARN with a wildcard segment: %s', (_what, actions, resource) => {
    const { role: worker } = role();
    const message = errorOf(() => worker.addToPrincipalPolicy({ sid: 'Wild', actions, resources: [resource] }));
    expect(message).toContain('[iam/wildcard-resource-segment]');
    expect(message).toContain(resource);
  });

  it('refuses a wildcard after a deploy-time ARN, as it will synthesize', () => {
    const { stack, role: worker } = role();
    const table = new DynamodbTable(stack, 'T', { name: 't', hashKey: 'pk', attribute: [{ name: 'pk', type: 'S' }] });
    const message = errorOf(() => worker.addToPrincipalPolicy({ sid: 'Indexes', actions: ['dynamodb:Query'], resources: [`${table.arn}/index/*`] }));
    expect(message).toContain('[iam/wildcard-resource-segment]');
    expect(message).toContain('${aws_dynamodb_table.T.arn}/index/*');
  });

  it.each(WILDCARD_RESOURCE_ALLOWANCES.map((a) => [a.id, a] as const))('states why the allowance %s exists', (_id, allowance) => {
    expect(allowance.reason.length).toBeGreaterThan(20);
    expect(allowance.actions.length).toBeGreaterThan(0);
  });

  it.each([
    ['the streams of one log group', ['logs:CreateLogStream', 'logs:PutLogEvents'], 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*'],
    ['the versions of one function', ['lambda:InvokeFunction'], 'arn:aws:lambda:us-east-1:123456789012:function:f:*'],
    ['the objects of one bucket', ['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::b/*'],
    ['the objects under a prefix', ['s3:GetObject'], 'arn:aws:s3:::b/exports/*'],
    ['API Gateway account log groups', ['logs:CreateLogGroup', 'logs:PutLogEvents'], 'arn:aws:logs:us-east-1:123456789012:log-group:*'],
  ])('accepts a wildcard segment an allowance covers: %s', (_what, actions, resource) => {
    const { role: worker } = role();
    expect(() => worker.addToPrincipalPolicy({ sid: 'Allowed', actions, resources: [resource] })).not.toThrow();
  });

  it('lets * stand in an execute-api ARN only for a whole path segment (a path parameter)', () => {
    const { role: worker } = role();
    const api = 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5';
    expect(() =>
      worker.addToPrincipalPolicy({ sid: 'Jobs', actions: ['execute-api:Invoke'], resources: [`${api}/v1/GET/jobs/*`, `${api}/v1/POST/jobs`, `${api}/v1/GET/jobs/*/tags/*`] }),
    ).not.toThrow();
  });

  it('trusts an AWS account when asked, for roles people and other roles assume', () => {
    const { stack } = newStack();
    new LeastPrivilegeRole(stack, 'Client', { assumedBy: { accountId: '123456789012' } });
    const trust = Object.entries(synth(stack).json.data.aws_iam_policy_document).find(([k]) => k.startsWith('Client_TrustPolicy'))?.[1];
    // In the deploying partition, never a literal arn:aws: (aws-cn, aws-us-gov).
    expect(trust?.statement[0].principals).toEqual([{ type: 'AWS', identifiers: ['arn:${data.aws_partition.Partition.partition}:iam::123456789012:root'] }]);
    expect(errorOf(() => new LeastPrivilegeRole(stack, 'Bad', { assumedBy: { accountId: 'my-alias' } }))).toContain('must be a 12-digit AWS account id');
  });

  it('lets * resources through only for actions AWS requires them for', () => {
    const { role: worker } = role();
    expect(() => worker.addToPrincipalPolicy({ sid: 'Traces', actions: ['xray:PutTraceSegments'], resources: ['*'] })).not.toThrow();
  });

  it('accepts the same grant twice but not two grants under one sid', () => {
    const { role: worker } = role();
    const grant = { sid: 'Read', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] };
    worker.addToPrincipalPolicy(grant);
    worker.addToPrincipalPolicy(grant);
    expect(worker.grantedStatements).toHaveLength(1);
    expect(errorOf(() => worker.addToPrincipalPolicy({ ...grant, resources: ['arn:aws:s3:::other/*'] }))).toContain('already used');
  });

  it('puts statements added after construction into the synthesized policy', () => {
    const { stack, role: worker } = role();
    worker.addToPrincipalPolicy({ sid: 'First', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] });
    worker.addToPrincipalPolicy({ sid: 'Second', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'] });
    const doc = Object.entries(synth(stack).json.data.aws_iam_policy_document).find(([k]) => k.startsWith('Worker_PolicyDocument'))?.[1];
    expect(doc?.statement.map((s: { sid: string }) => s.sid)).toEqual(['First', 'Second']);
  });
});
