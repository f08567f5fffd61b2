import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { ConsistentTable, MAX_GLOBAL_INDEXES, MAX_LOCAL_INDEXES, confusableForm } from '../../constructs/consistent-table';
import { GlobalIndexSchema, PrimaryKeyOf, TableKeySchema, defineKeySchema } from '../../constructs/key-schema';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { errorOf, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

const jobsSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: { gsi1: { partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } } },
});

function indexes(count: number): Record<string, GlobalIndexSchema> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`gsi${i}`, { partitionKey: { name: `gsi${i}pk`, type: 'S' as const } }]),
  );
}

describe('ConsistentTable key schema guard (seed failure 4)', () => {
  it('derives attribute definitions from the schema: every key attribute once, nothing else', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    const table = onlyResource(synth(stack).json, 'aws_dynamodb_table');
    expect(table.attribute).toEqual([
      { name: 'pk', type: 'S' },
      { name: 'sk', type: 'S' },
      { name: 'gsi1pk', type: 'S' },
      { name: 'gsi1sk', type: 'S' },
    ]);
    expect(table.hash_key).toBe('pk');
    expect(table.range_key).toBe('sk');
    expect(table.global_secondary_index).toEqual([
      { name: 'gsi1', hash_key: 'gsi1pk', range_key: 'gsi1sk', projection_type: 'ALL' },
    ]);
  });

  it('rejects the seed schema PK/SK/GSI1pk/GSI1sk against the lowercase convention', () => {
    const { stack } = newStack();
    const seedSchema = defineKeySchema({
      primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } },
      globalIndexes: { GSI1: { partitionKey: { name: 'GSI1pk', type: 'S' }, sortKey: { name: 'GSI1sk', type: 'S' } } },
    });
    const message = errorOf(() => new ConsistentTable(stack, 'Jobs', { schema: seedSchema }));
    expect(message).toContain("ConsistentTable at 'TapStack/Jobs'");
    expect(message).toContain('[table-keys/naming-convention]');
    expect(message).toContain('Fix:');
  });

  it('rejects two key names that differ only by case or separators, even under a permissive convention', () => {
    const { stack } = newStack();
    const schema: TableKeySchema = {
      primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
      globalIndexes: { byPk: { partitionKey: { name: 'PK', type: 'S' } } },
    };
    const message = errorOf(() => new ConsistentTable(stack, 'Jobs', { schema, keyNamePattern: '^[A-Za-z][A-Za-z0-9_]*$' }));
    expect(message).toContain('[table-keys/no-confusable-names]');
    expect(confusableForm('gsi1_pk')).toBe(confusableForm('GSI1PK'));
  });

  it('rejects one attribute declared with two types', () => {
    const { stack } = newStack();
    const schema: TableKeySchema = {
      primary: { partitionKey: { name: 'pk', type: 'S' } },
      globalIndexes: { byPk: { partitionKey: { name: 'pk', type: 'N' } } },
    };
    expect(errorOf(() => new ConsistentTable(stack, 'Jobs', { schema }))).toContain('[table-keys/one-type-per-attribute]');
  });

  it(`enforces ${MAX_GLOBAL_INDEXES} global and ${MAX_LOCAL_INDEXES} local indexes`, () => {
    const { stack } = newStack();
    const schema: TableKeySchema = {
      primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
      globalIndexes: indexes(MAX_GLOBAL_INDEXES + 1),
      localIndexes: Object.fromEntries(
        Array.from({ length: MAX_LOCAL_INDEXES + 1 }, (_, i) => [`lsi${i}`, { sortKey: { name: `lsi${i}sk`, type: 'S' as const } }]),
      ),
    };
    const message = errorOf(() => new ConsistentTable(stack, 'Jobs', { schema }));
    expect(message).toContain('[table-keys/gsi-limit]');
    expect(message).toContain('[table-keys/lsi-limit]');
  });

  it('accepts exactly the limits', () => {
    const { stack } = newStack();
    const schema: TableKeySchema = { primary: { partitionKey: { name: 'pk', type: 'S' } }, globalIndexes: indexes(MAX_GLOBAL_INDEXES) };
    expect(() => new ConsistentTable(stack, 'Jobs', { schema })).not.toThrow();
  });

  it('rejects a TTL attribute that is a key attribute', () => {
    const { stack } = newStack();
    expect(errorOf(() => new ConsistentTable(stack, 'Jobs', { schema: jobsSchema, timeToLiveAttribute: 'sk' }))).toContain('[table-ttl/not-a-key]');
  });

  it('types key objects from the schema, so a misspelt key name does not compile', () => {
    const key: PrimaryKeyOf<typeof jobsSchema> = { pk: 'JOB#1', sk: 'JOB' };
    // @ts-expect-error: PK is not a key of this table (tsc --noEmit checks this line).
    const wrong: PrimaryKeyOf<typeof jobsSchema> = { PK: 'JOB#1', sk: 'JOB' };
    expect(Object.keys(key)).toEqual(['pk', 'sk']);
    void wrong; // the check is tsc's: the @ts-expect-error above fails the type check if PK were accepted
  });
});

describe('ConsistentTable defaults', () => {
  it('is on-demand, recoverable, encrypted and protected from deletion', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    expect(synth(stack).text).toHaveResourceWithProperties(DynamodbTable, {
      billing_mode: 'PAY_PER_REQUEST',
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
      name: 'TapStack-Jobs',
    });
  });

  it('enables TTL on the named attribute and lets deletion protection be switched off', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema, timeToLiveAttribute: 'expires_at', deletionProtection: false });
    const table = onlyResource(synth(stack).json, 'aws_dynamodb_table');
    expect(table.ttl).toEqual({ attribute_name: 'expires_at', enabled: true });
    expect(table.deletion_protection_enabled).toBe(false);
  });
});

describe('ConsistentTable grants', () => {
  function grantedStatement(grant: (table: ConsistentTable, role: LeastPrivilegeRole) => void) {
    const { stack } = newStack();
    const table = new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    const role = new LeastPrivilegeRole(stack, 'Reader', { assumedBy: 'lambda.amazonaws.com' });
    grant(table, role);
    const doc = synth(stack).json.data.aws_iam_policy_document;
    const policy = Object.entries(doc).find(([key]) => key.startsWith('Reader_PolicyDocument'))?.[1];
    return policy?.statement[0];
  }

  it('scopes read grants to the table and each index ARN', () => {
    const statement = grantedStatement((table, role) => table.grantReadData(role));
    expect(statement.actions).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
    );
    const [tableArn, indexArn] = statement.resources;
    expect(statement.resources).toHaveLength(2);
    expect(tableArn).toMatch(/^\$\{aws_dynamodb_table\.Jobs_Table_[0-9A-F]{8}\.arn\}$/);
    expect(indexArn).toBe(`${tableArn}/index/gsi1`);
  });

  it('grants write actions only with grantWriteData', () => {
    const statement = grantedStatement((table, role) => table.grantWriteData(role));
    expect(statement.actions).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('grants exactly the named actions with grant()', () => {
    const statement = grantedStatement((table, role) => table.grant(role, 'dynamodb:Query', 'dynamodb:GetItem'));
    expect(statement.actions).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('refuses actions outside the table action list', () => {
    const { stack } = newStack();
    const table = new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    const role = new LeastPrivilegeRole(stack, 'Reader', { assumedBy: 'lambda.amazonaws.com' });
    const error = guardErrorOf(() => table.grant(role, 'dynamodb:DeleteTable' as never));
    expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'table/grant-actions', value: ['dynamodb:DeleteTable'] })]);
    expect(error.message).toContain('must be one or more of dynamodb:GetItem');
  });
});


describe('ConsistentTable key naming convention (keyNamePattern)', () => {
  it('accepts an uppercase convention', () => {
    const { stack } = newStack();
    const schema = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } } });
    new ConsistentTable(stack, 'Jobs', { schema, keyNamePattern: '^[A-Z][A-Z0-9_]*$' });
    expect(onlyResource(synth(stack).json, 'aws_dynamodb_table').hash_key).toBe('PK');
  });

  it.each([
    ['^[A-Z][A-Z0-9_]*$', 'PK', 'GSI1PK', 'GSI1_PK'],
    ['^[a-z][a-z0-9_]*$', 'pk', 'gsi1pk', 'gsi1_pk'],
    ['^.+$', 'id', 'pk', 'PK'],
    ['^.+$', 'id', 'pk', 'p-k'],
  ])('under %s still refuses (beside %s) %s and %s: names differing only by case or separators', (keyNamePattern, primary, first, second) => {
    const { stack } = newStack();
    const schema: TableKeySchema = {
      primary: { partitionKey: { name: primary, type: 'S' } },
      globalIndexes: { one: { partitionKey: { name: first, type: 'S' } }, two: { partitionKey: { name: second, type: 'S' } } },
    };
    const message = errorOf(() => new ConsistentTable(stack, 'Jobs', { schema, keyNamePattern }));
    expect(message).toContain('[table-keys/no-confusable-names]');
    expect(message).not.toContain('[table-keys/naming-convention]');
  });
});

describe('ConsistentTable index projections', () => {
  const schema = defineKeySchema({
    primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
    globalIndexes: {
      by_status: { partitionKey: { name: 'status_pk', type: 'S' }, projection: { include: ['status', 'type'] } },
      by_owner: { partitionKey: { name: 'owner_pk', type: 'S' }, projection: 'KEYS_ONLY' },
    },
    localIndexes: { by_created: { sortKey: { name: 'created_sk', type: 'S' }, projection: { include: ['status'] } } },
  });

  it('synthesizes INCLUDE with its attributes, KEYS_ONLY, and local indexes', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'Jobs', { schema });
    const table = onlyResource(synth(stack).json, 'aws_dynamodb_table');
    expect(table.global_secondary_index).toEqual([
      { name: 'by_status', hash_key: 'status_pk', projection_type: 'INCLUDE', non_key_attributes: ['status', 'type'] },
      { name: 'by_owner', hash_key: 'owner_pk', projection_type: 'KEYS_ONLY' },
    ]);
    expect(table.local_secondary_index).toEqual([
      { name: 'by_created', range_key: 'created_sk', projection_type: 'INCLUDE', non_key_attributes: ['status'] },
    ]);
  });

  it.each([
    ['no attribute', []],
    ['a key attribute', ['status', 'PK']],
    ['an attribute twice', ['status', 'status']],
  ])('refuses an INCLUDE projection listing %s', (_case, include) => {
    const { stack } = newStack();
    const bad: TableKeySchema = {
      primary: { partitionKey: { name: 'pk', type: 'S' } },
      globalIndexes: { g: { partitionKey: { name: 'gpk', type: 'S' }, projection: { include } } },
    };
    expect(errorOf(() => new ConsistentTable(stack, 'Jobs', { schema: bad }))).toContain('[table-keys/include-projection]');
  });

  it('refuses more than 100 projected attributes over all indexes', () => {
    const { stack } = newStack();
    const include = (prefix: string) => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`);
    const bad: TableKeySchema = {
      primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
      globalIndexes: { g: { partitionKey: { name: 'gpk', type: 'S' }, projection: { include: include('a') } } },
      localIndexes: { l: { sortKey: { name: 'lsk', type: 'S' }, projection: { include: [...include('b'), 'c'] } } },
    };
    expect(errorOf(() => new ConsistentTable(stack, 'Jobs', { schema: bad }))).toContain('[table-keys/projected-attribute-limit]');
  });
});

describe('ConsistentTable with a customer-managed key', () => {
  const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it.each([
    ['grantReadData', (table: ConsistentTable, role: LeastPrivilegeRole) => table.grantReadData(role)],
    ['grantWriteData', (table: ConsistentTable, role: LeastPrivilegeRole) => table.grantWriteData(role)],
    ['grant()', (table: ConsistentTable, role: LeastPrivilegeRole) => table.grant(role, 'dynamodb:GetItem')],
  ])('%s also grants kms:Decrypt and kms:GenerateDataKey on that key, and only on it', (_how, grant) => {
    const { stack } = newStack();
    const table = new ConsistentTable(stack, 'Jobs', { schema: jobsSchema, kmsKeyArn: KEY_ARN });
    const role = new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    grant(table, role);
    expect(role.grantedStatements.find((s) => s.sid === 'UseKeyJobs')).toEqual({
      sid: 'UseKeyJobs',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [KEY_ARN],
    });
    expect(onlyResource(synth(stack).json, 'aws_dynamodb_table').server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY_ARN });
  });

  it('grants nothing on KMS with the AWS managed key', () => {
    const { stack } = newStack();
    const table = new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    const role = new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    table.grantReadWriteData(role);
    expect(role.grantedStatements.flatMap((s) => s.actions).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });
});

describe('ConsistentTable derived names', () => {
  it.each([
    ['a one-letter stack and id', 'a', 'b'],
    ['a non-ASCII stack', '日本', 'Jobs'],
    ['a non-ASCII id', 'TapStack', '仕事'],
    ['a punctuation-only id', 'A', '!!'],
  ])('derives a valid name of at least 3 characters from %s', (_what, stackName, id) => {
    const { stack } = newStack(stackName);
    new ConsistentTable(stack, id, { schema: jobsSchema });
    const name = onlyResource(synth(stack).json, 'aws_dynamodb_table').name as string;
    expect(name.length).toBeGreaterThanOrEqual(3);
    expect(name).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('keeps the derived name of a table made directly in the stack', () => {
    const { stack } = newStack();
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    expect(onlyResource(synth(stack).json, 'aws_dynamodb_table').name).toBe('TapStack-Jobs');
  });

  it('still refuses an explicit name of 1-2 characters', () => {
    const { stack } = newStack();
    expect(errorOf(() => new ConsistentTable(stack, 'Jobs', { schema: jobsSchema, tableName: 'ab' }))).toContain('[table-name/min-length]');
  });
});
