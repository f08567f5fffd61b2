import { readFileSync } from 'fs';
import { checkDeployment } from '../../../constructs/internal/deployment-checks';
import { GuardValidationError } from '../../../constructs/guard-validation-error';
import { MAX_NESTING_DEPTH, isTerraformPlan, nestingDepth, planDocumentOf } from '../../../constructs/internal/plan-document';
import { FIXTURE_AWS, FIXTURE_NAMES, fixturePlanFile } from '../../helpers/offline-plan-json';

/** The committed plan of a fixture (made offline by the real terraform and hashicorp/aws 5.100.0; the integration test remakes them). */
const planOf = (name: string) => JSON.parse(readFileSync(fixturePlanFile(name), 'utf8')) as Record<string, unknown>;
const jsonOf = (name: string) => planDocumentOf(planOf(name), name).stacks[0].json as Record<string, any>;

describe('planDocumentOf on real plans of the HCL fixtures', () => {
  it.each(FIXTURE_NAMES.map((name) => [name]))('%s is a plan', (name) => {
    expect(isTerraformPlan(planOf(name))).toBe(true);
  });

  it('gives each fixture the verdict of its seed failure, and the fixed one none', () => {
    const verdicts = Object.fromEntries(FIXTURE_NAMES.map((name) => [name, checkDeployment(planDocumentOf(planOf(name), name)).map((v) => `${v.ruleId} ${v.address}`)]));
    expect(verdicts).toEqual({
      clean: [],
      'seed-1-bucket-name': ['bucket-name/charset aws_s3_bucket.lambda_code'],
      'seed-2-reserved-concurrency': ['function/unreserved-concurrency aws_lambda_function.fn["notification"]'],
      'seed-3-log-delivery': ['state-machine/log-delivery-permissions aws_sfn_state_machine.workflow'],
      'role-instances': [],
      'module-role': [],
    });
  });

  type Plan = { resource_changes: Array<{ address: string }> };
  const withoutChange = (name: string, address: string) => {
    const plan = planOf(name) as unknown as Plan;
    expect(plan.resource_changes.some((c) => c.address === address)).toBe(true);
    // Gone from the plan as if not configured: from resource_changes and from planned_values, which must agree.
    const withoutResource = (module: any): any =>
      module && { ...module, resources: (module.resources ?? []).filter((r: { address: string }) => r.address !== address), child_modules: (module.child_modules ?? []).map(withoutResource) };
    const planned = (plan as any).planned_values;
    return {
      ...plan,
      resource_changes: plan.resource_changes.filter((c) => c.address !== address),
      planned_values: { ...planned, root_module: withoutResource(planned.root_module) },
    } as unknown as Record<string, unknown>;
  };

  it('follows role_arn to the instance of a counted or for_each role, and checks that instance\'s policies', () => {
    expect(jsonOf('role-instances').resource.aws_sfn_state_machine.counted.role_arn).toBe('${aws_iam_role.counted[0].arn}');
    expect(jsonOf('role-instances').resource.aws_sfn_state_machine.keyed.role_arn).toBe('${aws_iam_role.keyed["a"].arn}');
    // Without the policy of one instance, that state machine (only) names a role lacking the actions: the instance was followed.
    for (const [policy, machine] of [['aws_iam_role_policy.counted[0]', 'counted'], ['aws_iam_role_policy.keyed', 'keyed']]) {
      const violations = checkDeployment(planDocumentOf(withoutChange('role-instances', policy), 'plan'));
      expect(violations.map((v) => [v.ruleId, v.address])).toEqual([['state-machine/log-delivery-permissions', `aws_sfn_state_machine.${machine}`]]);
      expect(violations[0].value).toMatch(new RegExp(`^\\$\\{aws_iam_role\\.${machine}\\[(0|"a")\\]\\.arn\\}$`));
    }
  });

  it('follows role_arn = module.roles.arn through the module\'s output to the role in the module\'s stack', () => {
    const document = planDocumentOf(planOf('module-role'), 'plan');
    expect(document.stacks.map((s) => s.name)).toEqual(['plan', 'plan/module.roles']);
    expect(document.stacks[0].json.resource).toMatchObject({ aws_sfn_state_machine: { workflow: { role_arn: '${module.roles.arn}' } } });
    expect(document.stacks[1].json.output).toEqual({ arn: { value: '${aws_iam_role.workflow.arn}' } });
    const violations = checkDeployment(planDocumentOf(withoutChange('module-role', 'module.roles.aws_iam_role_policy.log_delivery'), 'plan'));
    expect(violations.map((v) => [v.ruleId, v.value])).toEqual([['state-machine/log-delivery-permissions', '${aws_iam_role.workflow.arn} of stack plan/module.roles']]);
    // An output that is no role's ARN: refused, saying so (never followed to "clean").
    const notARole = planOf('module-role') as any;
    notARole.configuration.root_module.module_calls.roles.module.outputs.arn.expression = { references: ['var.name'] };
    expect(checkDeployment(planDocumentOf(notARole, 'plan')).map((v) => [v.ruleId, v.requirement])).toEqual([
      ['state-machine/log-delivery-role', expect.stringContaining('output arn of module.roles is not the arn of an aws_iam_role of that module')],
    ]);
  });

  it('writes the values the plan resolved: a variable in a name, for_each instances, the quota read from Service Quotas', () => {
    expect(jsonOf('seed-1-bucket-name').resource.aws_s3_bucket).toEqual({ lambda_code: expect.objectContaining({ bucket: 'TapStack-lambda-code' }) });
    const seed2 = jsonOf('seed-2-reserved-concurrency');
    const reserved = Object.fromEntries(Object.entries(seed2.resource.aws_lambda_function as Record<string, any>).map(([key, fn]) => [key, fn.reserved_concurrent_executions]));
    expect(reserved).toEqual({ 'fn["notification"]': 25, 'fn["processing"]': 100, 'fn["validation"]': 50 });
    expect(seed2.data.aws_servicequotas_service_quota.lambda_concurrency).toMatchObject({ service_code: 'lambda', quota_code: 'L-B99A9384', value: FIXTURE_AWS.lambdaConcurrencyQuota });
    // No count or for_each is left: each instance is its own entry.
    expect(Object.values(seed2.resource.aws_lambda_function as Record<string, any>).every((fn) => fn.for_each === undefined)).toBe(true);
    expect(jsonOf('clean').data.aws_caller_identity.current.account_id).toBe(FIXTURE_AWS.accountId);
    expect(jsonOf('clean').provider).toEqual({ aws: [expect.objectContaining({ region: 'us-east-1' })] });
  });

  it('writes a value known only after apply as its first reference, and leaves out attributes only the provider sets', () => {
    const clean = jsonOf('clean');
    expect(clean.resource.aws_sfn_state_machine.workflow.role_arn).toBe('${aws_iam_role.workflow.arn}');
    expect(clean.resource.aws_iam_role_policy.workflow.role).toBe('${aws_iam_role.workflow.id}');
    expect(clean.resource.aws_sfn_state_machine.workflow.arn).toBeUndefined();
    // A policy document read at apply (it names the function's ARN): its statements as planned, the unknown resource a reference.
    const document = clean.data.aws_iam_policy_document.workflow;
    expect(clean.resource.aws_iam_role_policy.workflow.policy).toBe('${data.aws_iam_policy_document.workflow.json}');
    expect(document.json).toBeUndefined();
    expect(document.statement[0]).toMatchObject({ actions: ['lambda:InvokeFunction'], resources: ['${aws_lambda_function.processing.arn}'] });
    expect(document.statement[1].resources).toEqual(['*']);
  });
});

describe('planDocumentOf on the parts of a plan the fixtures do not have', () => {
  const plan = {
    format_version: '1.2',
    planned_values: { root_module: {} },
    configuration: {
      provider_config: {
        aws: { name: 'aws', expressions: { region: { references: ['var.region'] }, allowed_account_ids: { constant_value: ['111111111111'] } } },
        'aws.west': { name: 'aws', alias: 'west', expressions: { region: { constant_value: 'us-west-2' } } },
      },
      root_module: {
        resources: [{ address: 'aws_s3_bucket.west', provider_config_key: 'aws.west', expressions: { bucket: { constant_value: 'west-data' } } }],
        module_calls: {
          app: { module: { resources: [{ address: 'aws_s3_bucket.data', provider_config_key: 'aws', expressions: { bucket: { references: ['var.prefix'] } } }] } },
        },
      },
    },
    prior_state: { values: { root_module: { resources: [{ mode: 'data', type: 'aws_caller_identity', name: 'me', values: { account_id: '111111111111' } }] } } },
    resource_changes: [
      { address: 'aws_s3_bucket.west', mode: 'managed', type: 'aws_s3_bucket', name: 'west', change: { actions: ['create'], after: { bucket: 'west-data', tags: null }, after_unknown: { arn: true } } },
      { address: 'aws_s3_bucket.gone', mode: 'managed', type: 'aws_s3_bucket', name: 'gone', change: { actions: ['delete'], after: null, after_unknown: {} } },
      {
        address: 'module.app[0].aws_s3_bucket.data',
        module_address: 'module.app[0]',
        mode: 'managed',
        type: 'aws_s3_bucket',
        name: 'data',
        change: { actions: ['create'], after: {}, after_unknown: { bucket: true, arn: true } },
      },
    ],
  };

  it('makes a stack of each module instance, with the root providers and caller identity, and leaves out what is only destroyed', () => {
    const document = planDocumentOf(plan, 'plan');
    expect(document.valuesResolved).toBe(true);
    expect(document.stacks.map((s) => s.name)).toEqual(['plan', 'plan/module.app[0]']);
    const [root, module] = document.stacks.map((s) => s.json as Record<string, any>);
    expect(root.provider.aws).toEqual([{ region: '${var.region}', allowed_account_ids: ['111111111111'] }, { alias: 'west', region: 'us-west-2' }]);
    expect(root.resource.aws_s3_bucket).toEqual({ west: { bucket: 'west-data', provider: 'aws.west' } });
    expect(module.provider).toEqual(root.provider);
    expect(module.data.aws_caller_identity).toEqual(root.data.aws_caller_identity);
    // A name known only after apply: refused in a plan, as no precondition is left to check it.
    expect(module.resource.aws_s3_bucket.data).toEqual({ bucket: '${var.prefix}' });
    expect(checkDeployment(document).map((v) => [v.stack, v.ruleId])).toEqual([['plan/module.app[0]', 'name/known-after-apply']]);
  });

  it('refuses a value nested deeper than MAX_NESTING_DEPTH instead of overflowing the stack', () => {
    const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}"x"${']'.repeat(depth)}`);
    const deepPlan = (depth: number) => ({
      ...plan,
      resource_changes: [{ address: 'aws_s3_bucket.deep', mode: 'managed', type: 'aws_s3_bucket', name: 'deep', change: { actions: ['create'], after: { tags: nested(depth) }, after_unknown: {} } }],
    });
    expect(() => planDocumentOf(deepPlan(MAX_NESTING_DEPTH - 5), 'plan')).not.toThrow();
    expect(() => planDocumentOf(deepPlan(100_000), 'plan')).toThrow(GuardValidationError);
    expect(() => planDocumentOf(deepPlan(100_000), 'plan')).toThrow(/plan\/nesting-depth/);
    expect(nestingDepth(nested(100_000))).toBe(MAX_NESTING_DEPTH + 1);
    expect(nestingDepth(nested(7))).toBe(7);
    expect(nestingDepth('x')).toBe(0);
  });

  it('refuses a plan whose resource_changes leaves out a managed resource of planned_values, rather than passing it unseen', () => {
    const seed1 = planOf('seed-1-bucket-name');
    const changes = seed1.resource_changes as { address: string }[];
    const withoutBucket = { ...seed1, resource_changes: changes.filter((change) => change.address !== 'aws_s3_bucket.lambda_code') };
    expect(() => planDocumentOf(withoutBucket, 'plan')).toThrow(/plan\/resource-changes.*aws_s3_bucket\.lambda_code/s);
    const withoutChanges = { ...seed1, resource_changes: undefined };
    expect(() => planDocumentOf(withoutChanges, 'plan')).toThrow(GuardValidationError);
    // As Terraform wrote it, every managed resource is listed: read, and seed 1 found.
    expect(checkDeployment(planDocumentOf(seed1, 'plan')).map((v) => v.ruleId)).toContain('bucket-name/charset');
  });

  it('reads a provider setting that is a variable (region = var.region) as the variable\'s value, so two regions are not summed together', () => {
    const fn = (name: string, providerKey: string) => ({
      address: `aws_lambda_function.${name}`,
      provider_config_key: providerKey,
      expressions: { function_name: { constant_value: name }, reserved_concurrent_executions: { constant_value: 500 } },
    });
    const change = (name: string) => ({
      address: `aws_lambda_function.${name}`,
      mode: 'managed',
      type: 'aws_lambda_function',
      name,
      change: { actions: ['create'], after: { function_name: name, reserved_concurrent_executions: 500 }, after_unknown: { arn: true } },
    });
    const regional = (variables: Record<string, { value: unknown }>) => ({
      format_version: '1.2',
      planned_values: { root_module: {} },
      variables,
      configuration: {
        provider_config: {
          aws: {
            name: 'aws',
            expressions: {
              region: { references: ['var.region'] },
              allowed_account_ids: { references: ['var.accounts'] },
              assume_role: [{ role_arn: { references: ['var.deploy_role'] } }],
            },
          },
          'aws.west': { name: 'aws', alias: 'west', expressions: { region: { references: ['var.west_region'] }, allowed_account_ids: { references: ['var.accounts'] } } },
        },
        root_module: { resources: [fn('east', 'aws'), fn('west', 'aws.west')] },
      },
      resource_changes: [change('east'), change('west')],
    });
    const variables = {
      region: { value: 'us-east-1' },
      west_region: { value: 'us-west-2' },
      accounts: { value: ['111111111111'] },
      deploy_role: { value: 'arn:aws:iam::111111111111:role/deploy' },
    };
    const document = planDocumentOf(regional(variables), 'plan');
    expect(document.stacks[0].json.provider).toEqual({
      aws: [
        { region: 'us-east-1', allowed_account_ids: ['111111111111'], assume_role: [{ role_arn: 'arn:aws:iam::111111111111:role/deploy' }] },
        { alias: 'west', region: 'us-west-2', allowed_account_ids: ['111111111111'] },
      ],
    });
    // 500 reserved in each of two regions leaves 500 of the default 1000 in each: clean. Summed as one region it left 0.
    expect(checkDeployment(document, { lambdaConcurrencyQuota: 1000 })).toEqual([]);
    expect(checkDeployment(planDocumentOf(regional({ ...variables, west_region: { value: 'us-east-1' } }), 'plan'), { lambdaConcurrencyQuota: 1000 }).map((v) => v.ruleId)).toEqual([
      'function/unreserved-concurrency',
    ]);
    // A variable without the shape of the whole setting may be part of a template ("${var.prefix}-east-1"): left unknown.
    const partial = planDocumentOf(regional({ ...variables, region: { value: 'us' }, accounts: { value: ['not-an-account'] } }), 'plan');
    expect(partial.stacks[0].json.provider).toMatchObject({ aws: [{ region: '${var.region}', allowed_account_ids: '${var.accounts}' }, { region: 'us-west-2' }] });
  });

  it('is not fooled by a state or a configuration', () => {
    expect(isTerraformPlan({ format_version: '1.0', values: { root_module: {} } })).toBe(false);
    expect(isTerraformPlan({ resource: {} })).toBe(false);
    expect(isTerraformPlan(plan)).toBe(true);
  });
});
