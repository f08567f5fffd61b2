import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConsistentTable, defineKeySchema, installDeploymentChecks } from '../../../../constructs';
import { checkDeployment } from '../../../../constructs/internal/deployment-checks';
import { TABLE_NAME_RULES } from '../../../../constructs/internal/name-rules';
import { errorOf, newStack } from '../../../helpers/stacks';

const jobsSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: { gsi1: { partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } } },
});

describe("a table's keys against the key schema the code is typed from", () => {
  function jobsTable() {
    const { stack } = newStack();
    const table = new ConsistentTable(stack, 'Jobs', { schema: jobsSchema });
    return { stack, table };
  }

  it("refuses hash_key overridden to PK while the schema (and so the code) says pk: seed failure 4 by override", () => {
    const { stack, table } = jobsTable();
    table.table.addOverride('hash_key', 'PK');
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("at 'TapStack/Jobs/Table' has 1 problem");
    expect(message).toContain('[table-keys/matches-schema] hash_key "PK" must equal the key schema the code is typed from: "pk"');
  });

  it('accepts an override of anything but the keys', () => {
    const { stack, table } = jobsTable();
    table.table.addOverride('stream_enabled', true);
    table.table.addOverride('stream_view_type', 'NEW_IMAGE');
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('refuses attribute definitions and indexes that differ from the schema', () => {
    const { stack, table } = jobsTable();
    table.table.addOverride('attribute', [{ name: 'pk', type: 'N' }]);
    table.table.addOverride('global_secondary_index', [{ name: 'gsi2', hash_key: 'gsi1pk', projection_type: 'ALL' }]);
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain('[table-keys/matches-schema] attribute');
    expect(message).toContain('[table-keys/matches-schema] global_secondary_index');
  });

  it('records the schema in cdk.tf.json, so a check of cdktf.out compares it too', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'tables-'));
    const app = new App({ outdir, skipValidation: true });
    const stack = new TerraformStack(app, 'tapstack');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema }).table.addOverride('range_key', 'SK');
    app.synth();
    const json = JSON.parse(readFileSync(join(outdir, 'stacks', 'tapstack', 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    const violations = checkDeployment({ valuesResolved: false, stacks: [{ name: 'tapstack', json }] });
    expect(violations.map((v) => [v.ruleId, v.field, v.value])).toEqual([['table-keys/matches-schema', 'range_key', 'SK']]);
  });
});

describe('key attribute names: 1 to 255 bytes of UTF-8', () => {
  const schemaWith = (name: string) => defineKeySchema({ primary: { partitionKey: { name, type: 'S' } } });
  const any = '^.+$';

  it('refuses a key name of 256 bytes in ConsistentTable at once, and accepts 255 (multi-byte characters counted in bytes)', () => {
    const { stack } = newStack();
    const message = errorOf(() => new ConsistentTable(stack, 'Long', { schema: schemaWith('é'.repeat(128)), keyNamePattern: any }));
    expect(message).toContain('[table-keys/name-length]');
    new ConsistentTable(stack, 'Edge', { schema: schemaWith(`${'é'.repeat(127)}a`), keyNamePattern: any });
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('refuses a key name over 255 bytes in a plain table on the final tree, and accepts 255', () => {
    const stack = new TerraformStack(Testing.app(), 'Raw');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    installDeploymentChecks(stack);
    const table = new DynamodbTable(stack, 'T', { name: 'raw', hashKey: 'k'.repeat(256), attribute: [{ name: 'k'.repeat(256), type: 'S' }] });
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain('[table-keys/name-length] hash_key');
    expect(message).toContain('[table-keys/name-length] attribute[0].name');
    table.hashKey = 'k'.repeat(255);
    table.putAttribute([{ name: 'k'.repeat(255), type: 'S' }]);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });
});

describe('a table name known only at deploy time', () => {
  it('gets one plan-time precondition per rule, as SafeBucket, UnreservedFunction and LoggedStateMachine names do', () => {
    const { stack } = newStack();
    const env = new TerraformVariable(stack, 'env', { type: 'string' });
    new ConsistentTable(stack, 'Jobs', { schema: jobsSchema, tableName: `jobs-${env.stringValue}` });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const table = Object.values((JSON.parse(Testing.synth(stack)) as { resource: { aws_dynamodb_table: Record<string, { name: string; lifecycle: { precondition: { error_message: string }[] } }> } }).resource.aws_dynamodb_table)[0];
    expect(table.name).toMatch(/^\$\{local\.Jobs_ResolvedName_\w+\}$/);
    expect(table.lifecycle.precondition.map((p) => /\[([^\]]+)\]/.exec(p.error_message)?.[1])).toEqual(TABLE_NAME_RULES.map((r) => r.id));
    expect(table.lifecycle.precondition[0].error_message).toContain("ConsistentTable at 'TapStack/Jobs'");
  });
});
