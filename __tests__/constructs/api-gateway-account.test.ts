import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ApiGatewayAccount } from '../../constructs/api-gateway-account';
import { LambdaRestApi, LambdaRestApiProps } from '../../constructs/lambda-rest-api';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { ECHO_ENTRY, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function setup() {
  const { stack } = newStack();
  const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}) });
  const api = (props: Partial<LambdaRestApiProps> = {}) =>
    new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/items', handler }], ...props });
  return { stack, handler, api };
}

describe('ApiGatewayAccount (one setting per account and region)', () => {
  it('shares one account setting between the APIs of a stack, with reset_on_delete and a partition-built log ARN', () => {
    const { stack, handler, api } = setup();
    api();
    new LambdaRestApi(stack, 'Second', { routes: [{ method: 'GET', path: '/other', handler }] });
    const { json } = synth(stack);
    const setting = onlyResource(json, 'aws_api_gateway_account');
    expect(setting.reset_on_delete).toBe(true);
    expect(setting.cloudwatch_role_arn).toMatch(/^\$\{aws_iam_role\.ApiGatewayAccount_CloudWatchRole_\w+\.arn\}$/);
    expect(Object.values(json.resource.aws_api_gateway_stage).every((s) => s.depends_on?.[0]?.startsWith('aws_api_gateway_account.'))).toBe(true);
    const doc = Object.entries(json.data.aws_iam_policy_document).find(([key]) => key.startsWith('ApiGatewayAccount_CloudWatchRole_PolicyDocument'))?.[1];
    expect(doc?.statement[0].resources).toEqual([
      // The provider's literal region; the account is read at plan (the provider pins none).
      '${data.aws_partition.Partition.partition}:logs:us-east-1:${data.aws_caller_identity.CallerIdentity.account_id}:log-group:*'.replace(/^/, 'arn:'),
    ]);
    expect(JSON.stringify(json)).not.toContain('arn:aws:logs');
  });

  it('refuses two stacks of one app managing the setting of the same account and region, naming both', () => {
    const app = Testing.app();
    const stacks = ['Blue', 'Green'].map((name) => {
      const stack = new TerraformStack(app, name);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}) });
      new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/items', handler }] });
      return stack;
    });
    const message = errorOf(() => Testing.synth(stacks[1], true));
    expect(message).toContain("at 'Green/ApiGatewayAccount/Setting' has 1 problem:\n  - [api-gateway-account/once-per-account-and-region]");
    expect(message).toContain("an account no provider pins (allowed_account_ids unset) in eu-west-1: 'Blue/ApiGatewayAccount/Setting' manages it too");
    expect(message).toContain('manageApiGatewayAccount: false');
    expect(message).toContain('allowed_account_ids');
    // Synthesizing either stack alone shows it (both are involved); app.synth() reports it once.
    expect(errorOf(() => Testing.synth(stacks[0], true))).toContain("'Blue/ApiGatewayAccount/Setting' manages it too");
    const appMessage = errorOf(() => app.synth());
    expect(appMessage.match(/\[api-gateway-account\/once-per-account-and-region\]/g)).toHaveLength(1);
  });

  it('allows one setting per stack when the stacks deploy to different accounts or regions', () => {
    const app = Testing.app();
    const stacks = [
      ['Prod', { region: 'eu-west-1', allowedAccountIds: ['111111111111'] }],
      ['Staging', { region: 'eu-west-1', allowedAccountIds: ['222222222222'] }],
      ['Dr', { region: 'eu-central-1', allowedAccountIds: ['111111111111'] }],
    ].map(([name, config]) => {
      const stack = new TerraformStack(app, name as string);
      new AwsProvider(stack, 'aws', config as { region: string });
      const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}) });
      new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/items', handler }] });
      return stack;
    });
    stacks.forEach((stack) => expect(() => Testing.synth(stack, true)).not.toThrow());
  });

  it('is made once per stack, however often it is asked for', () => {
    const { stack } = newStack();
    expect(ApiGatewayAccount.of(stack)).toBe(ApiGatewayAccount.of(stack));
    expect(Object.keys(synth(stack).json.resource.aws_api_gateway_account)).toHaveLength(1);
  });
});
