import {
  BOOTSTRAP_STACK_ID,
  ENVIRONMENTS,
  EnvironmentConfig,
  LOCAL_ENVIRONMENT,
  STATE_BUCKET,
  defaultTagsOf,
  environmentNamed,
  stateKeyOf,
} from '../../config/environments';
import { assertValidEnvironments, validateEnvironments } from '../../config/environment-rules';
import { ENVIRONMENTS_ENV_VAR, BACKEND_ENV_VAR, requestedBackend, requestedEnvironments, selectEnvironments } from '../../config/selection';

const base: EnvironmentConfig = {
  name: 'qa',
  accountId: '444444444444',
  region: 'eu-central-1',
  namePrefix: 'tapstack-qa',
  lambdaConcurrencyQuota: 1000,
  tableDeletionProtection: true,
  manageApiGatewayAccount: true,
  backend: { type: 's3', bucket: STATE_BUCKET.bucketName, region: STATE_BUCKET.region, key: stateKeyOf('qa') },
};
const env = (overrides: Partial<EnvironmentConfig>): EnvironmentConfig => ({ ...base, ...overrides });
const ruleIds = (environments: readonly EnvironmentConfig[]) => validateEnvironments(environments, STATE_BUCKET).map((v) => v.ruleId);

describe('the shipped environments', () => {
  it('are valid, dev and prod, in different accounts and regions, with their own prefixes and state keys', () => {
    expect(validateEnvironments(ENVIRONMENTS, STATE_BUCKET)).toEqual([]);
    expect(ENVIRONMENTS.map((e) => e.name)).toEqual(['dev', 'prod']);
    const [dev, prod] = ENVIRONMENTS;
    expect(dev.accountId).not.toBe(prod.accountId);
    expect(dev.region).not.toBe(prod.region);
    expect(dev.namePrefix).toBe('tapstack-dev');
    expect(prod.namePrefix).toBe('tapstack-prod');
    expect(dev.backend).toEqual({ type: 's3', bucket: STATE_BUCKET.bucketName, region: STATE_BUCKET.region, key: 'tapstack/dev/terraform.tfstate' });
    expect(prod.backend).toMatchObject({ key: 'tapstack/prod/terraform.tfstate' });
  });

  it('protect the prod table and let dev be destroyed', () => {
    expect(environmentNamed('prod').tableDeletionProtection).toBe(true);
    expect(environmentNamed('dev').tableDeletionProtection).toBe(false);
  });

  it('run locally as dev', () => {
    expect(environmentNamed(LOCAL_ENVIRONMENT).name).toBe('dev');
    expect(() => environmentNamed('staging')).toThrow('No environment "staging" in config/environments.ts; known: dev, prod.');
  });
});

describe('default tags', () => {
  it('are project, environment and managed-by, plus the extra tags', () => {
    expect(defaultTagsOf(environmentNamed('prod'))).toEqual({ project: 'tapstack', environment: 'prod', 'managed-by': 'cdktf', owner: 'platform-team' });
  });

  it('keep the three required tags when an extra tag has the same key', () => {
    expect(defaultTagsOf(env({ extraTags: { environment: 'oops', team: 'a' } }))).toEqual({ project: 'tapstack', environment: 'qa', 'managed-by': 'cdktf', team: 'a' });
  });
});

describe('environment rules', () => {
  it.each<[string, Partial<EnvironmentConfig>, string]>([
    ['an account id of 11 digits', { accountId: '12345678901' }, 'environment/account-id'],
    ['an account id with a dash', { accountId: '1234-5678-9012' }, 'environment/account-id'],
    ['a region display name', { region: 'US East (N. Virginia)' }, 'environment/region'],
    ['an uppercase name prefix (seed failure 1)', { namePrefix: 'TapStack-qa' }, 'environment/name-prefix'],
    ['a name prefix of 25 characters', { namePrefix: 'a'.repeat(25) }, 'environment/name-prefix'],
    ['a name prefix with a double dash', { namePrefix: 'tap--qa' }, 'environment/name-prefix'],
    ['a name prefix ending with a dash', { namePrefix: 'tapstack-' }, 'environment/name-prefix'],
    ['an environment name with uppercase', { name: 'Prod' }, 'environment/name'],
    ['a fractional concurrency quota', { lambdaConcurrencyQuota: 999.5 }, 'environment/concurrency-quota'],
    ['a zero concurrency quota', { lambdaConcurrencyQuota: 0 }, 'environment/concurrency-quota'],
    ['a state bucket with uppercase', { backend: { type: 's3', bucket: 'TF-State', region: 'us-east-1', key: 'k' } }, 'bucket-name/charset'],
    ['an absolute state key', { backend: { type: 's3', bucket: 'tf-state-bucket', region: 'us-east-1', key: '/qa.tfstate' } }, 'state/key'],
    ['a state bucket region that is no region', { backend: { type: 's3', bucket: 'tf-state-bucket', region: 'virginia', key: 'k' } }, 'environment/region'],
  ])('rejects %s', (_case, overrides, ruleId) => {
    expect(ruleIds([env(overrides)])).toContain(ruleId);
  });

  it.each<[string, Partial<EnvironmentConfig>]>([
    ['a 24-character name prefix', { namePrefix: `t${'a'.repeat(23)}` }],
    ['a GovCloud region', { region: 'us-gov-west-1' }],
    ['a 15-character region', { region: 'us-isof-south-1' }],
    ['an account id with leading zeros', { accountId: '000000000001' }],
    ['a local backend', { backend: { type: 'local' } }],
  ])('accepts %s', (_case, overrides) => {
    expect(validateEnvironments([env(overrides)], STATE_BUCKET)).toEqual([]);
  });

  it('reports every problem at once, naming the environment and the field', () => {
    expect(() => assertValidEnvironments([env({ accountId: 'x', namePrefix: 'X' })], STATE_BUCKET)).toThrow(
      /Environment config at 'config\/environments\.ts' has 2 problems[\s\S]*environments\[qa\]\.accountId "x"[\s\S]*environments\[qa\]\.namePrefix "X"/,
    );
  });

  it('checks the state bucket too', () => {
    expect(validateEnvironments([base], { accountId: '1', region: 'us-east-1', bucketName: 'Bad_Name' }).map((v) => v.field)).toEqual(
      expect.arrayContaining(['STATE_BUCKET.bucketName', 'STATE_BUCKET.accountId']),
    );
  });
});

describe('environments never collide', () => {
  const other = env({ name: 'qa2', namePrefix: 'tapstack-qa2', accountId: '555555555555', backend: { ...base.backend, key: stateKeyOf('qa2') } as EnvironmentConfig['backend'] });

  it('accepts two environments that differ in every shared thing', () => {
    expect(validateEnvironments([base, other], STATE_BUCKET)).toEqual([]);
  });

  it.each<[string, Partial<EnvironmentConfig>, string]>([
    ['the same name', { name: 'qa' }, 'environments/unique-name'],
    ['the same name prefix', { namePrefix: 'tapstack-qa' }, 'environments/unique-name-prefix'],
    ['name prefixes differing only by case', { namePrefix: 'TAPSTACK-QA' }, 'environments/unique-name-prefix'],
    ['the same state object', { backend: base.backend }, 'environments/unique-state-key'],
  ])('refuses %s', (_case, overrides, ruleId) => {
    expect(ruleIds([base, { ...other, ...overrides }])).toContain(ruleId);
  });

  it('refuses a prefix equal to the bootstrap stack id', () => {
    expect(ruleIds([env({ namePrefix: BOOTSTRAP_STACK_ID })])).toContain('environments/unique-name-prefix');
  });

  it('refuses two quotas for one account and region (the quota is the account\'s), naming both environments', () => {
    const violations = validateEnvironments([base, { ...other, accountId: base.accountId, manageApiGatewayAccount: false, lambdaConcurrencyQuota: 500 }], STATE_BUCKET);
    expect(violations).toEqual([expect.objectContaining({ ruleId: 'environments/one-concurrency-quota', field: 'environments[qa, qa2].lambdaConcurrencyQuota', value: [1000, 500] })]);
  });

  it('refuses two owners of the account-wide API Gateway logging role in one account and region', () => {
    expect(ruleIds([base, { ...other, accountId: base.accountId }])).toEqual(['environments/one-logging-role-owner']);
  });

  it('lets one account host two environments in two regions, each owning its region\'s logging role', () => {
    expect(validateEnvironments([base, { ...other, accountId: base.accountId, region: 'eu-west-1', lambdaConcurrencyQuota: 10 }], STATE_BUCKET)).toEqual([]);
  });

  it('lets one account and region host two environments when one leaves the logging role to the other', () => {
    expect(validateEnvironments([base, { ...other, accountId: base.accountId, manageApiGatewayAccount: false }], STATE_BUCKET)).toEqual([]);
  });
});

describe('choosing the environments to build', () => {
  it('builds all when nothing is asked', () => {
    expect(selectEnvironments(ENVIRONMENTS, requestedEnvironments({}, undefined)).map((e) => e.name)).toEqual(['dev', 'prod']);
  });

  it(`reads ${ENVIRONMENTS_ENV_VAR}, comma-separated, keeping the configuration order`, () => {
    expect(requestedEnvironments({ [ENVIRONMENTS_ENV_VAR]: ' prod , dev ' }, undefined)).toEqual(['prod', 'dev']);
    expect(selectEnvironments(ENVIRONMENTS, ['prod', 'dev']).map((e) => e.name)).toEqual(['dev', 'prod']);
  });

  it('reads the context value (a string or a list) when the variable is unset or empty; the variable wins', () => {
    expect(requestedEnvironments({}, 'dev')).toEqual(['dev']);
    expect(requestedEnvironments({ [ENVIRONMENTS_ENV_VAR]: '' }, ['prod'])).toEqual(['prod']);
    expect(requestedEnvironments({ [ENVIRONMENTS_ENV_VAR]: 'dev' }, ['prod'])).toEqual(['dev']);
  });

  it('refuses a list that names nothing', () => {
    expect(() => requestedEnvironments({ [ENVIRONMENTS_ENV_VAR]: ' , ' }, undefined)).toThrow(/TAPSTACK_ENVIRONMENTS .* is " , ": name at least one environment/);
  });

  it('refuses an unknown environment, listing the known ones', () => {
    expect(() => selectEnvironments(ENVIRONMENTS, ['dev', 'prd'])).toThrow('Unknown environment "prd" in TAPSTACK_ENVIRONMENTS (or context "environments"). Known environments (config/environments.ts): dev, prod.');
  });

  it(`reads ${BACKEND_ENV_VAR}: local, or each environment's configured backend`, () => {
    expect(requestedBackend({}, undefined)).toBe('configured');
    expect(requestedBackend({ [BACKEND_ENV_VAR]: 'local' }, undefined)).toBe('local');
    expect(requestedBackend({}, 'local')).toBe('local');
    expect(() => requestedBackend({ [BACKEND_ENV_VAR]: 's3-please' }, undefined)).toThrow(/TAPSTACK_BACKEND .* is "s3-please": use "local"/);
  });
});
