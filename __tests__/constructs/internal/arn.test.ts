import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { accountPrincipalArn, formatArn, parseArn, pinnedTargetOf } from '../../../constructs/internal/arn';
import { resolvedText } from '../../../constructs/internal/synthesized';

function stackWith(provider: ConstructorParameters<typeof AwsProvider>[2]) {
  const stack = new TerraformStack(Testing.app(), 'S');
  new AwsProvider(stack, 'aws', provider);
  return stack;
}

const PARTITION = '${data.aws_partition.Partition.partition}';

describe('formatArn: one partition-aware ARN helper', () => {
  it('writes the partition from the provider, and the account and region the provider pins as literals', () => {
    const stack = stackWith({ region: 'cn-north-1', allowedAccountIds: ['111111111111'] });
    expect(resolvedText(stack, formatArn(stack, { service: 'lambda', resource: 'function:f' }))).toBe(`arn:${PARTITION}:lambda:cn-north-1:111111111111:function:f`);
    expect(resolvedText(stack, accountPrincipalArn(stack))).toBe(`arn:${PARTITION}:iam::111111111111:root`);
  });

  it('reads the account of a literal assume_role ARN; several allowed accounts, or a deploy-time region, are read at plan', () => {
    expect(pinnedTargetOf(stackWith({ region: 'eu-west-1', assumeRole: [{ roleArn: 'arn:aws:iam::222222222222:role/deployer' }] }))).toEqual({ account: '222222222222', region: 'eu-west-1' });
    expect(pinnedTargetOf(stackWith({ region: 'eu-west-1', allowedAccountIds: ['111111111111', '222222222222'] }))).toEqual({ account: undefined, region: 'eu-west-1' });
    const stack = new TerraformStack(Testing.app(), 'S');
    new AwsProvider(stack, 'aws', { region: new TerraformVariable(stack, 'region', { type: 'string' }).stringValue });
    expect(resolvedText(stack, formatArn(stack, { service: 's3', region: '', account: '', resource: 'b' }))).toBe(`arn:${PARTITION}:s3:::b`);
    expect(resolvedText(stack, formatArn(stack, { service: 'sns', resource: 't' }))).toBe(
      `arn:${PARTITION}:sns:\${data.aws_region.Region.name}:\${data.aws_caller_identity.CallerIdentity.account_id}:t`,
    );
  });

  it('keeps a partition known from a literal ARN, and parses literal ARNs only', () => {
    const stack = stackWith({ region: 'us-east-1' });
    expect(formatArn(stack, { partition: 'aws-us-gov', service: 'apigateway', region: 'us-gov-west-1', account: 'lambda', resource: 'path/x' })).toBe(
      'arn:aws-us-gov:apigateway:us-gov-west-1:lambda:path/x',
    );
    expect(parseArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live')).toEqual({
      partition: 'aws-cn',
      service: 'lambda',
      region: 'cn-north-1',
      account: '123456789012',
      resource: 'function:f:live',
    });
    expect(parseArn('arn:aws:s3:::bucket')).toMatchObject({ service: 's3', region: '', account: '', resource: 'bucket' });
    expect(parseArn(new TerraformVariable(stack, 'arn', { type: 'string' }).stringValue)).toBeUndefined();
  });
});
