import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { buildSync } from 'esbuild';
import { unzipSync } from 'fflate';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SafeBucket } from '../../constructs/safe-bucket';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  ACCOUNT_CONCURRENCY_CONTEXT_KEY,
  LAMBDA_RESERVED_ENVIRONMENT_VARIABLES,
  QUOTA_LOOKUP_CONTEXT_KEY,
  looksLikeSecret,
  UnreservedFunction,
  UnreservedFunctionProps,
  checkConcurrencyBudget,
  configureLambdaConcurrency,
} from '../../constructs/unreserved-function';
import { esbuildRunCount } from '../../constructs/internal/bundling';
import { NODE_RUNTIMES } from '../../constructs/internal/lambda-runtimes';
import { ECHO_ENTRY, errorOf, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

const SDK_ENTRY = join(__dirname, '..', 'fixtures', 'sdk-handler.ts');

/**
 * One synth with freshly loaded modules (so the per-process bundle cache is
 * empty) and a fresh temp folder (so the zip is written again, not found).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- jest.isolateModules needs synchronous, fresh module instances */
function synthInFreshModuleState(): { zipPath: string; s3Key: string; sourceCodeHash: string } {
  const freshTmp = mkdtempSync(join(tmpdir(), 'zip-determinism-'));
  let result: { zipPath: string; s3Key: string; sourceCodeHash: string } | undefined;
  jest.isolateModules(() => {
    jest.doMock('os', () => ({ ...jest.requireActual('os'), tmpdir: () => freshTmp }));
    const cdktf = require('cdktf') as typeof import('cdktf');
    const { AwsProvider } = require('@cdktf/provider-aws/lib/provider') as typeof import('@cdktf/provider-aws/lib/provider');
    const bucketModule = require('../../constructs/safe-bucket') as typeof import('../../constructs/safe-bucket');
    const fnModule = require('../../constructs/unreserved-function') as typeof import('../../constructs/unreserved-function');
    const stack = new cdktf.TerraformStack(cdktf.Testing.app(), 'TapStack');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const codeBucket = new bucketModule.SafeBucket(stack, 'Code');
    const fn = new fnModule.UnreservedFunction(stack, 'Fn', { entry: SDK_ENTRY, codeBucket });
    const lambda = Object.values(JSON.parse(cdktf.Testing.synth(stack)).resource.aws_lambda_function)[0] as Record<string, string>;
    result = { zipPath: fn.bundle!.zipPath, s3Key: lambda.s3_key, sourceCodeHash: lambda.source_code_hash };
  });
  jest.dontMock('os');
  return result!;
}
/* eslint-enable @typescript-eslint/no-require-imports */

function stackWithBucket(context: Record<string, unknown> = {}) {
  const { stack } = newStack('TapStack', context);
  const codeBucket = new SafeBucket(stack, 'LambdaCode', { purpose: 'lambda-code' });
  const fn = (id: string, props: Partial<UnreservedFunctionProps> = {}) =>
    new UnreservedFunction(stack, id, { entry: ECHO_ENTRY, codeBucket, ...props });
  return { stack, codeBucket, fn };
}

describe('UnreservedFunction concurrency guard (seed failure 2)', () => {
  /** Synth with validations, as `cdktf synth` runs it; returns the error message, or '' when synth passes. */
  const synthError = (stack: TerraformStack): string => {
    try {
      Testing.synth(stack, true);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('reserves no concurrency unless asked, and then reads no quota', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing');
    const { json } = synth(stack);
    expect(onlyResource(json, 'aws_lambda_function').reserved_concurrent_executions).toBeUndefined();
    expect(json.data.aws_servicequotas_service_quota).toBeUndefined();
  });

  it('rejects the seed reservations (100 + 50 + 25) against a declared quota they leave under 100 of, listing every function', () => {
    const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 250 });
    fn('Processing', { reservedConcurrency: 100 });
    fn('Validation', { reservedConcurrency: 50 });
    fn('Notification', { reservedConcurrency: 25 });
    const message = synthError(stack);
    expect(message).toContain("[TapStack] aws_lambda_function.Processing_Function_D8B78631 at 'TapStack/Processing/Function' has 1 problem");
    expect(message).toContain('[function/unreserved-concurrency] reserved_concurrent_executions 175 must leave at least 100');
    expect(message).toContain("this account's quota (250) leaves room for 150 reserved once AWS keeps 100 unreserved, but 175 are reserved");
    expect(message).toContain(
      'Reserving: TapStack/Processing/Function=100, TapStack/Validation/Function=50, TapStack/Notification/Function=25 (175 in total; quota: declared by stack TapStack)',
    );
    expect(message).toContain('Fix: remove reservedConcurrency');
    expect(message).toContain('configureLambdaConcurrency(stack, { accountQuota })');
  });

  it('gives the same verdict whatever the order of construction', () => {
    const verdicts = [
      [100, 50, 25],
      [25, 50, 100],
      [50, 100, 25],
    ].map((order) => {
      const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 274 });
      order.forEach((reserved) => fn(`Fn${reserved}`, { reservedConcurrency: reserved }));
      // The verdict, without which function the message is attached to or the order of the list.
      const message = synthError(stack);
      return [/must leave .*?\. Reserving/.exec(message)?.[0], /\(\d+ in total; [^)]*\)/.exec(message)?.[0]].join(' ');
    });
    expect(verdicts[0]).toContain('but 175 are reserved');
    expect(new Set(verdicts).size).toBe(1);
  });

  it('says plainly that a quota of 10 leaves no room, never a negative number', () => {
    const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 10 });
    fn('Processing', { reservedConcurrency: 1 });
    const message = synthError(stack);
    expect(message).toContain("this account's quota (10) leaves no room for reserved concurrency: AWS keeps 100 unreserved");
    expect(message).not.toMatch(/(?<![\w-])-\d/);
  });

  it('accepts reservations that leave exactly 100 unreserved, and refuses one more', () => {
    expect(checkConcurrencyBudget([{ path: 'a', reserved: 900 }], 1000)).toEqual([]);
    expect(checkConcurrencyBudget([{ path: 'a', reserved: 901 }], 1000)).toHaveLength(1);
    const { stack, fn } = stackWithBucket();
    const edge = fn('Edge', { reservedConcurrency: 900 });
    expect(synthError(stack)).toBe('');
    edge.lambda.reservedConcurrentExecutions = 901;
    expect(synthError(stack)).toContain('but 901 are reserved');
  });

  it('counts a reservation set through the escape hatch after construction (fn.lambda.reservedConcurrentExecutions = 950)', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing').lambda.reservedConcurrentExecutions = 950;
    expect(synthError(stack)).toContain('Reserving: TapStack/Processing/Function=950 (950 in total;');
  });

  it('counts a reservation set with addOverride', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 10 }).lambda.addOverride('reserved_concurrent_executions', 901);
    expect(synthError(stack)).toContain('TapStack/Processing/Function=901 (901 in total;');
  });

  it('counts a plain LambdaFunction of the provider package, not made by UnreservedFunction', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 500 });
    new LambdaFunction(stack, 'Plain', { functionName: 'plain', role: 'arn:aws:iam::123456789012:role/plain', reservedConcurrentExecutions: 401 });
    expect(synthError(stack)).toContain('Reserving: TapStack/Processing/Function=500, TapStack/Plain=401 (901 in total;');
  });

  it('treats -1 (Lambda\'s "no reservation") as none, and refuses other values Lambda rejects', () => {
    const { stack, fn } = stackWithBucket();
    fn('Unreserved').lambda.reservedConcurrentExecutions = -1;
    expect(synthError(stack)).toBe('');
    fn('Negative').lambda.addOverride('reserved_concurrent_executions', -5);
    fn('Fraction').lambda.reservedConcurrentExecutions = 2.5;
    const message = synthError(stack);
    expect(message).toContain("at 'TapStack/Negative/Function' has 1 problem:\n  - [function/reserved-concurrency] reserved_concurrent_executions -5 must be a whole number");
    expect(message).toContain("at 'TapStack/Fraction/Function' has 1 problem:\n  - [function/reserved-concurrency] reserved_concurrent_executions 2.5 must be a whole number");
  });

  it('sums per account and region: two stacks with their own providers are not summed together', () => {
    const app = Testing.app();
    const stacks = ['Prod', 'Staging'].map((name) => {
      const stack = new TerraformStack(app, name);
      new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [name === 'Prod' ? '111111111111' : '222222222222'] });
      new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}), reservedConcurrency: 600 });
      return stack;
    });
    stacks.forEach((stack) => expect(synthError(stack)).toBe(''));
  });

  it('takes the quota per stack (environment): context set on one stack does not leak into another', () => {
    const app = Testing.app();
    // Pinned to two accounts: unpinned stacks in one region would be summed together (see the deployment checks).
    const [big, small] = [3000, 1000].map((quota, i) => {
      const stack = new TerraformStack(app, `Env${i}`);
      stack.node.setContext(ACCOUNT_CONCURRENCY_CONTEXT_KEY, quota);
      new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [`${i + 1}`.repeat(12)] });
      new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}), reservedConcurrency: 2000 });
      return stack;
    });
    expect(synthError(big)).toBe('');
    expect(synthError(small)).toContain("this account's quota (1000) leaves room for 900 reserved");
  });

  it('sums per provider within a stack: two regions are checked apart, each against its own quota lookup', () => {
    const { stack, fn } = stackWithBucket();
    const west = new AwsProvider(stack, 'west', { region: 'us-west-2', alias: 'west' });
    fn('East', { reservedConcurrency: 600 });
    fn('West', { reservedConcurrency: 600 }).lambda.provider = west;
    expect(synthError(stack)).toBe('');
    fn('WestToo', { reservedConcurrency: 301 }).lambda.provider = west;
    const message = synthError(stack);
    expect(message).toContain('of the Lambda concurrency quota of an account no provider pins (allowed_account_ids unset) in us-west-2 unreserved');
    expect(message).toContain('TapStack/West/Function=600, TapStack/WestToo/Function=301 (901 in total;');
    expect(message).not.toContain('TapStack/East/Function=');
    const quotas = synth(stack).json.data.aws_servicequotas_service_quota;
    expect(Object.values(quotas).map((q) => q.provider)).toEqual(expect.arrayContaining([undefined, 'aws.west']));
  });

  it('reads the quota through a provider chosen with addOverride, too', () => {
    const { stack, fn } = stackWithBucket();
    new AwsProvider(stack, 'west', { region: 'us-west-2', alias: 'west' });
    fn('West', { reservedConcurrency: 10 }).lambda.addOverride('provider', 'aws.west');
    expect(Object.values(synth(stack).json.data.aws_servicequotas_service_quota).map((q) => q.provider)).toEqual(['aws.west']);
  });

  it('lets a reservation known only at deploy time pass synth, and checks it at plan', () => {
    const { stack, fn } = stackWithBucket();
    const reserved = new TerraformVariable(stack, 'reserved', { type: 'number' });
    fn('Processing', { reservedConcurrency: reserved.numberValue });
    expect(synthError(stack)).toBe('');
    const { json } = synth(stack);
    const lambda = onlyResource(json, 'aws_lambda_function');
    expect(lambda.reserved_concurrent_executions).toBe('${var.reserved}');
    expect(Object.values(json.locals ?? {})).toContain('${0 + max(var.reserved, 0)}');
    expect(lambda.lifecycle.precondition[0].condition).toMatch(
      /^\$\{data\.aws_servicequotas_service_quota\.LambdaConcurrencyGuard_Quota_\w+\.value - local\.LambdaConcurrencyGuard_ReservedTotal_\w+ >= 100\}$/,
    );
  });

  it('reads the applied quota (lambda / L-B99A9384) once per stack and puts the precondition on every reserving function only', () => {
    const { stack, fn } = stackWithBucket();
    fn('A', { reservedConcurrency: 100 });
    fn('B', { reservedConcurrency: 50 });
    fn('Free');
    const { json } = synth(stack);
    expect(Object.values(json.data.aws_servicequotas_service_quota)).toEqual([{ service_code: 'lambda', quota_code: 'L-B99A9384' }]);
    const fns = json.resource.aws_lambda_function;
    const guarded = Object.entries(fns).filter(([, f]) => f.lifecycle?.precondition?.length).map(([key]) => key.split('_')[0]);
    expect(guarded.sort()).toEqual(['A', 'B']);
    const condition = Object.values(fns).find((f) => f.lifecycle)?.lifecycle.precondition[0].condition;
    expect(condition).toMatch(/\.value - 150 >= 100\}$/);
    // Synthesizing again does not stack a second copy.
    expect(Object.values(synth(stack).json.resource.aws_lambda_function).find((f) => f.lifecycle)?.lifecycle.precondition).toHaveLength(1);
  });

  it('keeps a deploy-time name precondition beside the concurrency precondition', () => {
    const { stack, fn } = stackWithBucket();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    fn('Processing', { functionName: `proc-${suffix.stringValue}`, reservedConcurrency: 10 });
    const preconditions = onlyResource(synth(stack).json, 'aws_lambda_function').lifecycle.precondition as { error_message: string }[];
    expect(preconditions.some((p) => p.error_message.includes('[function-name/charset]'))).toBe(true);
    expect(preconditions.some((p) => p.error_message.includes('[function/unreserved-concurrency]'))).toBe(true);
  });

  it('turns the lookup off with a documented switch; the synth-time check against the declared quota remains', () => {
    const { stack, fn } = stackWithBucket();
    configureLambdaConcurrency(stack, { accountQuota: 3000, lookUpAppliedQuota: false });
    fn('Processing', { reservedConcurrency: 2900 });
    expect(synthError(stack)).toBe('');
    const { json } = synth(stack);
    expect(json.data.aws_servicequotas_service_quota).toBeUndefined();
    expect(onlyResource(json, 'aws_lambda_function').lifecycle).toBeUndefined();
    fn('More', { reservedConcurrency: 1 });
    expect(synthError(stack)).toContain("this account's quota (3000) leaves room for 2900 reserved");
  });

  it('turns the lookup off from context, and then checks deploy-time reservations against the declared quota at plan', () => {
    const { stack, fn } = stackWithBucket({ [QUOTA_LOOKUP_CONTEXT_KEY]: false, [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 500 });
    const reserved = new TerraformVariable(stack, 'reserved', { type: 'number' });
    fn('Processing', { reservedConcurrency: reserved.numberValue });
    const { json } = synth(stack);
    expect(json.data.aws_servicequotas_service_quota).toBeUndefined();
    expect(onlyResource(json, 'aws_lambda_function').lifecycle.precondition[0].condition).toMatch(/^\$\{500 - local\.\w+ >= 100\}$/);
  });

  it.each([
    ['Infinity', 'Infinity'],
    ['3,000', '3,000'],
    ['1e3', '1e3'],
    [' 3000', ' 3000'],
    [2.5, '2.5'],
    [0, '0'],
    [-1000, '-1000'],
    [true, 'true'],
  ])('refuses the context quota %p, naming the key and the value', (value, shown) => {
    const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: value });
    fn('Processing');
    const message = synthError(stack);
    expect(message).toContain("[function/concurrency-quota] the cdktf context value 'accountConcurrencyLimit' is");
    expect(message).toContain(shown);
    expect(message).toContain('which is not a whole number');
  });

  it('parses a context quota given as a string of digits strictly', () => {
    const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: '3000' });
    fn('Processing', { reservedConcurrency: 2900 });
    expect(synthError(stack)).toBe('');
    fn('More', { reservedConcurrency: 1 });
    expect(synthError(stack)).toContain("this account's quota (3000)");
  });

  it('refuses a lookup switch that is neither true nor false', () => {
    const { stack, fn } = stackWithBucket({ [QUOTA_LOOKUP_CONTEXT_KEY]: 'no' });
    fn('Processing');
    expect(synthError(stack)).toContain("[function/concurrency-quota-lookup] the cdktf context value 'lambdaQuotaLookup' is \"no\"");
  });

  it('refuses an invalid typed quota setting at once', () => {
    const { stack } = stackWithBucket();
    for (const accountQuota of [Number.POSITIVE_INFINITY, 99.5, 0]) {
      const error = guardErrorOf(() => configureLambdaConcurrency(stack, { accountQuota }));
      expect(error.constructPath).toBe('TapStack');
      expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'function/concurrency-quota', field: 'accountQuota', value: accountQuota })]);
      expect(error.message).toContain(`accountQuota ${accountQuota} must be a whole number of at least 1`);
    }
  });

  it('refuses the removed per-function accountConcurrencyLimit prop instead of ignoring it', () => {
    const { fn } = stackWithBucket();
    const message = errorOf(() => fn('Processing', { accountConcurrencyLimit: 3000 } as Partial<UnreservedFunctionProps>));
    expect(message).toContain('[function/account-limit-moved]');
    expect(message).toContain('configureLambdaConcurrency');
  });

  it('sets a reservation that fits', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 10 });
    expect(onlyResource(synth(stack).json, 'aws_lambda_function').reserved_concurrent_executions).toBe(10);
    expect(synthError(stack)).toBe('');
  });
});

describe('UnreservedFunction props guard', () => {
  it.each(Object.entries(NODE_RUNTIMES).filter(([, r]) => r.status === 'deprecated'))(
    'rejects the deprecated runtime %s with its deprecation date',
    (runtime, entry) => {
      const { fn } = stackWithBucket();
      const message = errorOf(() => fn('Old', { runtime: runtime as never }));
      expect(message).toContain('[function/runtime]');
      expect(message).toContain(`deprecated by AWS on ${(entry as { deprecatedOn: string }).deprecatedOn}`);
      expect(message).toContain('use nodejs22.x');
    },
  );

  it('rejects an explicit name with invalid characters and never rewrites a valid one', () => {
    const { stack, fn } = stackWithBucket();
    expect(errorOf(() => fn('Bad', { functionName: 'my function!' }))).toContain('[function-name/charset]');
    fn('Good', { functionName: 'My_Function-1' });
    expect(onlyResource(synth(stack).json, 'aws_lambda_function').function_name).toBe('My_Function-1');
  });

  it('derives a name within 64 characters from a long stack name', () => {
    const { stack } = newStack(`Team${'Platform'.repeat(10)}`);
    const bucket = new SafeBucket(stack, 'Code', {});
    new UnreservedFunction(stack, 'Processing', { entry: ECHO_ENTRY, codeBucket: bucket });
    const name = onlyResource(synth(stack).json, 'aws_lambda_function').function_name as string;
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-[0-9a-f]{8}$/);
  });

  it('reports a missing entry, bad memory, bad timeout, bad retention and secret-looking variables together', () => {
    const { fn } = stackWithBucket();
    const message = errorOf(() =>
      fn('Broken', {
        entry: join(__dirname, 'does-not-exist.ts'),
        memorySize: 64,
        timeoutSeconds: 901,
        logRetentionDays: 10,
        environment: { DB_PASSWORD: 'hunter2' },
      }),
    );
    for (const rule of ['function/entry-exists', 'function/memory', 'function/timeout', 'log-retention/allowed-value', 'function/no-secrets-in-environment']) {
      expect(message).toContain(`[${rule}]`);
    }
  });
});

describe('UnreservedFunction environment variables', () => {
  it.each(LAMBDA_RESERVED_ENVIRONMENT_VARIABLES.map((name) => [name]))('refuses %s, which the Lambda runtime sets itself', (name) => {
    const { fn } = stackWithBucket();
    const message = errorOf(() => fn('Env', { environment: { [name]: 'x' } }));
    expect(message).toMatch(/\[function\/environment-(reserved|names)\]/);
    expect(message).toContain(name);
  });

  it('refuses the four non-AWS_ reserved names by the reserved-list rule, whatever the key format rule says', () => {
    for (const name of ['LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', '_HANDLER', '_X_AMZN_TRACE_ID']) {
      const { fn } = stackWithBucket();
      expect(errorOf(() => fn('Env', { environment: { [name]: 'x' } }))).toContain('[function/environment-reserved]');
    }
  });

  it('accepts the AWS_ names Lambda lets you set, and references to secrets', () => {
    const { stack, fn } = stackWithBucket();
    const environment = {
      AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
      API_TOKEN_PARAMETER: '/app/api-token',
      SIGNING_KEY_SECRET_NAME: 'signing-key',
      PRIVATE_KEY_ID: 'k1',
    };
    fn('Env', { environment });
    expect(onlyResource(synth(stack).json, 'aws_lambda_function').environment.variables).toEqual(environment);
  });

  it.each(['DB_PASSWORD', 'API_KEY', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'DB_SECRET_ARN_VALUE'])('refuses %s, which looks like it holds a secret', (name) => {
    const { fn } = stackWithBucket();
    const message = errorOf(() => fn('Env', { environment: { [name]: 'x' } }));
    expect(message).toContain('[function/no-secrets-in-environment]');
    expect(message).toContain('DB_SECRET_ARN');
  });

  it('refuses keys Lambda does not accept, naming only the bad ones', () => {
    const { fn } = stackWithBucket();
    const message = errorOf(() => fn('Env', { environment: { GOOD: '1', '1BAD': '2', 'BAD-DASH': '3', X: '4' } }));
    expect(message).toContain('[function/environment-names] environment ["1BAD","BAD-DASH","X"]');
  });

  it('matches the looksLikeSecret rule docs/constructs.md states', () => {
    expect(looksLikeSecret('DB_SECRET_ARN')).toBe(false);
    expect(looksLikeSecret('DB_SECRET')).toBe(true);
  });
});

describe('UnreservedFunction derived names', () => {
  it.each([
    ['a non-ASCII stack', '日本', 'Processing'],
    ['a non-ASCII id', 'TapStack', '処理'],
    ['a non-ASCII stack and id', '日本', '処理'],
  ])('never derives an empty function name or a role named "Role" from %s', (_what, stackName, id) => {
    const { stack } = newStack(stackName);
    new UnreservedFunction(stack, id, { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', { namePrefix: 'code' }) });
    const { json } = synth(stack);
    const functionName = onlyResource(json, 'aws_lambda_function').function_name as string;
    expect(functionName).toMatch(/^[A-Za-z0-9_-]*[0-9a-f]{8}$/);
    expect(onlyResource(json, 'aws_cloudwatch_log_group').name).toBe(`/aws/lambda/${functionName}`);
    const roleName = onlyResource(json, 'aws_iam_role').name as string;
    expect(roleName).not.toBe('Role');
    expect(roleName).toMatch(/-[0-9a-f]{8}$/);
  });

  it('derives different names for one id under two parents', () => {
    const { stack } = newStack();
    const codeBucket = new SafeBucket(stack, 'Code');
    for (const team of ['Billing', 'Search']) {
      new UnreservedFunction(new Construct(stack, team), 'Worker', { entry: ECHO_ENTRY, codeBucket });
    }
    const names = Object.values(synth(stack).json.resource.aws_lambda_function).map((f) => f.function_name);
    expect(names.sort()).toEqual(['TapStack-Billing-Worker', 'TapStack-Search-Worker']);
  });
});

describe('UnreservedFunction defaults', () => {
  const { stack, fn } = stackWithBucket();
  fn('Processing', { environment: { TABLE_NAME: 'jobs' } });
  const { text, json } = synth(stack);
  const lambda = onlyResource(json, 'aws_lambda_function');

  it('runs nodejs22.x on arm64 with active tracing and its own log group', () => {
    expect(text).toHaveResourceWithProperties(LambdaFunction, {
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: 256,
      timeout: 30,
      tracing_config: { mode: 'Active' },
      environment: { variables: { TABLE_NAME: 'jobs' } },
    });
    const logGroup = onlyResource(json, 'aws_cloudwatch_log_group');
    expect(logGroup).toMatchObject({ name: '/aws/lambda/TapStack-Processing', retention_in_days: 30 });
    expect(lambda.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_cloudwatch_log_group\./)]));
  });

  it('loads its code from the SafeBucket under a key holding the asset hash, with a source code hash', () => {
    const object = onlyResource(json, 'aws_s3_object');
    expect(object.key).toMatch(/^lambda\/[0-9A-F]{32}\.zip$/i);
    expect(lambda.s3_key).toBe(object.key);
    expect(lambda.s3_bucket).toMatch(/^\$\{aws_s3_bucket\.LambdaCode_Bucket_\w+\.bucket\}$/);
    expect(lambda.source_code_hash).toMatch(/^\$\{filebase64sha256\("assets\/.+\/lambda\.zip"\)\}$/);
  });

  it('may write only to its own log group, plus X-Ray', () => {
    const policy = Object.entries(json.data.aws_iam_policy_document).find(([key]) => key.startsWith('Processing_Role_PolicyDocument'))?.[1];
    expect(policy?.statement).toEqual([
      {
        sid: 'WriteOwnLogGroup',
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Processing_LogGroup_\w+\.arn\}:\*$/)],
      },
      { sid: 'WriteTraces', effect: 'Allow', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
    ]);
  });

  it('grants invoke on the function and its versions', () => {
    const { stack: s2, fn: fn2 } = stackWithBucket();
    const target = fn2('Target');
    const caller = fn2('Caller');
    target.grantInvoke(caller);
    const doc = Object.entries(synth(s2).json.data.aws_iam_policy_document).find(([key]) => key.startsWith('Caller_Role_PolicyDocument'))?.[1];
    const invoke = doc?.statement.find((s: { sid: string }) => s.sid === 'InvokeTarget');
    expect(invoke.actions).toEqual(['lambda:InvokeFunction']);
    expect(invoke.resources[1]).toBe(`${invoke.resources[0]}:*`);
  });
});

describe('UnreservedFunction bundling', () => {
  it('bundles an entry once however many functions use it, and shares one upload', () => {
    const { stack, fn } = stackWithBucket();
    fn('Warm');
    const before = esbuildRunCount();
    for (let i = 0; i < 5; i += 1) fn(`Copy${i}`);
    expect(esbuildRunCount()).toBe(before);
    expect(Object.keys(synth(stack).json.resource.aws_s3_object)).toHaveLength(1);
  });

  it('zips the bundle with index.js at the root', () => {
    const { fn } = stackWithBucket();
    const bundle = fn('Processing').bundle;
    expect(Object.keys(unzipSync(readFileSync(bundle!.zipPath)))).toEqual(['index.js']);
  });

  it('gives the same code the same zip and asset hash in two separate synths (fresh bundle cache and folder each)', () => {
    const first = synthInFreshModuleState();
    const second = synthInFreshModuleState();
    expect(second.zipPath).not.toBe(first.zipPath); // rebuilt and re-zipped, not reused
    expect(readFileSync(second.zipPath).equals(readFileSync(first.zipPath))).toBe(true);
    expect(first.s3Key).toMatch(/^lambda\/[0-9A-F]{32}\.zip$/i);
    expect(second.s3Key).toBe(first.s3Key);
    expect(second.sourceCodeHash).toBe(first.sourceCodeHash);
  });

  it('keeps @aws-sdk out of a handler that imports it, and minifies the rest', () => {
    const { fn } = stackWithBucket();
    const code = readFileSync(join(fn('Sdk', { entry: SDK_ENTRY }).bundle!.dir, 'index.js'), 'utf8');
    // Left as runtime requires of the SDK the Node.js runtime ships...
    expect(code).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    expect(code).toMatch(/require\("@aws-sdk\/lib-dynamodb"\)/);
    // ...and none of its code inlined (the SDK's own dependencies would come with it).
    expect(code).not.toMatch(/@smithy|serializeAws_json|DynamoDBServiceException/);
    // Minified: local names are gone and there is no indentation.
    expect(code).not.toContain('itemReadByTheFixtureHandler');
    expect(code).not.toContain('documentClientForTheFixtureTable');
    expect(code).not.toMatch(/\n {2}/);
    // The same entry with the SDK inlined is orders of magnitude larger: the size bound can fail.
    const inlined = buildSync({ entryPoints: [SDK_ENTRY], bundle: true, platform: 'node', format: 'cjs', minify: true, write: false, logLevel: 'silent' });
    expect(inlined.outputFiles[0].contents.byteLength).toBeGreaterThan(100_000);
    expect(Buffer.byteLength(code)).toBeLessThan(2_000);
  });
});
