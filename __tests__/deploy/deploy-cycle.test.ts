import { APIGatewayClient, GetResourcesCommand, GetRestApisCommand, GetStageCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetRolePolicyCommand, IAMClient, ListPoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LOG_DELIVERY_ACTIONS } from '../../constructs/internal/iam';
import { DEFAULT_NODE_RUNTIME } from '../../constructs/internal/lambda-runtimes';
import { DEFAULT_LOG_RETENTION_DAYS } from '../../constructs/internal/log-retention';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import {
  EMULATOR_REGION,
  assertToolsAvailable,
  cdktfDeploy,
  emulatorEnv,
  prepareStackDir,
  readOutputs,
  terraform,
} from '../../local/moto/deploy';
import { Emulator, assertMotoAvailable, startEmulator } from '../../local/moto/emulator';
import { TapStack } from '../../stacks/tap-stack';

/**
 * The whole deploy cycle against the local emulator, with the real cdktf CLI,
 * Terraform and hashicorp/aws provider: apply, an empty second plan, a
 * read-back of what was deployed through the AWS SDK (not Terraform state),
 * and a destroy that leaves nothing behind.
 */
jest.setTimeout(900_000);

const STACK = 'TapStack';
type Config = { resource: Record<string, Record<string, Record<string, any>>>; output: Record<string, unknown> };

let emulator: Emulator | undefined;
let workDir: string;
let stackDir: string;
let env: NodeJS.ProcessEnv;
let config: Config;
let outputs: Record<string, string>;
const phases: [string, number][] = [];
const cycleStart = Date.now();

async function timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await work();
  } finally {
    phases.push([phase, Date.now() - start]);
  }
}

function clientConfig() {
  return {
    endpoint: emulator!.endpoint,
    region: EMULATOR_REGION,
    credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
  };
}
const clients = {
  s3: () => new S3Client({ ...clientConfig(), forcePathStyle: true }),
  dynamodb: () => new DynamoDBClient(clientConfig()),
  lambda: () => new LambdaClient(clientConfig()),
  sfn: () => new SFNClient(clientConfig()),
  iam: () => new IAMClient(clientConfig()),
  logs: () => new CloudWatchLogsClient(clientConfig()),
  apigateway: () => new APIGatewayClient(clientConfig()),
  sns: () => new SNSClient(clientConfig()),
};

function resourcesOf(type: string): Record<string, any>[] {
  return Object.values(config.resource[type] ?? {});
}

beforeAll(async () => {
  // Fail, never skip, without the tools; the messages say what to install.
  assertMotoAvailable();
  assertToolsAvailable();
  workDir = mkdtempSync(join(tmpdir(), 'deploy-cycle-'));
  // The emulator starts in its own process while the stack synthesizes here.
  const starting = startEmulator();
  starting.catch(() => undefined);
  const outdir = join(workDir, 'cdktf.out');
  await timed('synth', async () => {
    const app = new App({ outdir });
    new TapStack(app, STACK, { tableDeletionProtection: false });
    app.synth();
  });
  emulator = await timed('emulator ready', () => starting);
  stackDir = join(outdir, 'stacks', STACK);
  prepareStackDir(stackDir);
  config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  env = emulatorEnv(emulator.endpoint, stackDir);
});

afterAll(async () => {
  await emulator?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  const lines = phases.map(([phase, ms]) => `  ${phase.padEnd(22)} ${(ms / 1000).toFixed(1)} s`);
  console.log(`Deploy cycle, ${((Date.now() - cycleStart) / 1000).toFixed(1)} s in all:\n${lines.join('\n')}`);
});

describe('TapStack deployed to the local emulator', () => {
  it('cdktf deploy creates every resource of the stack', async () => {
    const outputsFile = join(workDir, 'outputs.json');
    const deploy = await timed('cdktf deploy (apply)', () => cdktfDeploy(join(workDir, 'cdktf.out'), STACK, outputsFile, { env, noColor: true }));
    if (deploy.code !== 0) throw new Error(`cdktf deploy failed:\n${deploy.output.slice(-6000)}`);

    const state = await terraform(stackDir, ['state', 'list'], { env });
    const created = new Set(state.output.trim().split('\n'));
    const configured = Object.entries(config.resource).flatMap(([type, instances]) => Object.keys(instances).map((name) => `${type}.${name}`));
    expect(configured.length).toBeGreaterThan(40);
    expect(configured.filter((address) => !created.has(address))).toEqual([]);

    outputs = readOutputs(outputsFile, STACK);
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(config.output).sort());
  });

  it('a second plan shows no changes (no perpetual diff)', async () => {
    const plan = await timed('plan -detailed-exitcode', () =>
      terraform(stackDir, ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false'], { env }),
    );
    // 0 = no changes, 1 = error, 2 = changes: show the plan when it is not empty.
    if (plan.code !== 0) throw new Error(`second plan exited ${plan.code}:\n${plan.output.slice(-6000)}`);
  });

  describe('read back through the AWS SDK', () => {
    it('table: keys from the one schema, GSI, point-in-time recovery, encryption, deletion protection as configured', async () => {
      const dynamodb = clients.dynamodb();
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: outputs.table_name }));
      const { partitionKey, sortKey } = jobsTableSchema.primary;
      expect(Table?.KeySchema).toEqual([
        { AttributeName: partitionKey.name, KeyType: 'HASH' },
        { AttributeName: sortKey.name, KeyType: 'RANGE' },
      ]);
      const gsi1 = jobsTableSchema.globalIndexes.gsi1;
      expect(Table?.GlobalSecondaryIndexes?.map((i) => ({ name: i.IndexName, keys: i.KeySchema }))).toEqual([
        {
          name: 'gsi1',
          keys: [
            { AttributeName: gsi1.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey.name, KeyType: 'RANGE' },
          ],
        },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.SSEDescription?.Status).toBe('ENABLED');
      expect(Table?.DeletionProtectionEnabled).toBe(false); // the test stack turns it off to be destroyable
      const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: outputs.table_name }));
      expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    });

    it('code bucket: four public-access blocks, versioning, encryption, ownership, TLS-only policy, lifecycle, code zips', async () => {
      const s3 = clients.s3();
      const Bucket = outputs.code_bucket_name;
      const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
      expect(block.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
      const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
      expect(ownership.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);

      const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}');
      const tlsOnly = policy.Statement.find((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(tlsOnly).toBeDefined();
      expect([tlsOnly.Action].flat()).toContain('s3:*');
      expect([tlsOnly.Resource].flat().sort()).toEqual([`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`]);

      const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
      expect(lifecycle.Rules).toEqual([
        expect.objectContaining({
          ID: 'expire-noncurrent-versions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: expect.objectContaining({ NoncurrentDays: 30 }),
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        }),
      ]);

      // Every code zip the functions name is in the bucket, byte for byte the size of its asset.
      const objects = resourcesOf('aws_s3_object');
      expect(objects.length).toBeGreaterThan(0);
      for (const object of objects) {
        const head = await s3.send(new HeadObjectCommand({ Bucket, Key: object.key }));
        expect(head.ContentLength).toBe(statSync(join(stackDir, object.source)).size);
      }
    });

    it('state machine: logging at level ALL to its log group without execution data, tracing on', async () => {
      const machine = await clients.sfn().send(new DescribeStateMachineCommand({ stateMachineArn: outputs.state_machine_arn }));
      expect(machine.loggingConfiguration?.level).toBe('ALL');
      // AWS sends false; the SDK omits a false it sends, and moto echoes what it got.
      expect(machine.loggingConfiguration?.includeExecutionData ?? false).toBe(false);
      const destination = machine.loggingConfiguration?.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn ?? '';
      expect(destination).toMatch(new RegExp(`:log-group:/aws/vendedlogs/states/${machine.name}:\\*$`));
      expect(machine.tracingConfiguration?.enabled).toBe(true);
    });

    it("the workflow role carries the eight log-delivery actions on '*'", async () => {
      const machine = await clients.sfn().send(new DescribeStateMachineCommand({ stateMachineArn: outputs.state_machine_arn }));
      const RoleName = machine.roleArn!.split('/').pop()!;
      const iam = clients.iam();
      const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName }));
      const statements = [];
      for (const PolicyName of PolicyNames) {
        const { PolicyDocument = '' } = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
        statements.push(...JSON.parse(decodeURIComponent(PolicyDocument)).Statement);
      }
      const onStar = statements
        .filter((s: any) => s.Effect === 'Allow' && [s.Resource].flat().includes('*'))
        .flatMap((s: any) => [s.Action].flat());
      expect(onStar).toEqual(expect.arrayContaining([...LOG_DELIVERY_ACTIONS]));
    });

    it('each function: runtime, architecture, tracing, JSON logging to its own log group, log retention', async () => {
      const functions = resourcesOf('aws_lambda_function');
      expect(functions).toHaveLength(4);
      const lambda = clients.lambda();
      const logs = clients.logs();
      for (const fn of functions) {
        const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.function_name }));
        expect(deployed.Runtime).toBe(DEFAULT_NODE_RUNTIME);
        expect(deployed.Architectures).toEqual(['arm64']);
        expect(deployed.TracingConfig?.Mode).toBe('Active');
        expect(deployed.LoggingConfig).toEqual(
          expect.objectContaining({ LogFormat: 'JSON', LogGroup: `/aws/lambda/${fn.function_name}` }),
        );
        const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${fn.function_name}` }));
        expect(logGroups.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([[`/aws/lambda/${fn.function_name}`, DEFAULT_LOG_RETENTION_DAYS]]);
      }
    });

    it('REST API: the three routes, stage throttling 50 rps / burst 100, JSON access logs', async () => {
      const apigateway = clients.apigateway();
      const { items: apis = [] } = await apigateway.send(new GetRestApisCommand({}));
      expect(apis).toHaveLength(1);
      const restApiId = apis[0].id!;
      const { items: resources = [] } = await apigateway.send(new GetResourcesCommand({ restApiId, embed: ['methods'] }));
      const routes = resources.flatMap((r) => Object.keys(r.resourceMethods ?? {}).map((method) => `${method} ${r.path}`)).sort();
      expect(routes).toEqual(['GET /jobs', 'GET /jobs/{id}', 'POST /jobs']);

      const stageName = outputs.api_url.split('/').pop()!;
      const stage = await apigateway.send(new GetStageCommand({ restApiId, stageName }));
      expect(stage.methodSettings?.['*/*']).toEqual(expect.objectContaining({ throttlingRateLimit: 50, throttlingBurstLimit: 100 }));
      expect(stage.accessLogSettings?.destinationArn).toMatch(/:log-group:\/aws\/apigateway\/.+\/access$/);
      expect(() => JSON.parse(stage.accessLogSettings?.format ?? '')).not.toThrow();
      expect(stage.tracingEnabled).toBe(true);
    });

    it("topic: encrypted with the AWS managed key 'alias/aws/sns'", async () => {
      const { Attributes } = await clients.sns().send(new GetTopicAttributesCommand({ TopicArn: outputs.topic_arn }));
      expect(Attributes?.KmsMasterKeyId).toBe('alias/aws/sns');
    });
  });

  it('destroy leaves nothing behind in any service', async () => {
    // The state was just refreshed by the empty plan, so the destroy need not read everything again.
    const destroy = await timed('destroy', () =>
      terraform(stackDir, ['destroy', '-auto-approve', '-refresh=false', '-input=false', '-no-color', '-lock=false'], { env }),
    );
    if (destroy.code !== 0) throw new Error(`terraform destroy failed:\n${destroy.output.slice(-6000)}`);

    const remaining = await timed('list every service', async () => ({
      buckets: (await clients.s3().send(new ListBucketsCommand({}))).Buckets ?? [],
      tables: (await clients.dynamodb().send(new ListTablesCommand({}))).TableNames ?? [],
      functions: (await clients.lambda().send(new ListFunctionsCommand({}))).Functions ?? [],
      stateMachines: (await clients.sfn().send(new ListStateMachinesCommand({}))).stateMachines ?? [],
      roles: (await clients.iam().send(new ListRolesCommand({}))).Roles ?? [],
      customerPolicies: (await clients.iam().send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [],
      logGroups: (await clients.logs().send(new DescribeLogGroupsCommand({}))).logGroups ?? [],
      restApis: (await clients.apigateway().send(new GetRestApisCommand({}))).items ?? [],
      topics: (await clients.sns().send(new ListTopicsCommand({}))).Topics ?? [],
    }));
    expect(remaining).toEqual({
      buckets: [],
      tables: [],
      functions: [],
      stateMachines: [],
      roles: [],
      customerPolicies: [],
      logGroups: [],
      restApis: [],
      topics: [],
    });
    const state = await terraform(stackDir, ['state', 'list'], { env });
    expect(state.output.trim()).toBe('');
  });
});
