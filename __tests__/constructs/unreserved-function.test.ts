import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { buildSync } from 'esbuild';
import { unzipSync } from 'fflate';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SafeBucket } from '../../constructs/safe-bucket';
import { Construct } from 'constructs';
import {
  ACCOUNT_CONCURRENCY_CONTEXT_KEY,
  LAMBDA_RESERVED_ENVIRONMENT_VARIABLES,
  looksLikeSecret,
  UnreservedFunction,
  UnreservedFunctionProps,
  checkConcurrencyBudget,
} from '../../constructs/unreserved-function';
import { esbuildRunCount } from '../../constructs/internal/bundling';
import { NODE_RUNTIMES } from '../../constructs/internal/lambda-runtimes';
import { ECHO_ENTRY, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

const SDK_ENTRY = '__tests__/fixtures/sdk-handler.ts';

/**
 * One synth with freshly loaded modules (so the per-process bundle cache is
 * empty) and a fresh temp folder (so the zip is written again, not found).
 */
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
    result = { zipPath: fn.bundle.zipPath, s3Key: lambda.s3_key, sourceCodeHash: lambda.source_code_hash };
  });
  jest.dontMock('os');
  return result!;
}

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

  it('matches the looksLikeSecret rule the README states', () => {
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
    expect(Object.keys(unzipSync(readFileSync(bundle.zipPath)))).toEqual(['index.js']);
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
    const code = readFileSync(join(fn('Sdk', { entry: SDK_ENTRY }).bundle.dir, 'index.js'), 'utf8');
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
