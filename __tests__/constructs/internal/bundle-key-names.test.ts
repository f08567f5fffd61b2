import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdktf';
import { strToU8, zipSync } from 'fflate';
import fc from 'fast-check';
import { Code } from '../../../constructs/code';
import { ConsistentTable } from '../../../constructs/consistent-table';
import { bundleKeySpellingViolations, grantsDynamoDb, namesTable } from '../../../constructs/internal/bundle-key-names';
import { defineKeySchema } from '../../../constructs/key-schema';
import { LeastPrivilegeRole } from '../../../constructs/least-privilege-role';
import { SafeBucket } from '../../../constructs/safe-bucket';
import { UnreservedFunction } from '../../../constructs/unreserved-function';
import { ECHO_ENTRY, errorOf, newStack } from '../../helpers/stacks';

// Seed failure 4 in shipped code: a table keyed `PK` (allowed through keyNamePattern) granted to a function
// whose bundle writes `Key: { pk }` is refused at synth, on the final tree; exact spellings pass.
jest.setTimeout(60_000);

const UPPERCASE_KEYS = '^[A-Z][A-Z0-9_]*$';
const upperSchema = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } } });
const lowerSchema = defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } });
/** Raw SDK, `Key: { pk: event.id }`: the seed's way. */
const SEED_ENTRY = join(__dirname, '..', '..', 'fixtures', 'sdk-handler.ts');
/** Raw SDK keyed `pk`, plus `PK` in a log line, an error message, an environment variable and S3 metadata. */
const UNRELATED_ENTRY = join(__dirname, '..', '..', 'fixtures', 'unrelated-names-handler.ts');
/** The table client with a `PK`/`SK` schema: `PK` and `SK` spelled exactly, plus words that merely contain them. */
const CLIENT_ENTRY = join(__dirname, '..', '..', 'fixtures', 'table-client-handler.ts');

function app(entry: string) {
  const { stack } = newStack('TapStack');
  const codeBucket = new SafeBucket(stack, 'Code');
  const fn = new UnreservedFunction(stack, 'Reader', { entry, codeBucket });
  const upper = new ConsistentTable(stack, 'Orders', { schema: upperSchema, keyNamePattern: UPPERCASE_KEYS, deletionProtection: false });
  const lower = new ConsistentTable(stack, 'Events', { schema: lowerSchema, deletionProtection: false });
  return { stack, fn, upper, lower, synth: () => Testing.synth(stack, true) };
}

const tempDirs: string[] = [];
function prebuiltDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prebuilt-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('the bundle check at synth', () => {
  it("refuses the seed's bundle (pk) granted a PK table, naming both spellings, both construct paths and the fix", () => {
    const { fn, upper, synth } = app(SEED_ENTRY);
    upper.grantReadData(fn);
    const message = errorOf(synth);
    expect(message).toContain("UnreservedFunction at 'TapStack/Reader' has 1 problem:");
    expect(message).toContain('[table-keys/bundle-spelling] key name in the deployed code "pk" must be spelled as the key schema of the table it is granted spells it: "PK" (ConsistentTable \'TapStack/Orders\')');
    // The bundle is minified to one line: the excerpt, not the line number, shows where.
    expect(message).toMatch(/so every read and write with "pk" fails or misses \(line \d+ of \/.+\/index\.js, first at `…[^`]*Key:\{pk:n\.id\}[^`]*`\)/);
    expect(message).toContain('Fix: build keys with the table client typed from that schema (guarded-serverless-stack/table-client)');
  });

  it('accepts the same bundle granted a pk table', () => {
    const { fn, lower, synth } = app(SEED_ENTRY);
    lower.grantReadWriteData(fn);
    expect(synth).not.toThrow();
  });

  it('accepts a bundle spelling PK and SK exactly through the table client, beside words that merely contain them, and refuses it against a pk table', () => {
    const accepted = app(CLIENT_ENTRY);
    accepted.upper.grantReadData(accepted.fn);
    expect(accepted.synth).not.toThrow();

    const refused = app(CLIENT_ENTRY);
    refused.lower.grant(refused.fn, 'dynamodb:GetItem');
    expect(errorOf(refused.synth)).toContain('"PK" must be spelled as the key schema of the table it is granted spells it: "pk" (ConsistentTable \'TapStack/Events\')');
  });

  it('accepts look-alikes the parse proves never reach DynamoDB (log, error message, environment variable, S3 metadata), and still refuses the key', () => {
    const accepted = app(UNRELATED_ENTRY);
    accepted.lower.grantReadData(accepted.fn);
    expect(accepted.synth).not.toThrow();

    const refused = app(UNRELATED_ENTRY);
    refused.upper.grantReadData(refused.fn);
    const message = errorOf(refused.synth);
    expect(message).toContain("UnreservedFunction at 'TapStack/Reader' has 1 problem:");
    expect(message).toContain('key name in the deployed code "pk" must be spelled as the key schema of the table it is granted spells it: "PK"');
  });

  it("checks a grant to the function's own role as a grant to the function", () => {
    const { fn, upper, synth } = app(SEED_ENTRY);
    upper.grantWriteData(fn.role);
    expect(errorOf(synth)).toContain('[table-keys/bundle-spelling] key name in the deployed code "pk"');
  });

  it("checks a table that a statement written by hand on the function's role names, by the table's ARN or a literal one", () => {
    const byToken = app(SEED_ENTRY);
    byToken.fn.addToPrincipalPolicy({ sid: 'ReadOrders', actions: ['dynamodb:GetItem'], resources: [`${byToken.upper.tableArn}/index/byDate`] });
    expect(errorOf(byToken.synth)).toContain('"pk" must be spelled as the key schema of the table it is granted spells it: "PK" (ConsistentTable \'TapStack/Orders\')');

    const byLiteral = app(SEED_ENTRY);
    ConsistentTable.fromTableName(byLiteral.stack, 'Legacy', 'legacy-orders', { schema: upperSchema, keyNamePattern: UPPERCASE_KEYS });
    byLiteral.fn.addToPrincipalPolicy({ sid: 'ReadLegacy', actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/legacy-orders'] });
    expect(errorOf(byLiteral.synth)).toContain('"PK" (ConsistentTable \'TapStack/Legacy\')');
  });

  it('accepts a statement written by hand on a table the bundle spells exactly, or on a table of another name', () => {
    const { stack, fn, lower, synth } = app(SEED_ENTRY);
    ConsistentTable.fromTableName(stack, 'Legacy', 'legacy-orders', { schema: upperSchema, keyNamePattern: UPPERCASE_KEYS });
    fn.addToPrincipalPolicy({ sid: 'ReadEvents', actions: ['dynamodb:GetItem'], resources: [lower.tableArn] });
    fn.addToPrincipalPolicy({ sid: 'ReadOther', actions: ['dynamodb:GetItem'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/legacy-orders-v2'] });
    expect(synth).not.toThrow();
  });

  it("checks a prebuilt zip's handler file (Code.fromAsset), naming the file in the zip; other files of the zip are libraries and are not read", () => {
    const seedHandler = 'const d=require("@aws-sdk/lib-dynamodb");exports.handler=async e=>c.send(new d.GetCommand({TableName:"t",Key:{pk:e.id}}));';
    const zip = join(prebuiltDir(), 'seed.zip');
    writeFileSync(zip, zipSync({ 'main.js': strToU8(seedHandler), 'node_modules/lib/index.js': strToU8('module.exports={Pk:1};') }));
    const fromAsset = (table: 'upper' | 'lower') => {
      const built = app(SEED_ENTRY);
      const fn = new UnreservedFunction(built.stack, 'Prebuilt', { code: Code.fromAsset(zip, { handler: 'main.handler' }), codeBucket: new SafeBucket(built.stack, 'ZipCode') });
      built[table].grantReadData(fn);
      return built.synth;
    };
    const message = errorOf(fromAsset('upper'));
    expect(message).toContain("UnreservedFunction at 'TapStack/Prebuilt' has 1 problem:");
    expect(message).toContain(`"pk" fails or misses (line 1 of main.js in ${zip}, first at \`…`);
    expect(fromAsset('lower')).not.toThrow();
  });

  it('has no code to read for an imported function: it is not a grantee, so a table cannot be granted to it', () => {
    const { stack, upper } = app(SEED_ENTRY);
    const imported = UnreservedFunction.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:legacy');
    // @ts-expect-error an imported function's role is not in this app
    expect(() => upper.grantReadData(imported)).toThrow(TypeError);
  });

  it('accepts a spelling that one of the tables granted to the function uses exactly', () => {
    const { fn, upper, lower, synth } = app(SEED_ENTRY);
    upper.grantReadData(fn);
    lower.grantReadData(fn);
    expect(synth).not.toThrow();
  });

  it('leaves alone functions no table grants, and grantees without a bundle', () => {
    const { stack, upper, synth } = app(SEED_ENTRY);
    upper.grantReadData(new LeastPrivilegeRole(stack, 'Other', { assumedBy: 'states.amazonaws.com' }));
    const other = new UnreservedFunction(stack, 'Echo', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'EchoCode') });
    upper.grantReadData(other);
    expect(synth).not.toThrow();
  });
});

describe('bundleKeySpellingViolations', () => {
  const indexed = defineKeySchema({
    primary: { partitionKey: { name: 'PK', type: 'S' } },
    globalIndexes: { GSI1: { partitionKey: { name: 'GSI1PK', type: 'S' } } },
  });

  it('names every spelling once, with the lines it is on and the spelling of each table', () => {
    const code = "a={ExpressionAttributeNames:{'#g':'gsi1_pk'}};\nb={Key:{pk:1}};c={Key:{pk:2}};";
    const violations = bundleKeySpellingViolations(code, [{ path: 'App/Orders', schema: indexed }], 'index.js');
    expect(violations.map((v) => [v.ruleId, v.value])).toEqual([
      ['table-keys/bundle-spelling', 'gsi1_pk'],
      ['table-keys/bundle-spelling', 'pk'],
    ]);
    expect(violations[0].requirement).toContain(`"GSI1PK" (ConsistentTable 'App/Orders')`);
    expect(violations[0].requirement).toContain("(line 1 of index.js, first at `…xpressionAttributeNames:{'#g':'gsi1_pk'}}; b={Key:{pk:1}};c={Key:{pk:2}};`)");
    // The excerpt is the 30 characters before the name and 60 from it, so a minified line shows the request it is in.
    expect(violations[1].requirement).toContain("(line 2 of index.js, first at `…es:{'#g':'gsi1_pk'}}; b={Key:{pk:1}};c={Key:{pk:2}};`)");
  });

  it('names the spelling of each granted table that the name was confused with', () => {
    const other = defineKeySchema({ primary: { partitionKey: { name: 'p_k', type: 'S' } } });
    const [only] = bundleKeySpellingViolations('x={Pk:1}', [
      { path: 'App/Orders', schema: indexed },
      { path: 'App/Events', schema: other },
    ]);
    expect(only.requirement).toContain(`"PK" (ConsistentTable 'App/Orders') or "p_k" (ConsistentTable 'App/Events')`);
  });
});

// A role built here refuses wildcards and uppercase services when a statement is added; the scan does not
// rely on that rule: it reads a statement as IAM does, so no spelling of a grant skips the bundle.
describe('which hand-written statements reach a table', () => {
  const anyCase = (text: string) =>
    fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((upper) => [...text].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

  it('reads an action as IAM does: case-insensitive, with * and ?', () => {
    for (const action of ['dynamodb:GetItem', 'DynamoDB:GetItem', 'dynamodb:*', 'DynamoDB:Get*', '*', 'dynamo*', 'Dynamo???:Query', '*:GetItem']) {
      expect([action, grantsDynamoDb(action)]).toEqual([action, true]);
    }
    for (const action of ['s3:GetObject', 'dynamodbx:GetItem', 'dax:GetItem', 'DynamoDB', 'logs:*', 'dynamo?:GetItem']) {
      expect([action, grantsDynamoDb(action)]).toEqual([action, false]);
    }
    fc.assert(fc.property(anyCase('dynamodb'), fc.stringMatching(/^[A-Za-z*?]{1,12}$/), (service, name) => grantsDynamoDb(`${service}:${name}`)));
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9-]{1,12}$/).filter((s) => s !== 'dynamodb'), fc.stringMatching(/^[A-Za-z*]{1,12}$/), (service, name) => !grantsDynamoDb(`${service}:${name}`)));
  });

  it('matches a wildcard table ARN to the tables it covers, and not to others', () => {
    const jobs = { tableArn: '${aws_dynamodb_table.Jobs.arn}', literalName: 'Jobs' };
    const unnamed = { tableArn: '${aws_dynamodb_table.Runs.arn}' };
    const covering = ['*', 'arn:aws:dynamodb:*:*:table/*', 'arn:aws:dynamodb:us-east-1:123456789012:table/Jobs*', 'arn:*:dynamodb:*:*:table/Jo?s', 'arn:aws:dynamodb:*:*:table/Jobs/index/*', 'arn:aws:dynamodb:*:*:*'];
    for (const resource of covering) expect([resource, namesTable(resource, jobs)]).toEqual([resource, true]);
    const others = ['arn:aws:dynamodb:*:*:table/Job', 'arn:aws:dynamodb:*:*:table/JobsArchive', 'arn:aws:dynamodb:*:*:table/jobs*', 'arn:aws:s3:::*', 'arn:aws:dynamodb:*:*:table/Other*'];
    for (const resource of others) expect([resource, namesTable(resource, jobs)]).toEqual([resource, false]);
    // Only a pattern over every table covers a table whose name synth does not know.
    expect(['*', 'arn:aws:dynamodb:*:*:table/*', 'arn:aws:dynamodb:*:*:table/Jobs*'].map((r) => namesTable(r, unnamed))).toEqual([true, true, false]);
    expect(namesTable('${aws_dynamodb_table.Runs.arn}/index/byDate', unnamed)).toBe(true);
  });
});
