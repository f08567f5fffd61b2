import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { unzipSync, zipSync } from 'fflate';
import { readFileSync } from 'fs';
import { SafeBucket } from '../../constructs/safe-bucket';
import {
  ACCOUNT_CONCURRENCY_CONTEXT_KEY,
  UnreservedFunction,
  UnreservedFunctionProps,
  checkConcurrencyBudget,
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
  it('reserves no concurrency unless asked', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing');
    expect(onlyResource(synth(stack).json, 'aws_lambda_function').reserved_concurrent_executions).toBeUndefined();
  });

  it('rejects the seed reservations (100 + 50 + 25) against a quota they leave under 100 of, listing every function', () => {
    const { fn } = stackWithBucket({ [ACCOUNT_CONCURRENCY_CONTEXT_KEY]: 250 });
    fn('Processing', { reservedConcurrency: 100 });
    fn('Validation', { reservedConcurrency: 50 });
    const message = errorOf(() => fn('Notification', { reservedConcurrency: 25 }));
    expect(message).toContain("UnreservedFunction at 'TapStack/Notification'");
    expect(message).toContain('[function/unreserved-concurrency]');
    expect(message).toContain('TapStack/Processing=100, TapStack/Validation=50, TapStack/Notification=25; sum 175 of an account limit of 250');
    expect(message).toContain('leave at least 100 unreserved (reserve at most 150 in total)');
    expect(message).toContain('Fix: remove reservedConcurrency');
  });

  it('accepts reservations that leave exactly 100 unreserved', () => {
    expect(checkConcurrencyBudget([{ path: 'a', reserved: 900 }], 1000)).toEqual([]);
    expect(checkConcurrencyBudget([{ path: 'a', reserved: 901 }], 1000)).toHaveLength(1);
  });

  it('sums reservations across stacks of one app, and uses the 1000 default quota', () => {
    const { app, stack } = newStack('First');
    const bucket = new SafeBucket(stack, 'Code', {});
    new UnreservedFunction(stack, 'A', { entry: ECHO_ENTRY, codeBucket: bucket, reservedConcurrency: 600 });
    const { TerraformStack } = jest.requireActual('cdktf');
    const second = new TerraformStack(app, 'Second');
    const secondBucket = new SafeBucket(second, 'Code', {});
    expect(errorOf(() => new UnreservedFunction(second, 'B', { entry: ECHO_ENTRY, codeBucket: secondBucket, reservedConcurrency: 301 }))).toContain(
      'sum 901 of an account limit of 1000',
    );
  });

  it('sets a reservation that fits', () => {
    const { stack, fn } = stackWithBucket();
    fn('Processing', { reservedConcurrency: 10 });
    expect(onlyResource(synth(stack).json, 'aws_lambda_function').reserved_concurrent_executions).toBe(10);
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
