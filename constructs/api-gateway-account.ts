import { ApiGatewayAccount as ApiGatewayAccountResource } from '@cdktf/provider-aws/lib/api-gateway-account';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { LeastPrivilegeRole } from './least-privilege-role';
import { formatArn } from './internal/arn';

/** The actions API Gateway itself uses to write execution and access logs (see ACTIONS_USED_BY_AWS_ON_BEHALF). */
export const API_GATEWAY_LOGGING_ACTIONS = [
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
] as const;

const SETTING_ID = 'ApiGatewayAccount';

/**
 * The account-wide API Gateway setting (`aws_api_gateway_account`): the
 * CloudWatch role API Gateway logs through, without which a stage with access
 * logs fails to deploy. AWS keeps one per account and region, so this
 * construct exists at most once per stack ({@link ApiGatewayAccount.of}), and
 * synth fails when two stacks of one app would manage it for the same account
 * and region. Destroying it resets the setting (`reset_on_delete`), so the
 * account never points at a deleted role.
 *
 * @example
 * ApiGatewayAccount.of(stack); // shared by every LambdaRestApi of the stack
 */
export class ApiGatewayAccount extends Construct {
  /** The stack's setting, created on first use. */
  public static of(scope: IConstruct): ApiGatewayAccount {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(SETTING_ID) as ApiGatewayAccount | undefined) ?? new ApiGatewayAccount(stack, SETTING_ID);
  }

  public readonly role: LeastPrivilegeRole;
  public readonly setting: ApiGatewayAccountResource;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new LeastPrivilegeRole(this, 'CloudWatchRole', { assumedBy: 'apigateway.amazonaws.com' });
    // Used by API Gateway itself to write logs: see ACTIONS_USED_BY_AWS_ON_BEHALF.
    this.role.addToPrincipalPolicy({
      sid: 'WriteApiGatewayLogs',
      actions: [...API_GATEWAY_LOGGING_ACTIONS],
      resources: [formatArn(this, { service: 'logs', resource: 'log-group:*' })],
    });
    this.setting = new ApiGatewayAccountResource(this, 'Setting', {
      cloudwatchRoleArn: this.role.roleArn,
      resetOnDelete: true,
      dependsOn: [this.role.policyDependable],
    });
    this.node.addValidation({ validate: () => this.duplicatesInApp() });
  }

  /** Another stack of the app managing the same account and region's setting: the last to apply would win. */
  private duplicatesInApp(): string[] {
    const key = accountRegionKey(this);
    if (key === undefined) return [];
    const others = this.node.root.node
      .findAll()
      .filter((c): c is ApiGatewayAccount => c instanceof ApiGatewayAccount && c !== this && accountRegionKey(c) === key);
    return others
      .filter((other) => other.node.path < this.node.path)
      .map(
        (other) =>
          `[api-gateway-account/once-per-account-and-region] '${this.node.path}' and '${other.node.path}' both manage the ` +
          `API Gateway account setting of ${key}; AWS keeps one per account and region, so each apply would overwrite the other. ` +
          'Fix: let one stack manage it and turn it off in the others (TapStack manageApiGatewayAccount: false, ' +
          'LambdaRestApi manageAccountLoggingRole: false).',
      );
  }
}

/**
 * What identifies the account and region of the stack's default AWS provider
 * at synth: its region and whatever selects the account (profile, assumed
 * role, allowed account ids). Undefined when a deploy-time value is involved,
 * since two stacks cannot then be proven to share them.
 */
function accountRegionKey(scope: IConstruct): string | undefined {
  const stack = TerraformStack.of(scope);
  const provider = stack.node.findAll().find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  if (!provider) return undefined;
  const parts = {
    region: provider.region ?? '(region from the environment)',
    profile: provider.profile,
    assumeRole: provider.assumeRole,
    allowedAccountIds: provider.allowedAccountIds,
  };
  const text = JSON.stringify(parts);
  if (Token.isUnresolved(text) || /\$\{/.test(text)) return undefined;
  const account =
    provider.allowedAccountIds?.join(', ') ??
    (provider.assumeRole ? `the account of ${JSON.stringify(provider.assumeRole)}` : provider.profile ? `profile ${provider.profile}` : 'the default credentials');
  return `${account} in ${parts.region}`;
}
