import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { DeploymentTarget, UNKNOWN, providerTargetsOf } from './deployment-target';
import { accountIdOf, partitionOf, regionOf } from './stack-context';
import { resolveForSynth } from './synthesized';

/**
 * The one way the constructs build ARNs: the partition always from the
 * provider (`data.aws_partition`, never a literal `arn:aws:`), and the account
 * and region the stack's default AWS provider pins as literals where it does
 * (`allowed_account_ids` with one account, `region`), else the deploying
 * account and region read at plan. Which account and region a provider
 * deploys to is the deployment-target model's answer, not worked out here.
 */
export interface ArnComponents {
  /**
   * The partition, when known from elsewhere (a literal ARN the new one derives from).
   * @default the deploying partition (`data.aws_partition`)
   */
  readonly partition?: string;
  /** The service namespace, e.g. `lambda`, `s3`, `iam`. */
  readonly service: string;
  /**
   * The region; `''` for services whose ARNs have none (S3, IAM).
   * @default the stack's region
   */
  readonly region?: string;
  /**
   * The account; `''` for ARNs without one (S3 buckets).
   * @default the stack's account
   */
  readonly account?: string;
  /** Everything after the account, e.g. `function:my-fn`. */
  readonly resource: string;
}

/** An ARN in the partition the stack deploys to. */
export function formatArn(scope: IConstruct, components: ArnComponents): string {
  const pinned = pinnedTargetOf(scope);
  const region = components.region ?? pinned.region ?? regionOf(scope);
  const account = components.account ?? pinned.account ?? accountIdOf(scope);
  return `arn:${components.partition ?? partitionOf(scope)}:${components.service}:${region}:${account}:${components.resource}`;
}

/** The ARN that names a whole account as an IAM principal: `arn:<partition>:iam::<account>:root`. */
export function accountPrincipalArn(scope: IConstruct, account?: string): string {
  return formatArn(scope, { service: 'iam', region: '', account, resource: 'root' });
}

/** The parts of a literal ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`); undefined for anything else. */
export function parseArn(arn: string): (Required<ArnComponents>) | undefined {
  if (Token.isUnresolved(arn)) return undefined;
  const match = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(arn);
  return match ? { partition: match[1], service: match[2], region: match[3], account: match[4], resource: match[5] } : undefined;
}

/** The account and region the stack's default AWS provider states as literals (each undefined when it does not). */
export function pinnedTargetOf(scope: IConstruct): { readonly account?: string; readonly region?: string } {
  const target = defaultProviderTarget(TerraformStack.of(scope));
  if (!target) return {};
  return {
    account: target.accounts !== UNKNOWN && target.accounts.length === 1 ? target.accounts[0] : undefined,
    region: target.region !== UNKNOWN ? target.region : undefined,
  };
}

function defaultProviderTarget(stack: TerraformStack): DeploymentTarget | undefined {
  const provider = stack.node
    .findAll()
    .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined && TerraformStack.of(c) === stack);
  if (!provider) return undefined;
  const json = resolveForSynth(stack, provider.toTerraform()) as Readonly<Record<string, unknown>>;
  return providerTargetsOf(json).get('aws');
}
