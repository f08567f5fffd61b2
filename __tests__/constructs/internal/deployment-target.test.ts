import fc from 'fast-check';
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
      { numRuns: 2000 },
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
