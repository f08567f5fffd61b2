import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { App, TerraformStack, Testing } from 'cdktf';
import { ConsistentTable } from '../../../constructs/consistent-table';
import { EncryptedTopic } from '../../../constructs/encrypted-topic';
import { LeastPrivilegeRole } from '../../../constructs/least-privilege-role';
import { SafeBucket } from '../../../constructs/safe-bucket';
import { UnreservedFunction } from '../../../constructs/unreserved-function';
import { NAME_KINDS } from '../../../constructs/internal/name-rules';
import { PhysicalName, findNameCollisions } from '../../../constructs/internal/name-collisions';
import { defineKeySchema } from '../../../constructs/key-schema';
import { ECHO_ENTRY, errorOf, newStack } from '../../helpers/stacks';

const schema = defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } });

/** Synthesizes one stack with its validations, as `cdktf synth` does. */
function synthValidated(stack: TerraformStack): string {
  return Testing.synth(stack, true);
}

function stackIn(app: App, id: string, provider: ConstructorParameters<typeof AwsProvider>[2] = { region: 'us-east-1' }): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', provider);
  return stack;
}

describe('physical name collisions, checked on the final tree at synth', () => {
  it('refuses two buckets whose ids differ only by case (Data / data), naming both paths', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Data');
    new SafeBucket(stack, 'data');
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain('[name/unique] S3 bucket');
    expect(message).toContain("'TapStack/Data/Bucket'");
    expect(message).toContain("'TapStack/data/Bucket'");
    expect(message).toContain('Fix: rename one of the constructs');
  });

  it('refuses two functions whose ids differ only by separators (Fn.A / Fn-A): function, log group and role', () => {
    const { stack } = newStack();
    const codeBucket = new SafeBucket(stack, 'Code');
    new UnreservedFunction(stack, 'Fn.A', { entry: ECHO_ENTRY, codeBucket });
    new UnreservedFunction(stack, 'Fn-A', { entry: ECHO_ENTRY, codeBucket });
    const message = errorOf(() => synthValidated(stack));
    expect(message).toContain("Lambda function 'TapStack/Fn.A/Function' and 'TapStack/Fn-A/Function' would both be named \"TapStack-Fn-A\"");
    expect(message).toContain('CloudWatch log group');
    expect(message).toContain('IAM role');
  });

  it('refuses two tables given explicit names that differ only by case', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'A', { schema, tableName: 'Jobs' });
    new ConsistentTable(stack, 'B', { schema, tableName: 'jobs' });
    expect(errorOf(() => synthValidated(stack))).toMatch(/DynamoDB table 'TapStack\/A\/Table' and 'TapStack\/B\/Table'/);
  });

  it('sees a plain provider resource and an escape-hatch override, not only the constructs', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Exports', { bucketName: 'acme-exports' });
    new S3Bucket(stack, 'Plain', { bucket: 'placeholder' }).addOverride('bucket', 'acme-exports');
    expect(errorOf(() => synthValidated(stack))).toContain("'TapStack/Exports/Bucket' and 'TapStack/Plain'");
  });

  it('refuses one bucket name in two stacks: S3 names are global, whatever the regions', () => {
    const app = Testing.app();
    const east = stackIn(app, 'East', { region: 'us-east-1' });
    const west = stackIn(app, 'West', { region: 'eu-west-1' });
    new SafeBucket(east, 'Exports', { bucketName: 'acme-exports' });
    new SafeBucket(west, 'Exports', { bucketName: 'acme-exports' });
    expect(errorOf(() => synthValidated(west))).toContain("'East/Exports/Bucket' and 'West/Exports/Bucket'");
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
    expect(errorOf(() => synthValidated(sameName))).toContain("IAM role 'East/Worker/Role' and 'east/Worker/Role'");
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
    expect(errorOf(() => synthValidated(second))).toContain('[name/unique] DynamoDB table');

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

  it('stops app.synth() (what cdktf synth runs)', () => {
    const { app, stack } = newStack();
    new SafeBucket(stack, 'Data');
    new SafeBucket(stack, 'DATA');
    expect(() => app.synth()).toThrow(/\[name\/unique\]/);
  });
});

describe('findNameCollisions', () => {
  const name = (overrides: Partial<PhysicalName>): PhysicalName => ({
    path: 'S/A',
    kind: NAME_KINDS.function,
    stackPath: 'S',
    template: 'S-A',
    region: 'us-east-1',
    ...overrides,
  });

  it('compares ignoring case, within one kind only', () => {
    expect(findNameCollisions([name({}), name({ path: 'S/a', template: 's-a' })])).toHaveLength(1);
    expect(findNameCollisions([name({}), name({ path: 'S/T', kind: NAME_KINDS.table })])).toHaveLength(0);
  });

  it('compares names holding other deploy-time values only within one stack', () => {
    const template = 'svc-${var.env}';
    expect(findNameCollisions([name({ template }), name({ path: 'S/B', template })])).toHaveLength(1);
    expect(findNameCollisions([name({ template }), name({ path: 'T/B', stackPath: 'T', template })])).toHaveLength(0);
  });

  it('never flags REST API names, which API Gateway lets repeat', () => {
    expect(findNameCollisions([name({ kind: NAME_KINDS.restApi }), name({ path: 'S/B', kind: NAME_KINDS.restApi })])).toHaveLength(0);
  });
});
