import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Stack-wide data sources, created once per stack on first use, with fixed ids
 * so tests (and `override_data` in the offline plan) can name them.
 */
export const CALLER_IDENTITY_ID = 'CallerIdentity';
export const REGION_ID = 'Region';
export const PARTITION_ID = 'Partition';

function singleton<T extends IConstruct>(scope: IConstruct, id: string, create: (stack: TerraformStack) => T): T {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack);
}

/** The deploying account's id: a deploy-time value (12 digits). */
export function accountIdOf(scope: IConstruct): string {
  return singleton(scope, CALLER_IDENTITY_ID, (stack) => new DataAwsCallerIdentity(stack, CALLER_IDENTITY_ID)).accountId;
}

/** The provider's region name: a deploy-time value (at most 14 characters today). */
export function regionOf(scope: IConstruct): string {
  return singleton(scope, REGION_ID, (stack) => new DataAwsRegion(stack, REGION_ID)).name;
}

/** The provider's partition (`aws`, `aws-cn`, `aws-us-gov`, ...): build ARNs from it, never from a literal `arn:aws:`. */
export function partitionOf(scope: IConstruct): string {
  return singleton(scope, PARTITION_ID, (stack) => new DataAwsPartition(stack, PARTITION_ID)).partition;
}
