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
import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { environmentNamed } from '../../config/environments';
import { LOG_DELIVERY_ACTIONS } from '../../constructs/internal/iam';
import { DEFAULT_NODE_RUNTIME } from '../../constructs/internal/lambda-runtimes';
import { DEFAULT_LOG_RETENTION_DAYS } from '../../constructs/internal/log-retention';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import { assertToolsAvailable, terraform } from '../../local/moto/deploy';
import { assertMotoAvailable } from '../../local/moto/emulator';
import { signalAlone } from '../helpers/processes';

/**
 * `npm run deploy:local` as docs/local.md shows it, run through npm, then the whole deploy cycle on
 * what it deployed, with the real cdktf CLI, Terraform and hashicorp/aws provider: every resource
 * and output, an empty second plan, a read-back through the AWS SDK (not Terraform state) and a
 * destroy that leaves nothing, each through the `export` line the script prints; then a stop by
 * SIGINT sent to npm alone. One deploy serves both: the script's claims and the cycle's.
 */
jest.setTimeout(900_000);

/** The command of docs/local.md (Deploy locally), run as written; the docs' command test checks this file names it. */
const DOC_COMMAND = 'npm run deploy:local';
const ROOT = join(__dirname, '..', '..');
const DEV = environmentNamed('dev');
const STACK = DEV.namePrefix;
type Config = { resource: Record<string, Record<string, Record<string, any>>>; output: Record<string, unknown> };

/** What `npm run deploy:local` printed about the stack it deployed. */
interface Deployment {
  readonly heading: string;
  readonly outputs: Record<string, string>;
  readonly stackDir: string;
  /** The variables of the printed `export` line. */
  readonly exported: Record<string, string>;
  /** The temp folder it says Ctrl-C deletes. */
  readonly workDir: string;
}

function parseDeployment(text: string): Deployment {
  const heading = /^Deployed (.+) to the local emulator at .+\. Outputs:$/m.exec(text);
  if (!heading) throw new Error(`no "Deployed ..." line in:\n${text.slice(-4000)}`);
  const rest = text.slice(heading.index + heading[0].length + 1).split('\n');
  const folderAt = rest.findIndex((line) => line.startsWith('Stack folder'));
  const outputs = Object.fromEntries(rest.slice(0, folderAt).map((line) => /^ {2}(\S+)\s+(\S+)$/.exec(line)!.slice(1, 3)));
  const stackDir = rest[folderAt].replace(/^Stack folder \(Terraform state included\): /, '');
  const exportLine = rest.find((line) => line.startsWith('  export '))!;
  const exported = Object.fromEntries(exportLine.trim().replace(/^export /, '').split(' ').map((pair) => pair.split('=') as [string, string]));
  const workDir = /Ctrl-C stops the emulator and deletes (\S+)\. /.exec(text)![1];
  return { heading: heading[1], outputs, stackDir, exported, workDir };
}

let child: ChildProcess | undefined;
const printed = { text: '' };
let scratchTmp: string;
let deployment: Deployment;
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
    endpoint: deployment.exported.AWS_ENDPOINT_URL,
    region: deployment.exported.AWS_REGION,
    credentials: { accessKeyId: deployment.exported.AWS_ACCESS_KEY_ID, secretAccessKey: deployment.exported.AWS_SECRET_ACCESS_KEY },
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

/** Resolves once `npm run deploy:local` says it is ready; rejects if it exits first. */
function ready(): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (printed.text.includes('Press Ctrl-C to stop.')) resolve();
    };
    child!.stdout!.on('data', check);
    child!.once('exit', (code) => reject(new Error(`${DOC_COMMAND} exited (${code}) before it was ready:\n${printed.text.slice(-6000)}`)));
  });
}

beforeAll(async () => {
  // Fail, never skip, without the tools; the messages say what to install.
  assertMotoAvailable();
  assertToolsAvailable();
  // The script's temp folder goes here, so the test can see it go.
  scratchTmp = mkdtempSync(join(tmpdir(), 'deploy-cycle-'));
  const [command, ...args] = DOC_COMMAND.split(' ');
  child = spawn(command, args, { cwd: ROOT, env: { ...process.env, TMPDIR: scratchTmp, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (printed.text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (printed.text += chunk.toString('utf8')));
  await timed(`${DOC_COMMAND} (synth, emulator, apply)`, ready);
  deployment = parseDeployment(printed.text);
  stackDir = deployment.stackDir;
  outputs = deployment.outputs;
  config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  // As a user who pasted the export line into another terminal.
  env = { ...process.env, ...deployment.exported };
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) await signalAlone(child, 'SIGTERM', 5000);
  if (scratchTmp) rmSync(scratchTmp, { recursive: true, force: true });
  const lines = phases.map(([phase, ms]) => `  ${phase.padEnd(48)} ${(ms / 1000).toFixed(1)} s`);
  console.log(`Deploy cycle, ${((Date.now() - cycleStart) / 1000).toFixed(1)} s in all:\n${lines.join('\n')}`);
});

describe(`${DOC_COMMAND}: ${STACK} deployed to the local emulator`, () => {
  it(`deploys ${STACK} as the account and region dev pins, every resource of the stack and every output`, async () => {
    expect(deployment.heading).toBe(`${STACK} (environment dev: account ${DEV.accountId}, ${DEV.region})`);
    // The emulator answers as dev's account: its STS gave the provider (allowed_account_ids) and the derived name that account.
    expect(outputs.code_bucket_name).toBe(`${STACK}-lambda-code-${DEV.accountId}-${DEV.region}`);
    expect(deployment.exported.AWS_REGION).toBe(DEV.region);

    const state = await terraform(stackDir, ['state', 'list'], { env });
    const created = new Set(state.output.trim().split('\n'));
    const configured = Object.entries(config.resource).flatMap(([type, instances]) => Object.keys(instances).map((name) => `${type}.${name}`));
    expect(configured.length).toBeGreaterThan(40);
    expect(configured.filter((address) => !created.has(address))).toEqual([]);
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
      expect(Table?.DeletionProtectionEnabled).toBe(DEV.tableDeletionProtection); // dev (config/environments.ts) keeps it off
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
    // What the script says to run to watch a destroy: terraform -chdir=<stack folder> destroy, with the export line.
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
  it('stops on SIGINT sent to npm alone within 2 s, destroying nothing: the emulator\'s port closed, the temp folder and every process gone', async () => {
    expect(existsSync(deployment.workDir)).toBe(true);
    const stopped = await timed('stop (SIGINT to npm)', () => signalAlone(child!, 'SIGINT'));
    expect({ code: stopped.code, within2s: stopped.ms < 2000, stillRunning: stopped.stillRunning }).toEqual({ code: 0, within2s: true, stillRunning: [] });
    expect(printed.text).toContain('SIGINT: stopping the emulator (nothing is destroyed; its state is discarded)');
    await expect(fetch(deployment.exported.AWS_ENDPOINT_URL)).rejects.toThrow();
    expect(existsSync(deployment.workDir)).toBe(false);
  });
});
