import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaProvisionedConcurrencyConfig } from '@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config';
import { App, TerraformIterator, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import fc from 'fast-check';
import { SafeBucket, UnreservedFunction, configureLambdaConcurrency, installDeploymentChecks } from '../../../../constructs';
import { checkDeployment } from '../../../../constructs/internal/deployment-checks';
import { DeploymentDocument } from '../../../../constructs/internal/deployment-document';
import { ECHO_ENTRY, errorOf } from '../../../helpers/stacks';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';

function stackIn(app: App, id: string, provider: ConstructorParameters<typeof AwsProvider>[2] = { region: 'us-east-1' }): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', provider);
  installDeploymentChecks(stack);
  return stack;
}

type Synthesized = { resource: { aws_lambda_function: Record<string, { lifecycle?: { precondition: { condition: string; error_message: string }[] } }> }; locals?: Record<string, string> };
const synthesized = (stack: TerraformStack) => JSON.parse(Testing.synth(stack)) as Synthesized;
const conditionsOf = (stack: TerraformStack, address: string) =>
  (synthesized(stack).resource.aws_lambda_function[address].lifecycle?.precondition ?? []).map((p) => p.condition);

describe('reserved concurrency of every function, from the final JSON', () => {
  it('counts a function written as a stack override, and accepts one that fits', () => {
    const app = Testing.app();
    const stack = stackIn(app, 'S');
    stack.addOverride('resource.aws_lambda_function.handwritten', { function_name: 'hand', role: ROLE, reserved_concurrent_executions: 950 });
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("aws_lambda_function.handwritten at 'S' has 1 problem");
    expect(message).toContain('Reserving: S/aws_lambda_function.handwritten=950 (950 in total;');
    stack.addOverride('resource.aws_lambda_function.handwritten.reserved_concurrent_executions', 10);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('counts a plain LambdaFunction in a stack that holds no guard construct, beside one that does', () => {
    const app = Testing.app();
    const guarded = new TerraformStack(app, 'Guarded');
    new AwsProvider(guarded, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] });
    new SafeBucket(guarded, 'Data');
    const raw = new TerraformStack(app, 'Raw');
    new AwsProvider(raw, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT_B] });
    const fn = new LambdaFunction(raw, 'Plain', { functionName: 'plain', role: ROLE, reservedConcurrentExecutions: 901 });
    expect(errorOf(() => app.synth())).toContain("[Raw] aws_lambda_function.Plain at 'Raw/Plain' has 1 problem");
    fn.reservedConcurrentExecutions = 900;
    expect(() => app.synth()).not.toThrow();
  });

  it('multiplies a reservation by a literal count (UnreservedFunction with addOverride too) and by a literal for_each', () => {
    const app = Testing.app();
    const stack = stackIn(app, 'S');
    const fn = new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code'), reservedConcurrency: 300 });
    fn.lambda.addOverride('count', 3);
    fn.lambda.addOverride('function_name', 'fn-${count.index}');
    expect(() => Testing.synth(stack, true)).not.toThrow();
    fn.lambda.addOverride('reserved_concurrent_executions', 301);
    expect(errorOf(() => Testing.synth(stack, true))).toContain('Reserving: S/Fn/Function=3 x 301 (903 in total;');

    const other = stackIn(Testing.app(), 'T');
    const keys = TerraformIterator.fromList(['a', 'b']);
    new LambdaFunction(other, 'PerKey', { forEach: keys, functionName: `fn-${keys.key}`, role: ROLE, reservedConcurrentExecutions: 451 });
    expect(errorOf(() => Testing.synth(other, true))).toContain('T/PerKey=2 x 451 (902 in total;');
  });

  it('reads each.value of a for_each over a literal map as each instance reserves', () => {
    const stack = stackIn(Testing.app(), 'S');
    const sizes = TerraformIterator.fromMap({ small: 100, large: 801 });
    new LambdaFunction(stack, 'Sized', { forEach: sizes, functionName: `fn-${sizes.key}`, role: ROLE, reservedConcurrentExecutions: Token.asNumber(sizes.value) });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('S/Sized=100 + 801 (901 in total;');
  });

  it('reads an attribute of each.value of a for_each over a literal map of objects (getNumber), which it refused as per-instance and deploy-time', () => {
    const stack = stackIn(Testing.app(), 'S');
    const tiers = TerraformIterator.fromMap({ small: { rc: 100, memory: 128 }, large: { rc: 801, memory: 1024 } });
    const fn = new LambdaFunction(stack, 'Tiered', {
      forEach: tiers,
      functionName: `fn-${tiers.key}`,
      role: ROLE,
      memorySize: tiers.getNumber('memory'),
      reservedConcurrentExecutions: tiers.getNumber('rc'),
    });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('S/Tiered=100 + 801 (901 in total;');
    fn.addOverride('for_each', { small: { rc: 100 }, large: { rc: 700 } });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    // The index form Terraform also accepts reads the same.
    fn.addOverride('reserved_concurrent_executions', '${each.value["rc"]}');
    expect(() => Testing.synth(stack, true)).not.toThrow();
    fn.addOverride('for_each', { small: { rc: 100 }, large: { rc: 801 } });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('S/Tiered=100 + 801 (901 in total;');
  });

  it('checks a deploy-time count or for_each at plan: the precondition multiplies by it', () => {
    const stack = stackIn(Testing.app(), 'S');
    const n = new TerraformVariable(stack, 'n', { type: 'number' });
    const names = new TerraformVariable(stack, 'names', { type: 'set(string)' });
    new LambdaFunction(stack, 'Counted', { count: n.numberValue, functionName: 'c-${count.index}', role: ROLE, reservedConcurrentExecutions: 100 });
    const each = TerraformIterator.fromList(names.listValue);
    new LambdaFunction(stack, 'PerName', { forEach: each, functionName: `p-${each.key}`, role: ROLE, reservedConcurrentExecutions: 50 });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const json = synthesized(stack);
    expect(Object.values(json.locals ?? {})).toContain('${0 + 100 * (var.n) + 50 * (length(toset(var.names)))}');
    expect(conditionsOf(stack, 'Counted')[0]).toMatch(/^\$\{data\.aws_servicequotas_service_quota\.LambdaConcurrencyGuard_Quota_\w+\.value - local\.LambdaConcurrencyGuard_ReservedTotal_\w+ >= 100\}$/);
  });

  it('refuses a reservation that varies per instance and is known only at deploy time, which nothing can sum', () => {
    const stack = stackIn(Testing.app(), 'S');
    const sizes = new TerraformVariable(stack, 'sizes', { type: 'map(number)' });
    const each = TerraformIterator.fromMap(sizes.value);
    new LambdaFunction(stack, 'Sized', { forEach: each, functionName: `fn-${each.key}`, role: ROLE, reservedConcurrentExecutions: Token.asNumber(each.value) });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('[function/reserved-concurrency] reserved_concurrent_executions "${each.value}" must be the same for every instance, or literal');
  });
});

describe('one account and region, whatever the stacks and aliases', () => {
  function twoStacks(first: ConstructorParameters<typeof AwsProvider>[2], second: ConstructorParameters<typeof AwsProvider>[2], reserved = 500) {
    const app = Testing.app();
    const stacks = [first, second].map((provider, i) => {
      const stack = stackIn(app, `Env${i}`, provider);
      new LambdaFunction(stack, 'Fn', { functionName: `fn${i}`, role: ROLE, reservedConcurrentExecutions: reserved });
      return stack;
    });
    return { app, stacks };
  }

  it('sums two stacks with the same allowed_account_ids and region, in app.synth() and in either stack', () => {
    const pinned = { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] };
    const { app, stacks } = twoStacks(pinned, pinned);
    const message = errorOf(() => app.synth());
    expect(message).toContain('the Lambda concurrency quota of account 111111111111 in us-east-1 unreserved');
    expect(message).toContain('Reserving: Env0/Fn=500, Env1/Fn=500 (1000 in total;');
    stacks.forEach((stack) => expect(errorOf(() => Testing.synth(stack, true))).toContain('(1000 in total;'));
  });

  it('keeps different accounts or regions apart', () => {
    expect(() => twoStacks({ region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] }, { region: 'us-east-1', allowedAccountIds: [ACCOUNT_B] }).app.synth()).not.toThrow();
    expect(() => twoStacks({ region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] }, { region: 'eu-west-1', allowedAccountIds: [ACCOUNT_A] }).app.synth()).not.toThrow();
  });

  it('sums unpinned stacks of one region, and a pinned one with an unpinned one, saying how to pin allowed_account_ids', () => {
    const unpinned = errorOf(() => twoStacks({ region: 'us-east-1' }, { region: 'us-east-1' }).app.synth());
    expect(unpinned).toContain('an account no provider pins (allowed_account_ids unset) in us-east-1');
    expect(unpinned).toContain('allowed_account_ids = ["123456789012"]');
    expect(errorOf(() => twoStacks({ region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] }, { region: 'us-east-1' }).app.synth())).toContain(
      'account 111111111111 in us-east-1',
    );
  });

  it('sums two provider aliases of one stack with the same account and region, and keeps two regions apart', () => {
    const build = (westRegion: string) => {
      const stack = stackIn(Testing.app(), 'S', { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] });
      const alias = new AwsProvider(stack, 'second', { alias: 'second', region: westRegion, allowedAccountIds: [ACCOUNT_A] });
      new LambdaFunction(stack, 'Main', { functionName: 'a', role: ROLE, reservedConcurrentExecutions: 500 });
      new LambdaFunction(stack, 'Aliased', { functionName: 'b', role: ROLE, reservedConcurrentExecutions: 500, provider: alias });
      return stack;
    };
    expect(errorOf(() => Testing.synth(build('us-east-1'), true))).toContain('Reserving: S/Main=500, S/Aliased=500 (1000 in total;');
    expect(() => Testing.synth(build('us-west-2'), true)).not.toThrow();
  });

  it("puts the other stacks' literal reservations of the same account and region into a stack's plan-time check", () => {
    const pinned = { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] };
    const { stacks } = twoStacks(pinned, pinned, 400);
    expect(conditionsOf(stacks[1], 'Fn')).toEqual([expect.stringMatching(/\.value - 800 >= 100\}$/)]);
    expect(synthesized(stacks[1]).resource.aws_lambda_function.Fn.lifecycle?.precondition[0].error_message).toContain('Reserving in account 111111111111 in us-east-1: Env0/Fn=400, Env1/Fn=400');
  });

  it('refuses deploy-time reservations in two stacks of one account and region: no plan sees both', () => {
    const app = Testing.app();
    for (const id of ['A', 'B']) {
      const stack = stackIn(app, id, { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] });
      const reserved = new TerraformVariable(stack, 'reserved', { type: 'number' });
      new LambdaFunction(stack, 'Fn', { functionName: `fn-${id}`, role: ROLE, reservedConcurrentExecutions: reserved.numberValue });
    }
    expect(errorOf(() => app.synth())).toContain('[function/deploy-time-concurrency-across-stacks]');
  });

  it('keeps the declared quota per stack: the smaller of two declared for one account and region wins', () => {
    const app = Testing.app();
    for (const [id, quota] of [['Big', 5000], ['Small', 1000]] as const) {
      const stack = stackIn(app, id, { region: 'us-east-1', allowedAccountIds: [ACCOUNT_A] });
      configureLambdaConcurrency(stack, { accountQuota: quota });
      new LambdaFunction(stack, 'Fn', { functionName: `fn-${id}`, role: ROLE, reservedConcurrentExecutions: 500 });
    }
    expect(errorOf(() => app.synth())).toContain("this account's quota (1000) leaves room for 900 reserved once AWS keeps 100 unreserved, but 1000 are reserved");
  });
});

describe('multiplicity (properties)', () => {
  type Multiplicity =
    | { kind: 'none' }
    | { kind: 'count'; n: number }
    | { kind: 'set'; keys: string[] }
    | { kind: 'map'; values: Record<string, number> }
    | { kind: 'objects'; keys: string[] }
    | { kind: 'var' };
  const multiplicity: fc.Arbitrary<Multiplicity> = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('count' as const), n: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ kind: fc.constant('set' as const), keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('map' as const), values: fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: 0, max: 400 })) }),
    fc.record({ kind: fc.constant('objects' as const), keys: fc.uniqueArray(fc.constantFrom('p', 'q', 'r'), { maxLength: 3 }) }),
    fc.constant({ kind: 'var' as const }),
  );
  type FunctionSpec = { multiplicity: Multiplicity; reserved: number | 'each' | 'var' };
  const fnArb: fc.Arbitrary<FunctionSpec> = fc.record({ multiplicity, reserved: fc.oneof(fc.integer({ min: -1, max: 400 }), fc.constant('each' as const), fc.constant('var' as const)) });

  /** A function as cdktf writes it, and what it reserves: a number, 'plan' (left to the plan) or 'refused'. */
  function functionOf({ multiplicity: m, reserved }: FunctionSpec, i: number): { json: Record<string, unknown>; expected: number | 'plan' | 'refused' } {
    // A name of its own per function and instance, so no two collide.
    const perInstance = m.kind === 'count' || m.kind === 'var' ? '-${count.index}' : m.kind === 'none' ? '' : '-${each.key}';
    const json: Record<string, unknown> = { function_name: `f${i}${perInstance}`, role: ROLE, lifecycle: { precondition: [{ condition: '${true}', error_message: '[function/unreserved-concurrency]' }] } };
    let instances: number[] | 'var';
    if (m.kind === 'count') {
      json.count = m.n;
      instances = Array.from({ length: m.n }, () => 0);
    } else if (m.kind === 'set') {
      json.for_each = `\${toset(${JSON.stringify(m.keys)})}`;
      instances = m.keys.map(() => 0);
    } else if (m.kind === 'map') {
      json.for_each = m.values;
      instances = Object.values(m.values);
    } else if (m.kind === 'objects') {
      // A map of objects: its keys are the instances, each.value is no number.
      json.for_each = Object.fromEntries(m.keys.map((k) => [k, { memory: 128 }]));
      instances = m.keys.map(() => 0);
    } else if (m.kind === 'var') {
      json.count = '${var.n}';
      instances = 'var';
    } else instances = [0];
    if (reserved === 'var') {
      json.reserved_concurrent_executions = '${var.reserved}';
      return { json, expected: instances === 'var' || instances.length > 0 ? 'plan' : 0 };
    }
    if (reserved === 'each') {
      json.reserved_concurrent_executions = '${each.value}';
      if (m.kind !== 'map') return { json, expected: instances !== 'var' && instances.length === 0 ? 0 : 'refused' };
      return { json, expected: (instances as number[]).reduce((sum, v) => sum + v, 0) };
    }
    json.reserved_concurrent_executions = reserved;
    if (instances === 'var') return { json, expected: reserved > 0 ? 'plan' : 0 };
    return { json, expected: Math.max(reserved, 0) * instances.length };
  }

  it('sums literal reservations times literal multiplicity exactly, and leaves the rest to the plan or refuses it', () => {
    fc.assert(
      fc.property(fc.array(fnArb, { minLength: 1, maxLength: 4 }), (fns) => {
        const built = fns.map(functionOf);
        const document: DeploymentDocument = {
          valuesResolved: false,
          stacks: [
            {
              name: 'S',
              json: {
                provider: { aws: [{ region: 'us-east-1' }] },
                resource: { aws_lambda_function: Object.fromEntries(built.map((b, i) => [`f${i}`, b.json])) },
              },
            },
          ],
        };
        const violations = checkDeployment(document);
        const refused = built.some((b) => b.expected === 'refused');
        expect(violations.some((v) => v.ruleId === 'function/reserved-concurrency')).toBe(refused);
        const literal = built.reduce((sum, b) => sum + (typeof b.expected === 'number' ? b.expected : 0), 0);
        const over = violations.find((v) => v.ruleId === 'function/unreserved-concurrency');
        expect(over?.value).toBe(literal > 900 ? literal : undefined);
        // Deploy-time parts carry their precondition here, so nothing else is reported.
        // (Names are another check's: a deploy-time count makes them deploy-time too.)
        expect(violations.filter((v) => v.field !== 'function_name' && !['function/reserved-concurrency', 'function/unreserved-concurrency'].includes(v.ruleId))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('issue 18 regressions: multiplicity of a reserving function', () => {
  it('counts the instances of a for_each over a literal map of objects (its keys), and accepts a reservation that fits', () => {
    const stack = stackIn(Testing.app(), 'S');
    const fn = new LambdaFunction(stack, 'PerTeam', { functionName: 'fn-${each.key}', role: ROLE, reservedConcurrentExecutions: 451 });
    fn.addOverride('for_each', { alpha: { memory: 128 }, beta: { memory: 256 } });
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("aws_lambda_function.PerTeam at 'S/PerTeam' has 1 problem");
    expect(message).toContain('[function/unreserved-concurrency] reserved_concurrent_executions 902 must leave at least 100');
    expect(message).toContain('Reserving: S/PerTeam=2 x 451 (902 in total;');
    expect(message).toContain('Fix: remove reservedConcurrency from functions that do not need it or lower it');
    fn.addOverride('reserved_concurrent_executions', 450);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('counts a map whose values are known only at deploy time by its literal keys', () => {
    const stack = stackIn(Testing.app(), 'S');
    const size = new TerraformVariable(stack, 'size', { type: 'number' });
    const fn = new LambdaFunction(stack, 'PerKey', { functionName: 'fn-${each.key}', role: ROLE, reservedConcurrentExecutions: 301 });
    fn.addOverride('for_each', { a: size.numberValue, b: size.numberValue, c: size.numberValue });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('Reserving: S/PerKey=3 x 301 (903 in total;');
  });

  it('counts nothing for count = 0, and a string count as its number', () => {
    const stack = stackIn(Testing.app(), 'S');
    const fn = new LambdaFunction(stack, 'Off', { functionName: 'off-${count.index}', role: ROLE, reservedConcurrentExecutions: 5000 });
    fn.addOverride('count', 0);
    expect(() => Testing.synth(stack, true)).not.toThrow();
    fn.addOverride('count', '1');
    expect(errorOf(() => Testing.synth(stack, true))).toContain('Reserving: S/Off=5000 (5000 in total;');
  });
});

describe('provisioned concurrency, taken from the unreserved pool', () => {
  // Provisioned concurrency on a function that reserves nothing is taken from the unreserved pool, and
  // Lambda refuses it when less than 100 would stay unreserved.
  it('refuses provisioned concurrency that leaves less than 100 of the quota unreserved', () => {
    const stack = stackIn(Testing.app(), 'Provisioned');
    const fn = new LambdaFunction(stack, 'Warm', { functionName: 'warm', role: ROLE, handler: 'index.handler', runtime: 'nodejs22.x', filename: 'code.zip', publish: true });
    new LambdaProvisionedConcurrencyConfig(stack, 'Pc', { functionName: fn.functionName, qualifier: fn.version, provisionedConcurrentExecutions: 950 });
    expect(() => Testing.synth(stack, true)).toThrow(/unreserved/);
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain('[function/unreserved-concurrency] provisioned_concurrent_executions 950 must leave at least 100');
    expect(message).toContain('Reserving: Provisioned/Warm=950 provisioned (aws_lambda_provisioned_concurrency_config.Pc=950)');
    expect(message).toContain('lower provisioned_concurrent_executions of aws_lambda_provisioned_concurrency_config.Pc');
  });

  it('counts the larger of a reservation and the provisioned concurrency summed over qualifiers, and accepts what leaves 100', () => {
    const stack = stackIn(Testing.app(), 'Qualifiers');
    const fn = new LambdaFunction(stack, 'Warm', { functionName: 'warm', role: ROLE, handler: 'index.handler', runtime: 'nodejs22.x', filename: 'code.zip', publish: true, reservedConcurrentExecutions: 500 });
    const live = new LambdaProvisionedConcurrencyConfig(stack, 'Live', { functionName: fn.functionName, qualifier: 'live', provisionedConcurrentExecutions: 300 });
    const canary = new LambdaProvisionedConcurrencyConfig(stack, 'Canary', { functionName: 'warm', qualifier: 'canary', provisionedConcurrentExecutions: 100 });
    // 500 reserved covers 400 provisioned: 500 counted, 500 left.
    expect(() => Testing.synth(stack, true)).not.toThrow();
    live.provisionedConcurrentExecutions = 500;
    canary.provisionedConcurrentExecutions = 450;
    expect(errorOf(() => Testing.synth(stack, true))).toContain(
      '[function/provisioned-within-reserved] provisioned_concurrent_executions 950 must be at most the reserved concurrency of Qualifiers/Warm (500)',
    );
    fn.reservedConcurrentExecutions = 950;
    expect(errorOf(() => Testing.synth(stack, true))).toContain('Reserving: Qualifiers/Warm=950 (950 in total;');
    canary.provisionedConcurrentExecutions = 400;
    fn.reservedConcurrentExecutions = 900;
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('names the sum of a reservation and another function\'s provisioned concurrency by neither attribute', () => {
    const stack = stackIn(Testing.app(), 'Mixed');
    new LambdaFunction(stack, 'Cold', { functionName: 'cold', role: ROLE, reservedConcurrentExecutions: 500 });
    const warm = new LambdaFunction(stack, 'Warm', { functionName: 'warm', role: ROLE, publish: true });
    const pc = new LambdaProvisionedConcurrencyConfig(stack, 'Pc', { functionName: warm.functionName, qualifier: warm.version, provisionedConcurrentExecutions: 450 });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('[function/unreserved-concurrency] concurrency claimed (reserved and provisioned) 950 must leave at least 100');
    pc.provisionedConcurrentExecutions = 400;
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('counts a config of a function the app does not hold on its own, in its account and region sum', () => {
    const config = (value: number) => ({ function_name: 'made-elsewhere', qualifier: 'live', provisioned_concurrent_executions: value });
    const document = (value: number): DeploymentDocument => ({
      valuesResolved: false,
      stacks: [{ name: 'S', json: { provider: { aws: [{ region: 'us-east-1' }] }, resource: { aws_lambda_provisioned_concurrency_config: { Pc: config(value) } } } }],
    });
    const [violation] = checkDeployment(document(901));
    expect(violation).toMatchObject({ ruleId: 'function/unreserved-concurrency', address: 'aws_lambda_provisioned_concurrency_config.Pc', field: 'provisioned_concurrent_executions', value: 901 });
    expect(checkDeployment(document(900))).toEqual([]);
  });
});

describe('provisioned concurrency counted on the function instance it configures', () => {
  type Json = Record<string, unknown>;
  const provider = (account?: string) => ({ aws: [{ region: 'us-east-1', ...(account ? { allowed_account_ids: [account] } : {}) }] });
  const stack = (name: string, resource: Json, account?: string) => ({ name, json: { provider: provider(account), resource } });
  const documentOf = (...stacks: ReturnType<typeof stack>[]): DeploymentDocument => ({ valuesResolved: false, stacks });
  const counted = (reserved: number, extra: Json = {}) => ({ function_name: 'fn-${count.index}', role: ROLE, count: 2, reserved_concurrent_executions: reserved, ...extra });
  const pc = (functionName: string, value: number, extra: Json = {}) => ({ function_name: functionName, qualifier: 'live', provisioned_concurrent_executions: value, ...extra });
  const unreserved = (document: DeploymentDocument) => checkDeployment(document).filter((v) => v.ruleId === 'function/unreserved-concurrency');

  // 2 functions x 300 reserved, each with 200 provisioned: 600 claimed, not 600 + 400.
  it.each([
    ['fn[count.index]', { Pc: pc('${aws_lambda_function.fn[count.index].function_name}', 200, { count: 2 }) }],
    ['fn[0] and fn[1]', { A: pc('${aws_lambda_function.fn[0].arn}', 200), B: pc('${aws_lambda_function.fn[1].function_name}', 200) }],
    ['a literal name per instance', { Pc: pc('fn-${count.index}', 200, { count: 2 }) }],
  ])('places a config naming %s on that instance', (_, configs) => {
    const document = (reserved: number) =>
      documentOf(stack('S', { aws_lambda_function: { fn: counted(reserved) }, aws_lambda_provisioned_concurrency_config: configs }));
    expect(unreserved(document(300))).toEqual([]);
    expect(unreserved(document(451))).toMatchObject([{ address: 'aws_lambda_function.fn', value: 902 }]);
  });

  it('matches each.key and ["a"] to the function instance of that key', () => {
    const fn = { function_name: 'fn-${each.key}', role: ROLE, for_each: { a: 'a', b: 'b' }, reserved_concurrent_executions: 400 };
    const document = (configs: Json) => documentOf(stack('S', { aws_lambda_function: { fn }, aws_lambda_provisioned_concurrency_config: configs }));
    expect(unreserved(document({ Pc: pc('${aws_lambda_function.fn[each.key].function_name}', 400, { for_each: { a: 'a', b: 'b' } }) }))).toEqual([]);
    expect(unreserved(document({ A: pc('${aws_lambda_function.fn["a"].function_name}', 400), B: pc('${aws_lambda_function.fn["b"].function_name}', 400) }))).toEqual([]);
    // A key that names no instance of the function cannot be placed: it counts alone.
    expect(unreserved(document({ C: pc('${aws_lambda_function.fn["c"].function_name}', 150) }))).toMatchObject([{ value: 950 }]);
  });

  it('counts a config instance that names no instance of the function (counts differ) on its own', () => {
    const document = documentOf(
      stack('S', {
        aws_lambda_function: { fn: counted(400) },
        aws_lambda_provisioned_concurrency_config: { Pc: pc('${aws_lambda_function.fn[count.index].function_name}', 150, { count: 3 }) },
      }),
    );
    // fn[0] and fn[1] keep 400 each; Pc[2] names no function instance and counts 150 alone.
    expect(unreserved(document)).toMatchObject([{ value: 950 }]);
  });

  it("places a literal name on another stack's function only where the two may share an account and region", () => {
    const warm = { function_name: 'warm', role: ROLE, reserved_concurrent_executions: 800 };
    const other = { function_name: 'other', role: ROLE, reserved_concurrent_executions: 800 };
    const sameAccount = documentOf(
      stack('Fn', { aws_lambda_function: { warm } }, ACCOUNT_A),
      stack('Warmer', { aws_lambda_provisioned_concurrency_config: { Pc: pc('warm', 200) } }, ACCOUNT_A),
    );
    expect(unreserved(sameAccount)).toEqual([]);
    const otherAccount = documentOf(
      stack('Fn', { aws_lambda_function: { warm } }, ACCOUNT_A),
      stack('Warmer', { aws_lambda_function: { other }, aws_lambda_provisioned_concurrency_config: { Pc: pc('warm', 150) } }, ACCOUNT_B),
    );
    // In account B no function is named warm: the config counts alone beside other's 800.
    expect(unreserved(otherAccount)).toMatchObject([{ stack: 'Warmer', value: 950 }]);
  });
});

describe('provisioned concurrency within the reservation of its function', () => {
  const document = (reserved: number, provisioned: number, count?: number): DeploymentDocument => ({
    valuesResolved: false,
    stacks: [
      {
        name: 'S',
        json: {
          provider: { aws: [{ region: 'us-east-1' }] },
          resource: {
            aws_lambda_function: { fn: { function_name: 'warm', role: ROLE, reserved_concurrent_executions: reserved, ...(count ? { count, function_name: 'warm-${count.index}' } : {}) } },
            aws_lambda_provisioned_concurrency_config: {
              Live: { function_name: count ? '${aws_lambda_function.fn[count.index].function_name}' : '${aws_lambda_function.fn.function_name}', qualifier: 'live', provisioned_concurrent_executions: provisioned, ...(count ? { count } : {}) },
            },
          },
        },
      },
    ],
  });
  const quota = { lambdaConcurrencyQuota: 100000 };

  it('refuses more provisioned than reserved under a large quota, naming the config, the rule, the value and the fix', () => {
    const [violation, ...rest] = checkDeployment(document(500, 950), quota);
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({
      ruleId: 'function/provisioned-within-reserved',
      stack: 'S',
      address: 'aws_lambda_provisioned_concurrency_config.Live',
      field: 'provisioned_concurrent_executions',
      value: 950,
      alsoInvolves: [{ stack: 'S', address: 'aws_lambda_function.fn' }],
    });
    expect(violation.fix).toContain('lower provisioned_concurrent_executions of aws_lambda_provisioned_concurrency_config.Live to 500 in total, or raise reserved_concurrent_executions of aws_lambda_function.fn to at least 950');
  });

  it('accepts provisioned equal to the reservation, any provisioned without one (-1), and checks each counted instance', () => {
    expect(checkDeployment(document(950, 950), quota)).toEqual([]);
    expect(checkDeployment(document(-1, 950), quota)).toEqual([]);
    expect(checkDeployment(document(300, 300, 2), quota)).toEqual([]);
    expect(checkDeployment(document(300, 301, 2), quota).map((v) => v.ruleId)).toEqual(['function/provisioned-within-reserved', 'function/provisioned-within-reserved']);
  });
});
