import type { JobAlarmSettings } from '../stacks/tap-stack';
import type { StateBackendConfig } from '../stacks/state-backend';

/**
 * The environments `main.ts` builds, one TapStack each (`cdktf deploy tapstack-prod`).
 * Edit this file to adopt the project: put your account ids, regions and state bucket here.
 * The values below are examples (the account ids are placeholders, so a deploy stops
 * at `allowed_account_ids` until they are yours).
 */

/** The `project` tag on every resource. */
export const PROJECT = 'tapstack';
/** The `managed-by` tag on every resource. */
export const MANAGED_BY = 'cdktf';

/** The bucket that holds every environment's Terraform state; created by the bootstrap stack (deploy it first). */
export interface StateBucketConfig {
  /** Account the bucket lives in (the bootstrap stack refuses other credentials). */
  readonly accountId: string;
  readonly region: string;
  /** Exact bucket name: S3 bucket names are global, so include something unique to you. */
  readonly bucketName: string;
}

export interface EnvironmentConfig {
  /** Short name, used in the `environment` tag and the state key: lowercase letters, digits and `-`. */
  readonly name: string;
  /** The only AWS account this environment deploys to (the provider's `allowed_account_ids`). */
  readonly accountId: string;
  readonly region: string;
  /**
   * The stack id (`cdktf deploy <namePrefix>`) and so the start of every name the
   * constructs derive (`tapstack-prod-Api`, `tapstack-prod-lambda-code-…`).
   * Unique across environments, so two environments in one account never share a name.
   */
  readonly namePrefix: string;
  /**
   * Tags added to `project`, `environment` and `managed-by` on every resource.
   * @default none
   */
  readonly extraTags?: Readonly<Record<string, string>>;
  /** The account's Lambda concurrency quota in this region (Service Quotas `L-B99A9384`). */
  readonly lambdaConcurrencyQuota: number;
  /** Keep the jobs table from being deleted (off lets `cdktf destroy` remove it). */
  readonly tableDeletionProtection: boolean;
  /**
   * Whether this stack sets the account's API Gateway CloudWatch role (one per account
   * and region): true for at most one environment per account and region, false where
   * the platform already manages it.
   */
  readonly manageApiGatewayAccount: boolean;
  /** Where this environment's state lives. */
  readonly backend: StateBackendConfig;
  /**
   * CloudWatch alarms on the workflow, functions, API and table.
   * @default on, with the thresholds documented in `constructs/service-alarms.ts`
   */
  readonly alarms?: JobAlarmSettings;
}

/** Example: a shared tooling account holds the state of every environment. */
export const STATE_BUCKET: StateBucketConfig = {
  accountId: '333333333333',
  region: 'us-east-1',
  bucketName: 'tapstack-terraform-state-333333333333',
};

/** The state object key of an environment: one per environment, in the one state bucket. */
export function stateKeyOf(environmentName: string): string {
  return `${PROJECT}/${environmentName}/terraform.tfstate`;
}

function s3Backend(environmentName: string): StateBackendConfig {
  return { type: 's3', bucket: STATE_BUCKET.bucketName, region: STATE_BUCKET.region, key: stateKeyOf(environmentName) };
}

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    name: 'dev',
    accountId: '111111111111',
    region: 'us-east-1',
    namePrefix: 'tapstack-dev',
    lambdaConcurrencyQuota: 1000,
    tableDeletionProtection: false,
    manageApiGatewayAccount: true,
    backend: s3Backend('dev'),
    // Dev sees cold starts more often than traffic: a looser latency alarm.
    alarms: { thresholds: { apiLatencyP99Ms: 5000 } },
  },
  {
    name: 'prod',
    accountId: '222222222222',
    region: 'eu-west-1',
    namePrefix: 'tapstack-prod',
    extraTags: { owner: 'platform-team' },
    lambdaConcurrencyQuota: 1000,
    tableDeletionProtection: true,
    manageApiGatewayAccount: true,
    backend: s3Backend('prod'),
  },
];

/** The id of the stack that creates the state bucket. */
export const BOOTSTRAP_STACK_ID = `${PROJECT}-bootstrap`;

/** Tags every resource of an environment gets through the provider's `default_tags`. */
export function defaultTagsOf(environment: EnvironmentConfig): Record<string, string> {
  // The three required tags win over an extra tag of the same name.
  return { ...environment.extraTags, project: PROJECT, environment: environment.name, 'managed-by': MANAGED_BY };
}

/** The environment `npm run local` and `npm run bench` synthesize and run (`TAPSTACK_ENVIRONMENTS=dev`). */
export const LOCAL_ENVIRONMENT = 'dev';

/** The environment called `name`; an unknown name is an error listing the known ones. */
export function environmentNamed(name: string): EnvironmentConfig {
  const environment = ENVIRONMENTS.find((e) => e.name === name);
  if (!environment) throw new Error(`No environment "${name}" in config/environments.ts; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}.`);
  return environment;
}
