import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3DirectoryBucket } from '@cdktf/provider-aws/lib/s3-directory-bucket';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { App, TerraformIterator, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { parse as parseHcl } from '@cdktf/hcl2json';
import fc from 'fast-check';
import { ConsistentTable, EncryptedTopic, LeastPrivilegeRole, SafeBucket, UnreservedFunction, installDeploymentChecks } from '../../../../constructs';
import { checkDeployment } from '../../../../constructs/internal/deployment-checks';
import { DeploymentDocument } from '../../../../constructs/internal/deployment-document';
import { GOVERNED_NAMES } from '../../../../constructs/internal/deployment-checks/names';
import { defineKeySchema } from '../../../../constructs/key-schema';
import { ECHO_ENTRY, errorOf, newStack } from '../../../helpers/stacks';

const schema = defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } });
const ROLE = 'arn:aws:iam::123456789012:role/r';

/** Synthesizes one stack with its validations, as `Testing.synth(stack, true)` does. */
function synthValidated(stack: TerraformStack): string {
  return Testing.synth(stack, true);
}

function stackIn(app: App, id: string, provider: ConstructorParameters<typeof AwsProvider>[2] = { region: 'us-east-1' }): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', provider);
  return stack;
}

/** A stack of plain provider resources with the deployment check installed. */
function rawStack(name = 'Raw', provider?: ConstructorParameters<typeof AwsProvider>[2]) {
  const app = Testing.app();
  const stack = stackIn(app, name, provider);
  installDeploymentChecks(stack);
  return { app, stack };
}

describe('names of every resource of the governed types, from the final JSON', () => {
  it('refuses a SafeBucket name changed with addOverride after construction, and accepts a valid override', () => {
    const { stack } = newStack();
    const bucket = new SafeBucket(stack, 'Data');
    bucket.bucket.addOverride('bucket', 'Bad_Name');
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("aws_s3_bucket.Data_Bucket_");
    expect(message).toContain("at 'TapStack/Data/Bucket'");
    expect(message).toContain('[bucket-name/charset] bucket "Bad_Name" must contain only lowercase letters');
    bucket.bucket.addOverride('bucket', 'acme-data');
    expect(() => synthValidated(stack)).not.toThrow();
  });

  it.each([
    ['aws_s3_bucket', (s: TerraformStack, name: string) => new S3Bucket(s, 'R', { bucket: name }), 'Bad_Name', 'bucket-name/charset', 'good-name'],
    ['aws_lambda_function', (s: TerraformStack, name: string) => new LambdaFunction(s, 'R', { functionName: name, role: ROLE }), 'bad name', 'function-name/charset', 'Good_Name-1'],
    ['aws_iam_role', (s: TerraformStack, name: string) => new IamRole(s, 'R', { name, assumeRolePolicy: '{}' }), 'R'.repeat(65), 'role-name/max-length', 'R'.repeat(64)],
    ['aws_dynamodb_table', (s: TerraformStack, name: string) => new DynamodbTable(s, 'R', { name, hashKey: 'pk', attribute: [{ name: 'pk', type: 'S' }] }), 'ab', 'table-name/min-length', 'abc'],
    ['aws_sfn_state_machine', (s: TerraformStack, name: string) => new SfnStateMachine(s, 'R', { name, roleArn: ROLE, definition: '{}' }), 'has space', 'state-machine-name/charset', 'has-dash'],
    ['aws_cloudwatch_log_group', (s: TerraformStack, name: string) => new CloudwatchLogGroup(s, 'R', { name }), '/aws/x y', 'log-group-name/charset', '/aws/x-y'],
    ['aws_sns_topic', (s: TerraformStack, name: string) => new SnsTopic(s, 'R', { name }), 'bad.name', 'topic-name/charset', 'good_name'],
  ] as const)('refuses a bad name of a plain %s and accepts a good one', (_type, make, bad, ruleId, good) => {
    const { stack } = rawStack();
    const resource = make(stack, bad);
    expect(errorOf(() => synthValidated(stack))).toContain(`[${ruleId}]`);
    resource.addOverride(_type === 'aws_lambda_function' ? 'function_name' : _type === 'aws_s3_bucket' ? 'bucket' : 'name', good);
    expect(() => synthValidated(stack)).not.toThrow();
  });

  it('reads a resource written as a stack override (stack.addOverride), naming its address', () => {
    const { stack } = rawStack();
    stack.addOverride('resource.aws_s3_bucket.handwritten', { bucket: 'Hand_Written' });
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("aws_s3_bucket.handwritten at 'Raw' has 1 problem");
    stack.addOverride('resource.aws_s3_bucket.handwritten.bucket', 'hand-written');
    expect(() => synthValidated(stack)).not.toThrow();
  });

  it('checks bucket_prefix with the 26 characters Terraform appends', () => {
    const { stack } = rawStack();
    const bucket = new S3Bucket(stack, 'Prefixed', { bucketPrefix: 'p'.repeat(38) });
    expect(errorOf(() => synthValidated(stack))).toContain('[bucket-name/max-length] bucket_prefix');
    bucket.addOverride('bucket_prefix', 'p'.repeat(37));
    expect(() => synthValidated(stack)).not.toThrow();
  });

  it('lets an SNS FIFO topic end with .fifo, and only a FIFO topic', () => {
    const { stack } = rawStack();
    const topic = new SnsTopic(stack, 'Orders', { name: 'orders.fifo', fifoTopic: true });
    expect(() => synthValidated(stack)).not.toThrow();
    topic.addOverride('fifo_topic', false);
    expect(errorOf(() => synthValidated(stack))).toContain('[topic-name/charset]');
  });

  it('checks each instance of a literal for_each, and refuses one literal name given to every instance of a count', () => {
    const { stack } = rawStack();
    const each = TerraformIterator.fromList(['ok', 'Not OK']);
    new LambdaFunction(stack, 'PerKey', { forEach: each, functionName: `fn-${each.key}`, role: ROLE });
    expect(errorOf(() => synthValidated(stack))).toContain('[function-name/charset] function_name "fn-Not OK"');

    const counted = rawStack();
    const fn = new LambdaFunction(counted.stack, 'Counted', { functionName: 'fixed', role: ROLE });
    fn.addOverride('count', 2);
    expect(errorOf(() => synthValidated(counted.stack))).toContain('[name/unique] function_name "fixed" must differ between the instances');
    fn.addOverride('function_name', 'fixed-${count.index}');
    expect(() => synthValidated(counted.stack)).not.toThrow();
  });

  it('checks the literal parts of a deploy-time name at synth and adds one plan-time precondition per rule for the rest', () => {
    const { stack } = rawStack();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    const bucket = new S3Bucket(stack, 'Deploy', { bucket: `Data-${suffix.stringValue}` });
    expect(errorOf(() => synthValidated(stack))).toContain('[bucket-name/charset] bucket "Data-${var.suffix}"');
    bucket.addOverride('bucket', 'data-${var.suffix}');
    expect(() => synthValidated(stack)).not.toThrow();
    const synthesized = JSON.parse(Testing.synth(stack)) as { resource: { aws_s3_bucket: Record<string, { lifecycle: { precondition: { condition: string; error_message: string }[] } }> } };
    const preconditions = synthesized.resource.aws_s3_bucket.Deploy.lifecycle.precondition;
    expect(preconditions.map((p) => /\[([^\]]+)\]/.exec(p.error_message)?.[1])).toEqual([
      'bucket-name/min-length',
      'bucket-name/max-length',
      'bucket-name/charset',
      'bucket-name/edges',
      'bucket-name/adjacent-punctuation',
      'bucket-name/not-ip-address',
      'bucket-name/reserved-prefix',
      'bucket-name/reserved-suffix',
    ]);
    expect(preconditions[2].condition).toBe('${can(regex("^[a-z0-9.-]*$", "data-${var.suffix}"))}');
    expect(preconditions[2].error_message).toBe(
      "Deployment check at 'Raw/Deploy': [bucket-name/charset] the resolved bucket \"${\"data-${var.suffix}\"}\" must contain only lowercase letters, digits, '.' and '-'. Fix: lowercase the name and replace other characters with \"-\".",
    );
  });

  it("checks a SafeBucket's name overridden to a deploy-time value: the construct's own precondition checks the old one", () => {
    const { stack } = newStack();
    new TerraformVariable(stack, 'name', { type: 'string' });
    const bucket = new SafeBucket(stack, 'Data');
    bucket.bucket.addOverride('bucket', '${var.name}');
    const synthesized = JSON.parse(Testing.synth(stack)) as { resource: { aws_s3_bucket: Record<string, { lifecycle: { precondition: { error_message: string; condition: string }[] } }> } };
    const [entry] = Object.values(synthesized.resource.aws_s3_bucket);
    expect(entry.lifecycle.precondition.filter((p) => p.condition.includes('var.name'))).toHaveLength(8);
  });

  it('gives a deploy-time name that a construct already checks at plan no second set of preconditions', () => {
    const { stack } = newStack();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
    const synthesized = JSON.parse(Testing.synth(stack)) as { resource: { aws_s3_bucket: Record<string, { lifecycle: { precondition: { error_message: string }[] } }> } };
    const [entry] = Object.values(synthesized.resource.aws_s3_bucket);
    expect(entry.lifecycle.precondition).toHaveLength(8);
    expect(entry.lifecycle.precondition.every((p) => p.error_message.startsWith("SafeBucket at 'TapStack/Data'"))).toBe(true);
  });
});

describe('physical name collisions, across the stacks of the app', () => {
  it('refuses two buckets whose ids differ only by case (Data / data), naming both paths', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Data');
    new SafeBucket(stack, 'data');
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("at 'TapStack/data/Bucket' has 1 problem:\n  - [name/unique] bucket");
    expect(message).toContain("must differ from the name of S3 bucket 'TapStack/Data/Bucket'");
    expect(message).toContain('Fix: rename one of them');
  });

  it('refuses two functions whose ids differ only by separators (Fn.A / Fn-A): function, log group and role', () => {
    const { stack } = newStack();
    const codeBucket = new SafeBucket(stack, 'Code');
    new UnreservedFunction(stack, 'Fn.A', { entry: ECHO_ENTRY, codeBucket });
    new UnreservedFunction(stack, 'Fn-A', { entry: ECHO_ENTRY, codeBucket });
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain(
      "[name/unique] function_name \"TapStack-Fn-A\" must differ from the name of Lambda function 'TapStack/Fn.A/Function', which would also be named \"TapStack-Fn-A\"",
    );
    expect(message).toContain("CloudWatch log group 'TapStack/Fn.A/LogGroup'");
    expect(message).toContain("IAM role 'TapStack/Fn.A/Role/Role'");
  });

  it('refuses two tables given explicit names that differ only by case', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'A', { schema, tableName: 'Jobs' });
    new ConsistentTable(stack, 'B', { schema, tableName: 'jobs' });
    expect(errorOf(() => synthValidated(stack))).toMatch(/at 'TapStack\/B\/Table' has 1 problem:\n {2}- \[name\/unique\] name "jobs" must differ from the name of DynamoDB table 'TapStack\/A\/Table'/);
  });

  it('sees a plain provider resource and an escape-hatch override, not only the constructs', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Exports', { bucketName: 'acme-exports' });
    new S3Bucket(stack, 'Plain', { bucket: 'placeholder' }).addOverride('bucket', 'acme-exports');
    expect(errorOf(() => synthValidated(stack))).toContain("at 'TapStack/Plain' has 1 problem:\n  - [name/unique] bucket \"acme-exports\" must differ from the name of S3 bucket 'TapStack/Exports/Bucket'");
  });

  it('refuses one bucket name in two stacks: S3 names are global, whatever the regions', () => {
    const app = Testing.app();
    const east = stackIn(app, 'East', { region: 'us-east-1' });
    const west = stackIn(app, 'West', { region: 'eu-west-1' });
    new SafeBucket(east, 'Exports', { bucketName: 'acme-exports' });
    new SafeBucket(west, 'Exports', { bucketName: 'acme-exports' });
    expect(errorOf(() => synthValidated(west))).toContain("at 'West/Exports/Bucket' has 1 problem:\n  - [name/unique] bucket \"acme-exports\" must differ from the name of S3 bucket 'East/Exports/Bucket'");
  });

  it('refuses one role name in two stacks of one account, even in different regions (IAM is global to the account)', () => {
    const app = Testing.app();
    const east = stackIn(app, 'East', { region: 'us-east-1' });
    const west = stackIn(app, 'West', { region: 'eu-west-1' });
    // Derived role names start with the stack name; nested constructs of one shape in two stacks named alike collide.
    new LeastPrivilegeRole(east, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    new LeastPrivilegeRole(west, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    expect(() => synthValidated(west)).not.toThrow(); // East-Worker-Role and West-Worker-Role
    const sameName = stackIn(app, 'east', { region: 'ap-south-1' });
    new LeastPrivilegeRole(sameName, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    expect(errorOf(() => synthValidated(sameName))).toContain("must differ from the name of IAM role 'East/Worker/Role'");
  });

  it('does not flag per-region names in stacks whose provider regions are different literals', () => {
    const app = Testing.app();
    for (const [id, region] of [['Blue', 'us-east-1'], ['Green', 'eu-west-1']]) {
      const stack = stackIn(app, id, { region });
      new ConsistentTable(stack, 'Jobs', { schema, tableName: 'jobs' });
      new EncryptedTopic(stack, 'Events');
    }
    expect(() => app.synth()).not.toThrow();
  });

  it('flags per-region names conservatively when a region is not a literal, and spares different literal accounts', () => {
    const app = Testing.app();
    const first = stackIn(app, 'First', {});
    const second = stackIn(app, 'Second', { region: 'us-east-1' });
    new ConsistentTable(first, 'Jobs', { schema, tableName: 'jobs' });
    new ConsistentTable(second, 'Jobs', { schema, tableName: 'jobs' });
    const message = errorOf(() => synthValidated(second));
    expect(message).toContain('[name/unique] name "jobs"');
    expect(message).toContain('allowed_account_ids');

    const separate = Testing.app();
    const prod = stackIn(separate, 'Prod', { allowedAccountIds: ['111111111111'] });
    const dev = stackIn(separate, 'Dev', { allowedAccountIds: ['222222222222'] });
    new ConsistentTable(prod, 'Jobs', { schema, tableName: 'jobs' });
    new ConsistentTable(dev, 'Jobs', { schema, tableName: 'jobs' });
    expect(() => separate.synth()).not.toThrow();
  });

  it('tells accounts apart by a literal assume_role ARN', () => {
    const app = Testing.app();
    for (const [id, account] of [['Prod', '111111111111'], ['Dev', '222222222222']]) {
      const stack = stackIn(app, id, { assumeRole: [{ roleArn: `arn:aws:iam::${account}:role/deployer` }] });
      new ConsistentTable(stack, 'Jobs', { schema, tableName: 'jobs' });
    }
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps derived bucket names of two stacks apart when they hold different literal regions', () => {
    const app = Testing.app();
    for (const region of ['us-east-1', 'eu-west-1']) {
      new SafeBucket(stackIn(app, `Code${region.replace(/-/g, '')}`, { region }), 'Code', { namePrefix: 'shared' });
    }
    expect(() => app.synth()).not.toThrow();
  });

  it("finds a derived bucket name equal to an explicit one once the provider's account and region are literals, and not in another account", () => {
    const build = (explicitAccount: string) => {
      const app = Testing.app();
      const pinned = stackIn(app, 'Pinned', { region: 'eu-west-1', allowedAccountIds: ['111111111111'] });
      new SafeBucket(pinned, 'Code', { namePrefix: 'shared', purpose: 'code' });
      const other = stackIn(app, 'Other', { region: 'us-east-1', allowedAccountIds: ['222222222222'] });
      new SafeBucket(other, 'Taken', { bucketName: `shared-code-${explicitAccount}-eu-west-1` });
      return app;
    };
    expect(errorOf(() => build('111111111111').synth())).toContain(
      "[name/unique] bucket \"shared-code-111111111111-eu-west-1\" must differ from the name of S3 bucket 'Pinned/Code/Bucket', which would also be named \"shared-code-111111111111-eu-west-1\"",
    );
    expect(() => build('333333333333').synth()).not.toThrow();
  });

  it('finds a literal name that an unpinned derived name may turn into', () => {
    const app = Testing.app();
    new SafeBucket(stackIn(app, 'Unpinned', { region: 'eu-west-1' }), 'Code', { namePrefix: 'shared', purpose: 'code' });
    new SafeBucket(stackIn(app, 'Other', { region: 'eu-west-1', allowedAccountIds: ['222222222222'] }), 'Taken', { bucketName: 'shared-code-444444444444-eu-west-1' });
    expect(errorOf(() => app.synth())).toContain('which would also be named "shared-code-${data.aws_caller_identity.CallerIdentity.account_id}-eu-west-1"');
  });

  it('stops app.synth() (what cdktf synth runs)', () => {
    const { app, stack } = newStack();
    new SafeBucket(stack, 'Data');
    new SafeBucket(stack, 'DATA');
    expect(() => app.synth()).toThrow(/\[name\/unique\]/);
  });
});

describe('collisions over hand-written JSON (the pure check)', () => {
  const doc = (stacks: Record<string, Record<string, Record<string, Record<string, unknown>>>>, provider: Record<string, unknown> = { region: 'us-east-1' }): DeploymentDocument => ({
    valuesResolved: false,
    stacks: Object.entries(stacks).map(([name, resource]) => ({ name, json: { provider: { aws: [provider] }, resource } })),
  });
  const unique = (d: DeploymentDocument) => checkDeployment(d).filter((v) => v.ruleId === 'name/unique');

  it('compares ignoring case, within one kind only', () => {
    expect(unique(doc({ S: { aws_lambda_function: { a: { function_name: 'S-A' }, b: { function_name: 's-a' } } } }))).toHaveLength(1);
    expect(unique(doc({ S: { aws_lambda_function: { a: { function_name: 'S-A' } }, aws_dynamodb_table: { t: { name: 'S-A' } } } }))).toHaveLength(0);
  });

  it('compares names holding other deploy-time values only within one stack', () => {
    const named = { function_name: 'svc-${var.env}', lifecycle: { precondition: [] } };
    expect(unique(doc({ S: { aws_lambda_function: { a: named, b: named } } }))).toHaveLength(1);
    expect(unique(doc({ S: { aws_lambda_function: { a: named } }, T: { aws_lambda_function: { b: named } } }))).toHaveLength(0);
  });

  it('never flags REST API names, which API Gateway lets repeat', () => {
    expect(unique(doc({ S: { aws_api_gateway_rest_api: { a: { name: 'api' }, b: { name: 'api' } } } }))).toHaveLength(0);
  });
});

describe('names in a plan (values resolved)', () => {
  it('checks a planned name in full, and refuses one known only after apply, which no precondition can reach', () => {
    const plan = (bucket: string): DeploymentDocument => ({
      valuesResolved: true,
      stacks: [{ name: 'plan', json: { provider: { aws: [{ region: 'us-east-1' }] }, resource: { aws_s3_bucket: { b: { bucket } } } } }],
    });
    expect(checkDeployment(plan('TapStack-lambda-code')).map((v) => v.ruleId)).toEqual(['bucket-name/charset']);
    expect(checkDeployment(plan('data-${aws_s3_bucket.other.id}')).map((v) => v.ruleId)).toEqual(['name/known-after-apply']);
    expect(checkDeployment(plan('tapstack-lambda-code'))).toEqual([]);
  });
});

describe('issue 18 regressions: one name for every instance', () => {
  type Lifecycle = { lifecycle?: { precondition: { condition: string; error_message: string }[] } };
  const preconditionsOf = (stack: TerraformStack, type: string, name: string) =>
    ((JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Lifecycle>> }).resource[type][name].lifecycle?.precondition ?? []);

  it('checks at plan that a literal name under a deploy-time count makes at most one instance, and leaves a per-instance name alone', () => {
    const { stack } = rawStack();
    const n = new TerraformVariable(stack, 'n', { type: 'number' });
    new LambdaFunction(stack, 'Fixed', { count: n.numberValue, functionName: 'fixed', role: ROLE });
    new LambdaFunction(stack, 'PerInstance', { count: n.numberValue, functionName: 'fixed-${count.index}', role: ROLE });
    expect(() => synthValidated(stack)).not.toThrow();
    const [unique] = preconditionsOf(stack, 'aws_lambda_function', 'Fixed').filter((p) => p.error_message.includes('[name/unique]'));
    expect(unique.condition).toBe('${(var.n) <= 1}');
    expect(unique.error_message).toBe(
      "Deployment check at 'Raw/Fixed': [name/unique] its count or for_each (var.n) makes ${var.n} instances of this Lambda function, each with the function_name \"${\"fixed\"}\", and they must differ. Fix: put count.index or each.key into the name, or make at most one instance.",
    );
    expect(preconditionsOf(stack, 'aws_lambda_function', 'PerInstance').filter((p) => p.error_message.includes('[name/unique]'))).toEqual([]);
  });

  it('does the same for a deploy-time for_each, and for a bucket, a role and a log group', () => {
    const { stack } = rawStack();
    const names = new TerraformVariable(stack, 'names', { type: 'set(string)' });
    const each = TerraformIterator.fromList(names.listValue);
    new S3Bucket(stack, 'Bucket', { forEach: each, bucket: 'one-bucket' });
    new IamRole(stack, 'Role', { forEach: each, name: 'one-role', assumeRolePolicy: '{}' });
    new CloudwatchLogGroup(stack, 'Logs', { forEach: each, name: '/one/group' });
    expect(() => synthValidated(stack)).not.toThrow();
    for (const [type, name] of [['aws_s3_bucket', 'Bucket'], ['aws_iam_role', 'Role'], ['aws_cloudwatch_log_group', 'Logs']]) {
      expect(preconditionsOf(stack, type, name).filter((p) => p.error_message.includes('[name/unique]')).map((p) => p.condition)).toEqual(['${(length(toset(var.names))) <= 1}']);
    }
  });

  it('refuses such a name when nothing checks it at plan (a cdk.tf.json without the preconditions), and in a plan whose count is still unknown', () => {
    const stack = (valuesResolved: boolean): DeploymentDocument => ({
      valuesResolved,
      stacks: [{ name: 'S', json: { provider: { aws: [{ region: 'us-east-1' }] }, resource: { aws_sns_topic: { t: { count: '${var.n}', name: 'alerts' } } } } }],
    });
    expect(checkDeployment(stack(false)).map((v) => [v.ruleId, v.address, v.value])).toEqual([['name/plan-time-check', 'aws_sns_topic.t', 'alerts']]);
    expect(checkDeployment(stack(true)).map((v) => [v.ruleId, v.value])).toEqual([['name/unique', 'alerts']]);
  });

  it('refuses a literal count of 2 whose name holds a deploy-time value but no count.index, and accepts var.names[count.index]', () => {
    const { stack } = rawStack();
    const env = new TerraformVariable(stack, 'env', { type: 'string' });
    new TerraformVariable(stack, 'names', { type: 'list(string)' });
    const bucket = new S3Bucket(stack, 'Data', { count: 2, bucket: `data-${env.stringValue}` });
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("aws_s3_bucket.Data at 'Raw/Data' has 1 problem");
    expect(message).toContain('[name/unique] bucket "data-${var.env}" must differ between the instances of this S3 bucket');
    bucket.addOverride('bucket', '${var.names[count.index]}');
    expect(() => synthValidated(stack)).not.toThrow();
  });
});

describe('issue 18 regressions: names as Terraform reads them', () => {
  it('reads a name given as a JSON number as its text (table name 12 is too short), and accepts 123', () => {
    const { stack } = rawStack();
    const table = new DynamodbTable(stack, 'T', { name: 'abc', hashKey: 'pk', attribute: [{ name: 'pk', type: 'S' }] });
    table.addOverride('name', 12);
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("aws_dynamodb_table.T at 'Raw/T' has 1 problem");
    expect(message).toContain('[table-name/min-length] name "12" must be at least 3 characters long');
    table.addOverride('name', 123);
    expect(() => synthValidated(stack)).not.toThrow();
  });

  it.each([
    ['a bucket of exactly 63 characters', (s: TerraformStack) => new S3Bucket(s, 'R', { bucket: 'a'.repeat(63) }), 'bucket', 'a'.repeat(64), 'bucket-name/max-length'],
    ['a bucket_prefix of 37 characters (63 with the suffix)', (s: TerraformStack) => new S3Bucket(s, 'R', { bucketPrefix: 'a'.repeat(37) }), 'bucket_prefix', 'a'.repeat(38), 'bucket-name/max-length'],
    ['a role of exactly 64 characters', (s: TerraformStack) => new IamRole(s, 'R', { name: 'r'.repeat(64), assumeRolePolicy: '{}' }), 'name', 'r'.repeat(65), 'role-name/max-length'],
    ['a role name_prefix of 38 characters', (s: TerraformStack) => new IamRole(s, 'R', { namePrefix: 'r'.repeat(38), assumeRolePolicy: '{}' }), 'name_prefix', 'r'.repeat(39), 'role-name/max-length'],
    ['a lowercase ASCII bucket', (s: TerraformStack) => new S3Bucket(s, 'R', { bucket: 'bucket' }), 'bucket', 'bücket', 'bucket-name/charset'],
  ] as const)('accepts %s and refuses one character past it', (_case, make, attribute, bad, ruleId) => {
    const { stack } = rawStack();
    const resource = make(stack);
    expect(() => synthValidated(stack)).not.toThrow();
    resource.addOverride(attribute, bad);
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain(`[${ruleId}] ${attribute} "${bad}"`);
    expect(message).toContain("at 'Raw/R'");
    expect(message).toContain('Fix: ');
  });

  it.each([
    ['aws_s3_bucket', 'bucket', (s: TerraformStack, name: string) => new S3Bucket(s, 'R', { bucket: name })],
    ['aws_s3_bucket', 'bucket_prefix', (s: TerraformStack, name: string) => new S3Bucket(s, 'R', { bucketPrefix: name })],
    ['aws_lambda_function', 'function_name', (s: TerraformStack, name: string) => new LambdaFunction(s, 'R', { functionName: name, role: ROLE })],
    ['aws_iam_role', 'name', (s: TerraformStack, name: string) => new IamRole(s, 'R', { name, assumeRolePolicy: '{}' })],
    ['aws_dynamodb_table', 'name', (s: TerraformStack, name: string) => new DynamodbTable(s, 'R', { name, hashKey: 'pk', attribute: [{ name: 'pk', type: 'S' }] })],
    ['aws_sfn_state_machine', 'name', (s: TerraformStack, name: string) => new SfnStateMachine(s, 'R', { name, roleArn: ROLE, definition: '{}' })],
    ['aws_cloudwatch_log_group', 'name', (s: TerraformStack, name: string) => new CloudwatchLogGroup(s, 'R', { name })],
    ['aws_sns_topic', 'name', (s: TerraformStack, name: string) => new SnsTopic(s, 'R', { name })],
  ] as const)('gives a deploy-time %s %s one plan-time precondition per rule of its table', (type, attribute, make) => {
    const { stack } = rawStack();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    make(stack, `n-${suffix.stringValue}`);
    expect(() => synthValidated(stack)).not.toThrow();
    const kind = [...GOVERNED_NAMES.values()].find((g) => g.kind.terraformType === type)!.kind;
    const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, { R: { lifecycle: { precondition: { condition: string; error_message: string }[] } } }> };
    const preconditions = json.resource[type].R.lifecycle.precondition;
    expect(preconditions.map((p) => /\[([^\]]+)\]/.exec(p.error_message)?.[1])).toEqual(kind.rules.map((r) => r.id));
    expect(preconditions.every((p) => p.condition.includes('var.suffix') && p.error_message.startsWith(`Deployment check at 'Raw/R': [`))).toBe(true);
    expect(preconditions[0].error_message).toContain(`the resolved ${attribute} "`);
  });
});

describe('issue 18 regressions: names and multiplicity (properties)', () => {
  type Multiplicity = { kind: 'none' } | { kind: 'count'; n: number } | { kind: 'set'; keys: string[] } | { kind: 'objects'; keys: string[] } | { kind: 'var-count' } | { kind: 'var-set' };
  const multiplicityArb: fc.Arbitrary<Multiplicity> = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('count' as const), n: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('set' as const), keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('objects' as const), keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }) }),
    fc.constant({ kind: 'var-count' as const }),
    fc.constant({ kind: 'var-set' as const }),
  );
  /** How the name is written: per instance (count.index / each.key), one literal, or one deploy-time value shared by all. */
  const nameArb = fc.constantFrom('per-instance' as const, 'literal' as const, 'shared-deploy-time' as const);

  it('refuses a name shared by more than one literal instance, asks the plan when the number is deploy-time, and accepts per-instance names', () => {
    fc.assert(
      fc.property(multiplicityArb, nameArb, fc.constantFrom('aws_sns_topic', 'aws_iam_role', 'aws_s3_bucket'), (m, naming, type) => {
        const config: Record<string, unknown> = {};
        let instances: number | 'deploy-time' = 1;
        if (m.kind === 'count') [config.count, instances] = [m.n, m.n];
        if (m.kind === 'set') [config.for_each, instances] = [`\${toset(${JSON.stringify(m.keys)})}`, m.keys.length];
        if (m.kind === 'objects') [config.for_each, instances] = [Object.fromEntries(m.keys.map((k) => [k, { tier: k }])), m.keys.length];
        if (m.kind === 'var-count') [config.count, instances] = ['${var.n}', 'deploy-time'];
        if (m.kind === 'var-set') [config.for_each, instances] = ['${var.names}', 'deploy-time'];
        const index = m.kind === 'count' || m.kind === 'var-count' ? '${count.index}' : '${each.key}';
        const name = naming === 'per-instance' ? `n-${m.kind === 'none' ? 'one' : index}` : naming === 'literal' ? 'n-one' : 'n-${var.env}';
        const attribute = type === 'aws_s3_bucket' ? 'bucket' : 'name';
        // Rule preconditions for deploy-time names are another check's: give them, so only multiplicity speaks.
        const kind = GOVERNED_NAMES.get(type)!.kind;
        config[attribute] = name;
        config.lifecycle = { precondition: kind.rules.map((r) => ({ condition: '${var.n var.names var.env count.index each.key}', error_message: `[${r.id}]` })) };
        const violations = checkDeployment({ valuesResolved: false, stacks: [{ name: 'S', json: { provider: { aws: [{ region: 'us-east-1' }] }, resource: { [type]: { r: config } } } }] });
        const shared = naming !== 'per-instance' || m.kind === 'none';
        const ids = violations.map((v) => v.ruleId);
        expect(ids.filter((id) => id === 'name/unique').length).toBe(shared && typeof instances === 'number' && instances > 1 ? 1 : 0);
        expect(ids.filter((id) => id === 'name/plan-time-check').length).toBe(shared && instances === 'deploy-time' ? 1 : 0);
        expect(ids.filter((id) => id !== 'name/unique' && id !== 'name/plan-time-check')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Whether Terraform's HCL parser (hashicorp/hcl, as @cdktf/hcl2json builds it) reads each precondition's
 * condition and message as a string template: what `terraform plan` does before it can report a rule's message.
 */
async function parsesAsTerraform(preconditions: readonly { condition: string; error_message: string }[]): Promise<boolean> {
  // A heredoc's body is template source as is, like a JSON string once decoded (no quote escaping).
  const heredoc = (template: string) => `<<EOT\n${template}\nEOT\n`;
  const body = preconditions.map(({ condition, error_message }, i) => `  c${i} = ${heredoc(condition)}  m${i} = ${heredoc(error_message)}`).join('');
  try {
    await parseHcl('preconditions.tf', `locals {\n${body}}\n`);
    return true;
  } catch {
    return false;
  }
}

describe('directory bucket names, and names written as %{ } directives, in plain stacks', () => {
  function plainStack(id: string): TerraformStack {
    const stack = new TerraformStack(Testing.app(), id);
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    installDeploymentChecks(stack);
    return stack;
  }

  // Seed failure 1's shape on aws_s3_directory_bucket: an uppercase name S3 refuses at apply.
  it('refuses an uppercase S3 directory bucket name', () => {
    const stack = plainStack('Directory');
    new S3DirectoryBucket(stack, 'Express', { bucket: 'TapStack-Data--use1-az4--x-s3', location: [{ name: 'use1-az4' }] });
    expect(() => Testing.synth(stack, true)).toThrow(/uppercase|lowercase/);
  });

  it('accepts a directory bucket name of AWS rules, and refuses a dot, a missing zone suffix and a name in use', () => {
    const stack = plainStack('DirectoryOk');
    const bucket = new S3DirectoryBucket(stack, 'Express', { bucket: 'tapstack-data--use1-az4--x-s3', location: [{ name: 'use1-az4' }] });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    bucket.bucket = 'tapstack.data--use1-az4--x-s3';
    expect(errorOf(() => Testing.synth(stack, true))).toContain('[directory-bucket-name/charset]');
    bucket.bucket = 'tapstack-data';
    expect(errorOf(() => Testing.synth(stack, true))).toContain('[directory-bucket-name/zone-suffix]');
    bucket.bucket = 'tapstack-data--use1-az4--x-s3';
    new S3DirectoryBucket(stack, 'Again', { bucket: 'tapstack-data--use1-az4--x-s3', location: [{ name: 'use1-az4' }] });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('[name/unique]');
  });

  it('checks a deploy-time directory bucket name at plan, rule by rule', () => {
    const stack = plainStack('DirectoryVar');
    const base = new TerraformVariable(stack, 'base', { type: 'string' });
    new S3DirectoryBucket(stack, 'Express', { bucket: `${base.stringValue}--use1-az4--x-s3`, location: [{ name: 'use1-az4' }] });
    const json = JSON.parse(Testing.synth(stack, true)) as { resource: { aws_s3_directory_bucket: { Express: { lifecycle: { precondition: { error_message: string }[] } } } } };
    const messages = json.resource.aws_s3_directory_bucket.Express.lifecycle.precondition.map((p) => p.error_message);
    expect(messages.some((m) => m.includes('[directory-bucket-name/zone-suffix]'))).toBe(true);
    expect(messages.some((m) => m.includes('[directory-bucket-name/charset]'))).toBe(true);
  });

  // Written into a precondition as `(%{…})`, such a name is no HCL expression: terraform would stop with a
  // parse error instead of the rule's message.
  it('writes a precondition Terraform can parse for a name holding a %{ } directive', async () => {
    const stack = plainStack('Directive');
    new S3Bucket(stack, 'Code', { bucket: '%{if true}TapStack%{endif}-code' });
    const json = JSON.parse(Testing.synth(stack, true)) as { resource: { aws_s3_bucket: { Code: { lifecycle: { precondition: { condition: string; error_message: string }[] } } } } };
    const preconditions = json.resource.aws_s3_bucket.Code.lifecycle.precondition;
    expect(preconditions.length).toBeGreaterThan(0);
    for (const { condition } of preconditions) expect(condition).not.toContain('(%{');
    await expect(parsesAsTerraform(preconditions)).resolves.toBe(true);
  });

  it('writes parseable preconditions for a directive name with a deploy-time part, and none that parse for the broken form', async () => {
    const stack = plainStack('DirectiveVar');
    new TerraformVariable(stack, 'env', { type: 'string' });
    new S3Bucket(stack, 'Code', { bucket: '%{if var.env != ""}tapstack-${var.env}%{endif}-"code"' });
    const json = JSON.parse(Testing.synth(stack, true)) as { resource: { aws_s3_bucket: { Code: { lifecycle: { precondition: { condition: string; error_message: string }[] } } } } };
    await expect(parsesAsTerraform(json.resource.aws_s3_bucket.Code.lifecycle.precondition)).resolves.toBe(true);
    // The proof can fail: the form the writer used to produce does not parse.
    await expect(parsesAsTerraform([{ condition: '${length((%{if true}TapStack%{endif}-code)) >= 3}', error_message: 'x' }])).resolves.toBe(false);
  });
});
