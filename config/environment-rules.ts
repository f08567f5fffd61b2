import { BUCKET_NAME_RULES } from '../constructs/internal/name-rules';
import { validateName } from '../constructs/internal/name-rules';
import { GuardValidationError, Rule, Violation, checkRules, violation } from '../constructs/internal/validation';
import { BOOTSTRAP_STACK_ID, EnvironmentConfig, StateBucketConfig } from './environments';

/**
 * Rules over the environment list: each environment on its own, then the
 * checks that keep environments from colliding (names, state, account-wide settings).
 */

const ACCOUNT_ID = /^\d{12}$/;
// us-east-1, eu-central-2, us-gov-west-1, us-isof-south-1 ...
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** Lowercase so every derived name (bucket names included) is valid; short so derived names stay readable. */
const NAME_PREFIX = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;
const ENVIRONMENT_NAME = /^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/;

export const ENVIRONMENT_RULES: readonly Rule<EnvironmentConfig>[] = [
  {
    id: 'environment/name',
    field: 'name',
    pick: (e) => e.name,
    requirement: "be 1 to 16 lowercase letters, digits or '-', starting with a letter",
    check: (e) => ENVIRONMENT_NAME.test(e.name),
    fix: 'rename the environment, e.g. "dev", "staging", "prod"',
  },
  {
    id: 'environment/account-id',
    field: 'accountId',
    pick: (e) => e.accountId,
    requirement: 'be a 12-digit AWS account id (a string, leading zeros kept)',
    check: (e) => ACCOUNT_ID.test(e.accountId),
    fix: 'copy the id from `aws sts get-caller-identity --query Account`',
  },
  {
    id: 'environment/region',
    field: 'region',
    pick: (e) => e.region,
    requirement: 'be an AWS region name such as "us-east-1"',
    check: (e) => REGION.test(e.region),
    fix: 'use the region code, not its display name',
  },
  {
    id: 'environment/name-prefix',
    field: 'namePrefix',
    pick: (e) => e.namePrefix,
    requirement: "be 2 to 24 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit",
    check: (e) => NAME_PREFIX.test(e.namePrefix) && !e.namePrefix.includes('--'),
    fix: 'use a prefix like "tapstack-prod" (it becomes the stack id and starts every derived name)',
  },
  {
    id: 'environment/concurrency-quota',
    field: 'lambdaConcurrencyQuota',
    pick: (e) => e.lambdaConcurrencyQuota,
    requirement: 'be a whole number of at least 1',
    check: (e) => Number.isInteger(e.lambdaConcurrencyQuota) && e.lambdaConcurrencyQuota >= 1,
    fix: 'read it from Service Quotas: `aws service-quotas get-service-quota --service-code lambda --quota-code L-B99A9384`',
  },
];

const STATE_KEY_RULES: readonly Rule<string>[] = [
  {
    id: 'state/key',
    requirement: "be a relative object key (not empty, no leading '/')",
    check: (key) => key.length > 0 && !key.startsWith('/'),
    fix: 'use the default key, `stateKeyOf(<environment name>)`',
  },
];

function validateEnvironment(environment: EnvironmentConfig): Violation[] {
  const at = (v: Violation): Violation => ({ ...v, field: `environments[${environment.name}].${v.field}` });
  const violations = checkRules('environment', environment, ENVIRONMENT_RULES);
  const backend = environment.backend;
  if (backend.type === 's3') {
    violations.push(...validateName('backend.bucket', backend.bucket, BUCKET_NAME_RULES));
    violations.push(...checkRules('backend.key', backend.key, STATE_KEY_RULES));
    if (!REGION.test(backend.region)) {
      violations.push(violation('environment/region', 'backend.region', backend.region, 'be an AWS region name such as "us-east-1"', 'give the state bucket\'s region'));
    }
  }
  return violations.map(at);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

const names = (environments: readonly EnvironmentConfig[]): string => environments.map((e) => e.name).join(', ');

/** Checks across environments: what two environments must never share. */
function validateCollisions(environments: readonly EnvironmentConfig[]): Violation[] {
  const violations: Violation[] = [];
  for (const group of groupBy(environments, (e) => e.name)) {
    if (group.length > 1) {
      violations.push(violation('environments/unique-name', 'name', group[0].name, 'be unique', 'rename one of the environments'));
    }
  }
  for (const group of groupBy(environments, (e) => e.namePrefix.toLowerCase())) {
    if (group.length > 1) {
      violations.push(
        violation('environments/unique-name-prefix', `environments[${names(group)}].namePrefix`, group[0].namePrefix, 'be unique: it is the stack id and starts every resource name', 'give each environment its own prefix'),
      );
    }
  }
  for (const environment of environments) {
    if (environment.namePrefix === BOOTSTRAP_STACK_ID) {
      violations.push(
        violation('environments/unique-name-prefix', `environments[${environment.name}].namePrefix`, environment.namePrefix, `differ from the bootstrap stack's id`, 'choose another prefix'),
      );
    }
  }
  const s3 = environments.filter((e) => e.backend.type === 's3');
  for (const group of groupBy(s3, (e) => (e.backend.type === 's3' ? `${e.backend.bucket}/${e.backend.key}` : ''))) {
    if (group.length > 1) {
      violations.push(
        violation('environments/unique-state-key', `environments[${names(group)}].backend`, group[0].backend, 'give each environment its own state object: two stacks writing one state destroy each other', 'use `stateKeyOf(<environment name>)` as the key'),
      );
    }
  }
  // Account-wide settings: what environments sharing an account and region share.
  for (const group of groupBy(environments, (e) => `${e.accountId}/${e.region}`)) {
    if (group.length < 2) continue;
    const where = `account ${group[0].accountId} in ${group[0].region}`;
    const quotas = [...new Set(group.map((e) => e.lambdaConcurrencyQuota))];
    if (quotas.length > 1) {
      violations.push(
        violation('environments/one-concurrency-quota', `environments[${names(group)}].lambdaConcurrencyQuota`, quotas, `be the same for every environment in ${where}: the quota is the account's`, 'declare the account\'s one quota in each of them'),
      );
    }
    const owners = group.filter((e) => e.manageApiGatewayAccount);
    if (owners.length > 1) {
      violations.push(
        violation('environments/one-logging-role-owner', `environments[${names(owners)}].manageApiGatewayAccount`, true, `be true for at most one environment in ${where}: the API Gateway logging role is one setting per account and region`, 'set manageApiGatewayAccount: false on all but one of them'),
      );
    }
  }
  return violations;
}

function validateStateBucket(bucket: StateBucketConfig): Violation[] {
  const violations = validateName('bucketName', bucket.bucketName, BUCKET_NAME_RULES);
  if (!ACCOUNT_ID.test(bucket.accountId)) {
    violations.push(violation('environment/account-id', 'accountId', bucket.accountId, 'be a 12-digit AWS account id', 'give the account that holds the state'));
  }
  if (!REGION.test(bucket.region)) {
    violations.push(violation('environment/region', 'region', bucket.region, 'be an AWS region name such as "us-east-1"', "give the state bucket's region"));
  }
  return violations.map((v) => ({ ...v, field: `STATE_BUCKET.${v.field}` }));
}

/** Every problem in the environment list and the state bucket, not only the first. */
export function validateEnvironments(environments: readonly EnvironmentConfig[], stateBucket: StateBucketConfig): Violation[] {
  return [...environments.flatMap(validateEnvironment), ...validateCollisions(environments), ...validateStateBucket(stateBucket)];
}

/** Throws, listing every problem, when the environment list is invalid. */
export function assertValidEnvironments(environments: readonly EnvironmentConfig[], stateBucket: StateBucketConfig): void {
  const violations = validateEnvironments(environments, stateBucket);
  if (violations.length > 0) throw new GuardValidationError('Environment config', 'config/environments.ts', violations);
}
