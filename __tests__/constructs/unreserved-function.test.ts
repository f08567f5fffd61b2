import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'fs';
import { SafeBucket } from '../../constructs/safe-bucket';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import {
  ACCOUNT_CONCURRENCY_CONTEXT_KEY,
  QUOTA_LOOKUP_CONTEXT_KEY,
  UnreservedFunction,
  UnreservedFunctionProps,
  checkConcurrencyBudget,
  configureLambdaConcurrency,
} from '../../constructs/unreserved-function';
import { esbuildRunCount } from '../../constructs/internal/bundling';
import { NODE_RUNTIMES } from '../../constructs/internal/lambda-runtimes';
import { ECHO_ENTRY, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

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
    expect(message).toContain('[TapStack] [function/unreserved-concurrency]');
    expect(message).toContain("this account's quota (250) leaves room for 150 reserved once AWS keeps 100 unreserved, but 175 are reserved");
    expect(message).toContain('Reserving: TapStack/Processing=100, TapStack/Validation=50, TapStack/Notification=25 (175 in total)');
    expect(message).toContain('Fix: remove reservedConcurrency');
  });

  it('gives the same verdict whatever the order of construction', () => {
    const verdicts = [
      [100, 50, 25],
      [25, 50, 100],
      [50, 100, 25],
    ].map((order) => {
      const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 274 });
      order.forEach((reserved) => fn(`Fn${reserved}`, { reservedConcurrency: reserved }));
      return synthError(stack).replace(/Reserving: .*\(/, '(');
    });
    expect(verdicts[0]).toContain('but 175 are reserved');
    expect(new Set(verdicts).size).toBe(1);
  });

  it('says plainly that a quota of 10 leaves no room, never a negative number', () => {
    const { stack, fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 10 });
    fn('Processing', { reservedConcurrency: 1 });
    const message = synthError(stack);
    expect(message).toContain("this account's quota (10) leaves no room for reserved concurrency: AWS keeps 100 unreserved");
    expect(message).not.toMatch(/-\d/);
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
    expect(synthError(stack)).toContain('Reserving: TapStack/Processing=950 (950 in total)');
  });

  it('counts a reservation set with addOverride', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 10 }).lambda.addOverride('reserved_concurrent_executions', 901);
    expect(synthError(stack)).toContain('TapStack/Processing=901 (901 in total)');
  });

  it('counts a plain LambdaFunction of the provider package, not made by UnreservedFunction', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 500 });
    new LambdaFunction(stack, 'Plain', { functionName: 'plain', role: 'arn:aws:iam::123456789012:role/plain', reservedConcurrentExecutions: 401 });
    expect(synthError(stack)).toContain('Reserving: TapStack/Processing=500, TapStack/Plain=401 (901 in total)');
  });

  it('treats -1 (Lambda\'s "no reservation") as none, and refuses other values Lambda rejects', () => {
    const { stack, fn } = stackWithBucket();
    fn('Unreserved').lambda.reservedConcurrentExecutions = -1;
    expect(synthError(stack)).toBe('');
    fn('Negative').lambda.addOverride('reserved_concurrent_executions', -5);
    fn('Fraction').lambda.reservedConcurrentExecutions = 2.5;
    const message = synthError(stack);
    expect(message).toContain('[function/reserved-concurrency] TapStack/Negative reserves -5');
    expect(message).toContain('[function/reserved-concurrency] TapStack/Fraction reserves 2.5');
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
    const [big, small] = [3000, 1000].map((quota, i) => {
      const stack = new TerraformStack(app, `Env${i}`);
      stack.node.setContext(ACCOUNT_CONCURRENCY_CONTEXT_KEY, quota);
      new AwsProvider(stack, 'aws', { region: 'us-east-1' });
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
    expect(message).toContain('(provider aws.west)');
    expect(message).toContain('TapStack/West=600, TapStack/WestToo=301 (901 in total)');
    expect(message).not.toContain('TapStack/East=');
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
    expect(errorOf(() => configureLambdaConcurrency(stack, { accountQuota: Number.POSITIVE_INFINITY }))).toContain(
      '[function/concurrency-quota] lambdaConcurrency.accountQuota is Infinity, which is not a whole number',
    );
    expect(errorOf(() => configureLambdaConcurrency(stack, { accountQuota: 99.5 }))).toContain('99.5, which is not a whole number');
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
        entry: 'lambdas/does-not-exist.ts',
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

  it('zips the bundle deterministically, with index.js at the root', () => {
    const { fn } = stackWithBucket();
    const bundle = fn('Processing').bundle;
    const zip = readFileSync(bundle.zipPath);
    expect(Object.keys(unzipSync(zip))).toEqual(['index.js']);
    const again = zipSync({ 'index.js': [unzipSync(zip)['index.js'], { mtime: new Date('1980-01-01T00:00:00Z') }] }, { level: 9 });
    expect(Buffer.from(again).equals(zip)).toBe(true);
  });

  it('keeps @aws-sdk out of the bundle and minifies it', () => {
    const { fn } = stackWithBucket();
    const bundle = fn('Processing').bundle;
    expect(bundle.bytes).toBeLessThan(2_000);
  });
});
