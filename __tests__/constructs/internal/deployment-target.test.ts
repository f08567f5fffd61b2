import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import fc from 'fast-check';
import { installDeploymentChecks } from 'guarded-serverless-stack';
import {
  DeploymentTarget,
  UNKNOWN,
  accountOfRoleArn,
  describeTarget,
  groupByPossibleTarget,
  mayShareAccount,
  mayShareAccountAndRegion,
  providerKeyOf,
  providerTargetsOf,
  targetOfProvider,
  targetOfResource,
} from '../../../constructs/internal/deployment-target';
import { checkDeployment } from '../../../constructs/internal/deployment-checks';

const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';

describe('targetOfProvider', () => {
  it('reads a literal region and allowed_account_ids', () => {
    expect(targetOfProvider('aws', { region: 'eu-west-1', allowed_account_ids: [ACCOUNT_A] })).toEqual({
      provider: 'aws',
      accounts: [ACCOUNT_A],
      region: 'eu-west-1',
    });
  });

  it('reads the account of a literal assume_role ARN, as a block or a list of blocks', () => {
    const arn = `arn:aws:iam::${ACCOUNT_B}:role/deployer`;
    expect(targetOfProvider('aws', { assume_role: { role_arn: arn } }).accounts).toEqual([ACCOUNT_B]);
    expect(targetOfProvider('aws', { assume_role: [{ role_arn: arn }] }).accounts).toEqual([ACCOUNT_B]);
    expect(targetOfProvider('aws', { assume_role: [{ role_arn: `arn:aws-us-gov:iam::${ACCOUNT_B}:role/x` }] }).accounts).toEqual([ACCOUNT_B]);
  });

  it('narrows allowed_account_ids by the assumed role, down to nothing when they disagree', () => {
    const arn = `arn:aws:iam::${ACCOUNT_B}:role/deployer`;
    expect(targetOfProvider('aws', { allowed_account_ids: [ACCOUNT_A, ACCOUNT_B], assume_role: [{ role_arn: arn }] }).accounts).toEqual([ACCOUNT_B]);
    expect(targetOfProvider('aws', { allowed_account_ids: [ACCOUNT_A], assume_role: [{ role_arn: arn }] }).accounts).toEqual([]);
  });

  it('reads a chain of assume_role blocks as the last role, the one the provider deploys as', () => {
    const hop = `arn:aws:iam::${ACCOUNT_A}:role/hop`;
    const last = `arn:aws:iam::${ACCOUNT_B}:role/deployer`;
    expect(targetOfProvider('aws', { assume_role: [{ role_arn: hop }, { role_arn: last }] }).accounts).toEqual([ACCOUNT_B]);
    expect(targetOfProvider('aws', { allowed_account_ids: [ACCOUNT_B], assume_role: [{ role_arn: hop }, { role_arn: last }] }).accounts).toEqual([ACCOUNT_B]);
    expect(targetOfProvider('aws', { allowed_account_ids: [ACCOUNT_A], assume_role: [{ role_arn: hop }, { role_arn: last }] }).accounts).toEqual([]);
    // A deploy-time last hop leaves the account unknown, whatever the literal first hop says.
    expect(targetOfProvider('aws', { assume_role: [{ role_arn: hop }, { role_arn: '${var.deployer}' }] }).accounts).toBe(UNKNOWN);
  });

  it('checks the reservations of a provider whose role chain ends in its allowed account (a chain read by its first hop hid them)', () => {
    const stack = new TerraformStack(Testing.app(), 'Chained');
    new AwsProvider(stack, 'aws', {
      region: 'us-east-1',
      allowedAccountIds: [ACCOUNT_B],
      assumeRole: [{ roleArn: `arn:aws:iam::${ACCOUNT_A}:role/hop` }, { roleArn: `arn:aws:iam::${ACCOUNT_B}:role/deployer` }],
    });
    installDeploymentChecks(stack);
    const fn = new LambdaFunction(stack, 'Big', {
      functionName: 'big',
      role: `arn:aws:iam::${ACCOUNT_B}:role/fn`,
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      filename: 'code.zip',
      reservedConcurrentExecutions: 950,
    });
    expect(() => Testing.synth(stack, true)).toThrow(/\[function\/unreserved-concurrency\][\s\S]*account 222222222222 in us-east-1/);
    fn.reservedConcurrentExecutions = 900;
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('calls deploy-time and missing values unknown', () => {
    expect(targetOfProvider('aws', { region: '${var.region}', allowed_account_ids: ['${var.account}'] })).toEqual({
      provider: 'aws',
      accounts: UNKNOWN,
      region: UNKNOWN,
    });
    expect(targetOfProvider('aws', { assume_role: [{ role_arn: '${var.role}' }] }).accounts).toBe(UNKNOWN);
    expect(targetOfProvider('aws', {})).toEqual({ provider: 'aws', accounts: UNKNOWN, region: UNKNOWN });
    expect(targetOfProvider('aws.x', undefined)).toEqual({ provider: 'aws.x', accounts: UNKNOWN, region: UNKNOWN });
  });
});

describe('targets of resources', () => {
  const stack = {
    provider: {
      aws: [
        { region: 'us-east-1', allowed_account_ids: [ACCOUNT_A] },
        { alias: 'west', region: 'us-west-2', allowed_account_ids: [ACCOUNT_A] },
      ],
    },
  };

  it('follows the provider argument, as cdktf writes it or as an interpolation', () => {
    expect(providerKeyOf({})).toBe('aws');
    expect(providerKeyOf({ provider: 'aws.west' })).toBe('aws.west');
    expect(providerKeyOf({ provider: '${aws.west}' })).toBe('aws.west');
    expect(targetOfResource(stack, {}).region).toBe('us-east-1');
    expect(targetOfResource(stack, { provider: 'aws.west' }).region).toBe('us-west-2');
  });

  it('gives a provider the stack does not configure an unknown target', () => {
    expect(targetOfResource(stack, { provider: 'aws.missing' })).toEqual({ provider: 'aws.missing', accounts: UNKNOWN, region: UNKNOWN });
    expect(targetOfResource({}, {})).toEqual({ provider: 'aws', accounts: UNKNOWN, region: UNKNOWN });
  });

  it('lists every aws provider of a stack by key', () => {
    expect([...providerTargetsOf(stack).keys()]).toEqual(['aws', 'aws.west']);
  });

  it('reads account ids only from role ARNs', () => {
    expect(accountOfRoleArn(`arn:aws:iam::${ACCOUNT_A}:role/a/b`)).toBe(ACCOUNT_A);
    expect(accountOfRoleArn(`arn:aws:iam::${ACCOUNT_A}:user/a`)).toBeUndefined();
    expect(accountOfRoleArn('${aws_iam_role.r.arn}')).toBeUndefined();
  });
});

describe('may two targets share an account and region', () => {
  const at = (accounts: DeploymentTarget['accounts'], region: string): DeploymentTarget => ({ provider: 'aws', accounts, region });

  it('keeps known, different accounts or regions apart', () => {
    expect(mayShareAccountAndRegion(at([ACCOUNT_A], 'us-east-1'), at([ACCOUNT_B], 'us-east-1'))).toBe(false);
    expect(mayShareAccountAndRegion(at([ACCOUNT_A], 'us-east-1'), at([ACCOUNT_A], 'eu-west-1'))).toBe(false);
    expect(mayShareAccount(at([ACCOUNT_A], 'us-east-1'), at([ACCOUNT_A], 'eu-west-1'))).toBe(true);
  });

  it('puts unknown with anything', () => {
    expect(mayShareAccountAndRegion(at(UNKNOWN, 'us-east-1'), at([ACCOUNT_B], 'us-east-1'))).toBe(true);
    expect(mayShareAccountAndRegion(at([ACCOUNT_A], UNKNOWN), at([ACCOUNT_A], 'eu-west-1'))).toBe(true);
  });
});

const accountsArb: fc.Arbitrary<DeploymentTarget['accounts']> = fc.oneof(
  fc.constant(UNKNOWN),
  fc.uniqueArray(fc.constantFrom(ACCOUNT_A, ACCOUNT_B, '333333333333'), { minLength: 0, maxLength: 2 }).map((a) => [...a].sort()),
);
const targetArb: fc.Arbitrary<DeploymentTarget> = fc.record({
  provider: fc.constantFrom('aws', 'aws.a', 'aws.b'),
  accounts: accountsArb,
  region: fc.constantFrom(UNKNOWN, 'us-east-1', 'eu-west-1'),
});

describe('groupByPossibleTarget (properties)', () => {
  it('groups only items that may share an account and region, and every pair that may share meets in a group', () => {
    fc.assert(
      fc.property(fc.array(targetArb, { maxLength: 8 }), (targets) => {
        const items = targets.map((target, index) => ({ index, target }));
        const groups = groupByPossibleTarget(items, (item) => item.target);
        for (const group of groups) {
          for (const a of group.members) for (const b of group.members) expect(mayShareAccountAndRegion(a.target, b.target)).toBe(true);
        }
        for (const a of items) {
          for (const b of items) {
            const meet = groups.some((g) => g.members.includes(a) && g.members.includes(b));
            // An item whose accounts narrowed to none deploys nowhere: it shares nothing, not even with itself.
            const deploysSomewhere = a.target.accounts.length !== 0 && b.target.accounts.length !== 0;
            expect(meet).toBe(deploysSomewhere && mayShareAccountAndRegion(a.target, b.target));
          }
        }
        // No group is contained in another.
        for (const g of groups) {
          for (const h of groups) if (g !== h) expect(g.members.every((m) => h.members.includes(m))).toBe(false);
        }
      }),
      // 300 runs of up to 8 targets cover every pair kind many times over; more only slows the unit tier.
      { numRuns: 300 },
    );
  });

  it('is symmetric in "may share"', () => {
    fc.assert(fc.property(targetArb, targetArb, (a, b) => mayShareAccountAndRegion(a, b) === mayShareAccountAndRegion(b, a)));
  });

  it('sums two unpinned stacks in one region together, and keeps pinned accounts apart', () => {
    const items: { name: string; target: DeploymentTarget }[] = [
      { name: 'dev', target: { provider: 'aws', accounts: [ACCOUNT_A], region: 'us-east-1' } },
      { name: 'prod', target: { provider: 'aws', accounts: [ACCOUNT_B], region: 'us-east-1' } },
      { name: 'unpinned', target: { provider: 'aws', accounts: UNKNOWN, region: 'us-east-1' } },
    ];
    const groups = groupByPossibleTarget(items, (item) => item.target);
    expect(groups.map((g) => [describeTarget(g), g.members.map((m) => m.name)])).toEqual([
      ['account 111111111111 in us-east-1', ['dev', 'unpinned']],
      ['account 222222222222 in us-east-1', ['prod', 'unpinned']],
    ]);
  });
});

// ---------------------------------------------------------------------------
// The model over generated stack JSON, and the checks that use it agreeing on it.
// ---------------------------------------------------------------------------

const REGIONS = ['us-east-1', 'eu-west-1'];
const ACCOUNTS = [ACCOUNT_A, ACCOUNT_B];

type ProviderSpec = {
  alias?: string;
  region?: string;
  allowed?: string[];
  assumeRole?: { arn: string; asList: boolean };
};

const providerSpecArb = (alias?: string): fc.Arbitrary<ProviderSpec> =>
  fc.record({
    region: fc.option(fc.constantFrom(...REGIONS, '${var.region}'), { nil: undefined }),
    allowed: fc.option(fc.oneof(fc.subarray(ACCOUNTS, { minLength: 1 }), fc.constant(['${var.account}'] as string[])), { nil: undefined }),
    assumeRole: fc.option(
      fc.record({ arn: fc.oneof(fc.constantFrom(...ACCOUNTS).map((a) => `arn:aws:iam::${a}:role/deployer`), fc.constant('${var.role}')), asList: fc.boolean() }),
      { nil: undefined },
    ),
  }).map((spec) => ({ ...spec, ...(alias ? { alias } : {}) }));

/** A stack's providers: maybe the default one, maybe aliases `a` and `b`. */
const stackProvidersArb: fc.Arbitrary<ProviderSpec[]> = fc
  .tuple(fc.option(providerSpecArb(), { nil: undefined }), fc.option(providerSpecArb('a'), { nil: undefined }), fc.option(providerSpecArb('b'), { nil: undefined }))
  .map((specs) => specs.filter((s): s is ProviderSpec => s !== undefined));

/** How a resource names its provider: not at all, as cdktf writes an alias, as an interpolation, or an alias no block declares. */
const providerRefArb = fc.constantFrom(undefined, 'aws.a', '${aws.b}', 'aws.missing');

function providerJson(spec: ProviderSpec): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (spec.alias) json.alias = spec.alias;
  if (spec.region !== undefined) json.region = spec.region;
  if (spec.allowed !== undefined) json.allowed_account_ids = spec.allowed;
  if (spec.assumeRole) json.assume_role = spec.assumeRole.asList ? [{ role_arn: spec.assumeRole.arn }] : { role_arn: spec.assumeRole.arn };
  return json;
}

/** The target, worked out here independently of the module: the oracle. */
function expectedTarget(providers: readonly ProviderSpec[], ref: string | undefined): Pick<DeploymentTarget, 'accounts' | 'region'> {
  const key = ref === undefined ? 'aws' : ref.replace(/^\$\{(.*)\}$/, '$1');
  const spec = providers.find((p) => (p.alias ? `aws.${p.alias}` : 'aws') === key);
  if (!spec) return { accounts: UNKNOWN, region: UNKNOWN };
  const allowed = spec.allowed?.every((a) => /^\d{12}$/.test(a)) ? [...spec.allowed].sort() : undefined;
  const assumed = spec.assumeRole && /^arn:aws:iam::(\d{12}):role\//.exec(spec.assumeRole.arn)?.[1];
  let accounts: DeploymentTarget['accounts'] = UNKNOWN;
  if (allowed && assumed) accounts = allowed.includes(assumed) ? [assumed] : [];
  else if (allowed) accounts = allowed;
  else if (assumed) accounts = [assumed];
  const region = spec.region !== undefined && !spec.region.includes('${') ? spec.region : UNKNOWN;
  return { accounts, region };
}

const placementArb = fc.record({ stack: fc.integer({ min: 0, max: 1 }), provider: providerRefArb });

describe('the deployment-target model over stack JSON (properties)', () => {
  it('gives every resource the target its provider block states (alias, provider override, region, allowed_account_ids, assume_role)', () => {
    fc.assert(
      fc.property(stackProvidersArb, providerRefArb, (providers, ref) => {
        const stack = { provider: { aws: providers.map(providerJson) } };
        const resource = ref === undefined ? {} : { provider: ref };
        const { accounts, region } = targetOfResource(stack, resource);
        expect({ accounts, region }).toEqual(expectedTarget(providers, ref));
      }),
      { numRuns: 300 },
    );
  });

  it('makes the sum, the name collision and the API Gateway setting agree on which two resources share an account and region', () => {
    fc.assert(
      fc.property(fc.array(stackProvidersArb, { minLength: 2, maxLength: 2 }), placementArb, placementArb, (stackProviders, first, second) => {
        const resources = [first, second].map((placement, i) => ({ placement, i }));
        const stacks = stackProviders.map((providers, s) => {
          const here = resources.filter((r) => r.placement.stack === s);
          const withProvider = (p: string | undefined) => (p === undefined ? {} : { provider: p });
          return {
            name: `S${s}`,
            json: {
              provider: { aws: providers.map(providerJson) },
              resource: {
                aws_lambda_function: Object.fromEntries(here.map(({ placement, i }) => [`fn${i}`, { function_name: `fn${i}`, reserved_concurrent_executions: 500, ...withProvider(placement.provider) }])),
                aws_dynamodb_table: Object.fromEntries(here.map(({ placement, i }) => [`t${i}`, { name: 'jobs', hash_key: 'pk', ...withProvider(placement.provider) }])),
                aws_api_gateway_account: Object.fromEntries(here.map(({ placement, i }) => [`g${i}`, { ...withProvider(placement.provider) }])),
              },
            },
          };
        });
        const targets = [first, second].map((p) => ({ provider: 'aws', ...expectedTarget(stackProviders[p.stack], p.provider) }));
        const share = mayShareAccountAndRegion(targets[0], targets[1]);
        const violations = checkDeployment({ stacks, valuesResolved: false });
        const count = (ruleId: string) => violations.filter((v) => v.ruleId === ruleId).length;
        expect([count('function/unreserved-concurrency'), count('name/unique'), count('api-gateway-account/once-per-account-and-region')]).toEqual(
          share ? [1, 1, 1] : [0, 0, 0],
        );
      }),
      { numRuns: 300 },
    );
  });
});
