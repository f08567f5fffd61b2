import { ApiGatewayAccount as ApiGatewayAccountResource } from '@cdktf/provider-aws/lib/api-gateway-account';
import { TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { LeastPrivilegeRole } from './least-privilege-role';
import { formatArn } from './internal/arn';
import { installDeploymentChecks } from './internal/deployment-guard';

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
 * synth fails when two settings of one app may land in the same account and
 * region (by the providers' literal `region`, `allowed_account_ids` and
 * `assume_role`: unpinned ones are assumed to share one). Destroying it resets
 * the setting (`reset_on_delete`), so the account never points at a deleted role.
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
    // Two settings of one account and region (across the app's stacks) are refused by the deployment check.
    installDeploymentChecks(this);
  }
}
