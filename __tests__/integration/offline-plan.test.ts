import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { BOOTSTRAP_STACK_ID, ENVIRONMENTS } from '../../config/environments';
import { buildApp } from '../../main';
import { CognitoUserPoolAuthorizer, LambdaTokenAuthorizer } from '../../constructs/api-authorizers';
import { ApiWebAcl } from '../../constructs/api-web-acl';
import { ConsistentTable } from '../../constructs/consistent-table';
import { defineKeySchema } from '../../constructs/key-schema';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { LoggedStateMachine } from '../../constructs/logged-state-machine';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { TapStack } from '../../stacks/tap-stack';
import { ECHO_ENTRY, newStack } from '../helpers/stacks';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  FAKE_ACCOUNT_ID,
  FAKE_REGION,
  assertTerraformAvailable,
  copyAppStackToTempDir,
  initValidateAndPlan,
  resourceAddress,
  synthToTempDir,
  taggableResourceTypes,
} from '../helpers/terraform';

// Real terraform and the real hashicorp/aws provider, offline; each plan takes a few seconds.
jest.setTimeout(120_000);

beforeAll(() => assertTerraformAvailable());

describe('offline terraform plan', () => {
  it('fails, saying how to fix it, when the provider mirror is missing', () => {
    const previous = process.env.TF_PLUGIN_MIRROR;
    process.env.TF_PLUGIN_MIRROR = '/nonexistent/tf-plugins';
    try {
      expect(() => assertTerraformAvailable()).toThrow(/No hashicorp\/aws 5\.100\.0 in the plugin mirror at \/nonexistent\/tf-plugins.*terraform providers mirror/);
    } finally {
      if (previous === undefined) delete process.env.TF_PLUGIN_MIRROR;
      else process.env.TF_PLUGIN_MIRROR = previous;
    }
  });

  it('plans the shipped TapStack clean, with its derived bucket name resolved to a valid lowercase name', () => {
    const stack = new TapStack(Testing.app(), 'TapStack');
    const dir = synthToTempDir(stack);
    const bucket = resourceAddress(dir, 'aws_s3_bucket', 'LambdaCode_Bucket');
    const result = initValidateAndPlan(dir, {
      asserts: [[`${bucket}.bucket == "tapstack-lambda-code-${FAKE_ACCOUNT_ID}-${FAKE_REGION}"`, 'the derived bucket name did not resolve as expected']],
    });
    // The one validation warning is reset_on_delete's deprecation in hashicorp/aws 5.100.0 (docs/constructs.md, ApiGatewayAccount).
    expect(result.output).toMatch(/Success! The configuration is valid/);
    const warnings = [...result.output.matchAll(/Warning: ([^\n]*)/g)].map((m) => m[1].trim()).filter((w) => !w.startsWith('Incomplete lock file'));
    expect(new Set(warnings)).toEqual(new Set(['Attribute Deprecated']));
    expect(result.output).toContain('The "reset_on_delete" attribute will be removed');
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });

  it('plans the authorizers, the WAF web ACL, a usage plan and a body model clean', () => {
    const { stack } = newStack('AuthStack');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket });
    const authorizerFn = new UnreservedFunction(stack, 'TokenCheck', { entry: ECHO_ENTRY, codeBucket });
    const api = new LambdaRestApi(stack, 'Api', {
      manageAccountLoggingRole: false,
      usagePlan: { quota: { limit: 1000, period: 'DAY' }, apiKeyNames: ['team-a'] },
      routes: [
        { method: 'POST', path: '/items', handler, requestBodySchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        { method: 'GET', path: '/items/{id}', handler, authorization: new CognitoUserPoolAuthorizer({ userPoolArns: [`arn:aws:cognito-idp:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:userpool/${FAKE_REGION}_AbCdEf123`] }) },
        { method: 'GET', path: '/me', handler, authorization: new LambdaTokenAuthorizer({ handler: authorizerFn }) },
        { method: 'GET', path: '/health', handler, authorization: 'NONE' },
      ],
    });
    api.grantInvoke(new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: FAKE_ACCOUNT_ID } }));
    new ApiWebAcl(stack, 'Waf', { api, maxBodyBytes: 261120 });
    const dir = synthToTempDir(stack);
    const webAcl = resourceAddress(dir, 'aws_wafv2_web_acl', 'Waf_WebAcl');
    const result = initValidateAndPlan(dir, {
      asserts: [[`${webAcl}.scope == "REGIONAL"`, 'the web ACL is not regional']],
    });
    expect(result.output).toContain('Success! The configuration is valid.');
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });

  it('stops a plan on each check synth left to it (deploy-time names, sums, roles), before any API call, naming the rule', () => {
    const { stack } = newStack('Broken');
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string', default: 'UPPER' });
    new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
    addPlanTimeChecks(stack, suffix.stringValue);
    const result = initValidateAndPlan(synthToTempDir(stack));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Resource precondition failed');
    expect(result.output).toContain("SafeBucket at 'Broken/Data': [bucket-name/charset]");
    expect(result.output).toContain('"data-UPPER"');
    // The same plan stops on what the deployment check left to it (one terraform init for all of them):
    const flat = result.output.replace(/[│\s]+/g, ' ');
    // a deploy-time table name (ConsistentTable), like the other constructs' names;
    expect(flat).toContain("ConsistentTable at 'Broken/Jobs': [table-name/charset]");
    // a plain resource's deploy-time name;
    expect(flat).toContain('Deployment check at \'Broken/Raw\': [bucket-name/charset] the resolved bucket "raw-UPPER"');
    // a deploy-time count multiplying a reservation, summed with another stack's literal one in the same (unpinned) account and region;
    expect(flat).toContain("but 1000 are reserved. Reserving in an account no provider pins (allowed_account_ids unset) in us-east-1: Broken/Counted=200 x (var.copies), Neighbour/Fn=600 (1000 in total;");
    // an existing role of another account than the one the credentials reach;
    expect(flat).toContain("[state-machine/role-account] role_arn names a role of account 999999999999, which must be the account deployed to (123456789012)");
    // a deploy-time role ARN naming a role the log-delivery policy is not attached to;
    expect(flat).toContain('[state-machine/log-delivery-role] the role the state machine runs as (arn:aws:iam::123456789012:role/not-the-one)');
    // one literal name for every instance of a deploy-time count (issue 18).
    expect(flat).toContain("Deployment check at 'Broken/Shared': [name/unique] its count or for_each (var.copies) makes 2 instances of this SNS topic, each with the name \"shared-topic\"");
  });
});

/**
 * What synth leaves to the plan, in one stack (`stack`, holding SafeBucket's check) and a neighbour of
 * the same app: each must stop the offline plan (the defaults below break every rule).
 */
function addPlanTimeChecks(stack: TerraformStack, suffix: string): void {
  const app = stack.node.root as App;
  const neighbour = new TerraformStack(app, 'Neighbour');
  new AwsProvider(neighbour, 'aws', { region: FAKE_REGION });
  const code = { s3Bucket: 'code', s3Key: 'fn.zip', runtime: 'nodejs22.x', handler: 'index.handler', role: `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/fn` };
  new LambdaFunction(neighbour, 'Fn', { ...code, functionName: 'neighbour', reservedConcurrentExecutions: 600 });

  const tableSuffix = new TerraformVariable(stack, 'table_suffix', { type: 'string', default: 'has space' });
  new ConsistentTable(stack, 'Jobs', { schema: defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } }), tableName: `jobs-${tableSuffix.stringValue}`, deletionProtection: false });
  new S3Bucket(stack, 'Raw', { bucket: `raw-${suffix}` });
  const copies = new TerraformVariable(stack, 'copies', { type: 'number', default: 2 });
  new LambdaFunction(stack, 'Counted', { ...code, count: copies.numberValue, functionName: 'counted-${count.index}', reservedConcurrentExecutions: 200 });
  new SnsTopic(stack, 'Shared', { count: copies.numberValue, name: 'shared-topic' });
  const definition = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
  new LoggedStateMachine(stack, 'Elsewhere', { definition, existingRole: { roleArn: 'arn:aws:iam::999999999999:role/Bare' } });
  const roleArn = new TerraformVariable(stack, 'machine_role_arn', { type: 'string', default: `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/not-the-one` });
  new SfnStateMachine(stack, 'Machine', {
    name: 'machine',
    roleArn: roleArn.stringValue,
    definition: JSON.stringify(definition),
    loggingConfiguration: { level: 'ALL', includeExecutionData: false, logDestination: `arn:aws:logs:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:log-group:machine:*` },
  });
}

describe('offline terraform plan of every stack main.ts builds', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tapstack-app-'));
  const stackIds = [BOOTSTRAP_STACK_ID, ...ENVIRONMENTS.map((e) => e.namePrefix)];
  let taggable: Set<string> | undefined;

  beforeAll(() => {
    buildApp(new App({ outdir }), { environments: ENVIRONMENTS.map((e) => e.name), backend: 'configured' }).synth();
  });

  it.each(stackIds)('plans %s clean, every resource that takes tags getting the default tags', (stackId) => {
    const dir = copyAppStackToTempDir(outdir, stackId);
    taggable ??= taggableResourceTypes(dir);
    const config = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
    const tags: Record<string, string> = config.provider.aws[0].default_tags[0].tags;
    const addresses = Object.entries(config.resource as Record<string, Record<string, unknown>>)
      .filter(([type]) => taggable!.has(type))
      .flatMap(([type, instances]) => Object.keys(instances).map((name) => `${type}.${name}`));
    expect(addresses.length).toBeGreaterThan(stackId === BOOTSTRAP_STACK_ID ? 0 : 20);
    const asserts = addresses.flatMap((address) =>
      Object.entries(tags).map(([key, value]) => [`${address}.tags_all[${JSON.stringify(key)}] == ${JSON.stringify(value)}`, `${address} lacks the tag ${key}=${value}`] as const),
    );
    const result = initValidateAndPlan(dir, { asserts, keepProviderDefaultTags: true });
    // Valid; the only warning allowed is reset_on_delete's deprecation in hashicorp/aws 5.100.0 (docs/constructs.md, ApiGatewayAccount).
    expect(result.output).toMatch(/Success! The configuration is valid/);
    const warnings = [...result.output.matchAll(/Warning: ([^\n]*)/g)].map((m) => m[1].trim()).filter((w) => !w.startsWith('Incomplete lock file'));
    expect(warnings.filter((w) => w !== 'Attribute Deprecated')).toEqual([]);
    if (warnings.length > 0) expect(result.output).toContain('The "reset_on_delete" attribute will be removed');
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
    // The local backend lives in the temp copy only: the synthesized stack keeps its own.
    const synthesized = JSON.parse(readFileSync(join(outdir, 'stacks', stackId, 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(synthesized.terraform.backend)).toEqual([stackId === BOOTSTRAP_STACK_ID ? 'local' : 's3']);
  }, 600_000);
});
