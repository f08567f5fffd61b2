import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { ServiceAlarms } from '../../constructs/service-alarms';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { resolvedText } from '../../constructs/internal/synthesized';
import { guardErrorOf, newStack, synth } from '../helpers/stacks';

const ARN = 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:orders-api';

function invokeStatement(role: LeastPrivilegeRole) {
  return role.grantedStatements.find((s) => s.actions.includes('lambda:InvokeFunction'));
}

describe('UnreservedFunction.fromFunctionArn / fromFunctionName: functions a team already has', () => {
  it('reads the name from a literal ARN, and builds the API Gateway integration ARN in its partition and region', () => {
    const { stack } = newStack();
    const fn = UnreservedFunction.fromFunctionArn(stack, 'Orders', ARN);
    expect(fn.functionName).toBe('orders-api');
    expect(fn.invokeArn).toBe(`arn:aws-us-gov:apigateway:us-gov-west-1:lambda:path/2015-03-31/functions/${ARN}/invocations`);
  });

  it('grants invoke on the function and its versions, or on exactly the version or alias a qualified ARN names', () => {
    const { stack } = newStack();
    const role = new LeastPrivilegeRole(stack, 'Caller', { assumedBy: 'lambda.amazonaws.com' });
    expect(UnreservedFunction.fromFunctionArn(stack, 'Orders', ARN).grantInvoke(role).resources).toEqual([ARN, `${ARN}:*`]);
    expect(UnreservedFunction.fromFunctionArn(stack, 'Live', `${ARN}:live`).grantInvoke(role).resources).toEqual([`${ARN}:live`]);
    expect(invokeStatement(role)?.sid).toBe('InvokeOrders');
  });

  it('refuses a literal ARN that is not a function ARN, and a name Lambda would refuse', () => {
    const { stack } = newStack();
    expect(guardErrorOf(() => UnreservedFunction.fromFunctionArn(stack, 'Bad', 'arn:aws:lambda:us-east-1:123456789012:layer:x')).violations[0]).toMatchObject({
      ruleId: 'function/import-arn',
      field: 'functionArn',
    });
    const badName = guardErrorOf(() => UnreservedFunction.fromFunctionName(stack, 'BadName', 'orders api'));
    expect(badName.constructPath).toBe('TapStack/BadName');
    expect(badName.violations.map((v) => v.ruleId)).toEqual(['function-name/charset']);
  });

  it('takes a deploy-time ARN, reading the name from it at plan', () => {
    const { stack } = newStack();
    const arn = new TerraformVariable(stack, 'fn_arn', { type: 'string' });
    const fn = UnreservedFunction.fromFunctionArn(stack, 'FromVar', arn.stringValue);
    expect(resolvedText(stack, fn.functionName)).toBe('${element(split(":", var.fn_arn), 6)}');
  });

  it("builds an ARN from a name with the stack's pinned account and region, in the deploying partition", () => {
    const stack = new TerraformStack(Testing.app(), 'Pinned');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: ['111111111111'] });
    const fn = UnreservedFunction.fromFunctionName(stack, 'Orders', 'orders-api');
    expect(resolvedText(stack, fn.functionArn)).toBe('arn:${data.aws_partition.Partition.partition}:lambda:eu-west-1:111111111111:function:orders-api');
    // Unpinned: the account and region the credentials reach, read at plan.
    const { stack: open } = newStack('Open');
    const unpinned = UnreservedFunction.fromFunctionName(open, 'Orders', 'orders-api');
    expect(resolvedText(open, unpinned.functionArn)).toBe(
      'arn:${data.aws_partition.Partition.partition}:lambda:us-east-1:${data.aws_caller_identity.CallerIdentity.account_id}:function:orders-api',
    );
  });

  it('works wherever a function is taken: an API route (with its invoke permission) and alarms', () => {
    const { stack } = newStack();
    const fn = UnreservedFunction.fromFunctionArn(stack, 'Orders', 'arn:aws:lambda:us-east-1:123456789012:function:orders-api');
    new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/orders', handler: fn }] });
    new ServiceAlarms(stack, 'Alarms', { functions: [fn] });
    const { json } = synth(stack);
    const permission = Object.values(json.resource.aws_lambda_permission)[0];
    expect(permission).toMatchObject({ function_name: 'orders-api', principal: 'apigateway.amazonaws.com' });
    expect(JSON.stringify(json.locals)).toContain('arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders-api/invocations');
    expect(Object.values(json.resource.aws_cloudwatch_metric_alarm).map((a) => a.dimensions)).toContainEqual({ FunctionName: 'orders-api' });
  });
});
