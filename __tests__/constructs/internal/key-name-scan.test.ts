import fc from 'fast-check';
import { defineKeySchema } from '../../../constructs/key-schema';
import { keyLookalikes, keyNamesOf, mayHoldMisspelling, misspeltKeyNames, spelledNames } from '../../../constructs/internal/key-name-scan';

// The key-name scan that ConsistentTable's grants run on a function's bundle at synth
// (and the repo's key-names test on its Lambda sources and bundles).

const lower = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: { gsi1: { partitionKey: { name: 'gsi1_pk', type: 'S' } } },
});
const upper = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' }, sortKey: { name: 'SK', type: 'S' } } });
/** A form that overlaps itself (`kk`) and one with a digit and an `i`. */
const tricky = defineKeySchema({ primary: { partitionKey: { name: 'k_k', type: 'S' }, sortKey: { name: 'GSI1SK', type: 'S' } } });
const texts = (names: readonly { text: string }[]) => names.map((n) => n.text);
const inBundle = { identifiers: false } as const;

describe('spelledNames', () => {
  it('reads words of strings and templates, property names, destructured keys and class members; variables only when asked', () => {
    const code = [
      "const request = { Key: { PK: id }, 'S-K': 1, ['GSI1PK']: 2 };",
      'const { p_k: partition, sk } = item; let Pk = `#${a} = :Pk`;',
      'class Row { Sk = 1; pK() {} }',
      'use(item.PK_, item["s k"]);',
    ].join('\n');
    expect(texts(spelledNames(code, inBundle))).toEqual(['Key', 'PK', 'S-K', 'GSI1PK', 'p_k', 'sk', 'Pk', 'Sk', 'pK', 'PK_', 's', 'k']);
    expect(texts(spelledNames(code, { identifiers: true }))).toEqual(expect.arrayContaining(['request', 'partition', 'Pk', 'id', 'use', 'Row']));
    expect(spelledNames(code, inBundle).find((n) => n.text === 'Sk')?.line).toBe(3);
  });

  it('reads decoded strings and identifiers: \\u, \\x, \\u{}, octal and line-continuation escapes', () => {
    const code = "x = ['\\u0050K', '\\x50\\x4b', '\\u{50}k', 'P\\\n K', '\\120K']; o = { \\u0050k: 1 };";
    expect(texts(spelledNames(code, inBundle))).toEqual(['PK', 'PK', 'Pk', 'P', 'K', 'PK', 'Pk']);
  });

  it('reads an ES module as well as a script, and a long minified chain', () => {
    expect(texts(spelledNames("import { a } from 'PK'; export const b = { Sk: a };", inBundle))).toEqual(['PK', 'Sk']);
    const chain = `x = ${Array.from({ length: 1_000 }, (_, i) => `a${i}`).join(' + ')} + 'PK';`;
    expect(texts(spelledNames(chain, inBundle))).toEqual(['PK']);
  });
});

describe('misspeltKeyNames', () => {
  it('finds names equal to a key when case and separators are ignored, spelled otherwise', () => {
    const code = "send({ Key: { PK: id, Sk: 'x' } }); names = { '#g': 'GSI1PK' }; expr = 'attribute_exists(p_k)';";
    expect(misspeltKeyNames(code, lower, inBundle)).toEqual([
      { text: 'PK', line: 1 },
      { text: 'Sk', line: 1 },
      { text: 'GSI1PK', line: 1 },
      { text: 'p_k', line: 1 },
    ]);
  });

  it('accepts exact spellings, unrelated words that merely contain a key, and names only a variable has', () => {
    const code = "send({ Key: { pk: id, sk: 'x', gsi1_pk: 'y' } }); const pkg = 'pks spk pk1 gsi1pkx'; let PK = 1; PK++;";
    expect(misspeltKeyNames(code, lower, inBundle)).toEqual([]);
    expect(texts(keyLookalikes(code, lower, inBundle))).toEqual(['pk', 'sk', 'gsi1_pk']);
  });

  it('accepts a spelling any of several granted schemas uses exactly', () => {
    const code = "a = { pk: 1 }; b = { PK: 2 }; c = { Pk: 3 };";
    expect(texts(misspeltKeyNames(code, [lower, upper], inBundle))).toEqual(['Pk']);
    expect([...keyNamesOf([lower, upper])].sort()).toEqual(['PK', 'SK', 'gsi1_pk', 'pk', 'sk']);
  });

  it('answers code holding no lookalike without parsing it (text that is not JavaScript at all)', () => {
    expect(misspeltKeyNames('{{ not javascript: pk sk gsi1_pk', lower, inBundle)).toEqual([]);
  });

  it('reads code it cannot parse as text, so a lookalike anywhere in it counts (refusing rather than passing unread code)', () => {
    const tooDeep = `x = ${'['.repeat(3_000)}'ok'${']'.repeat(3_000)};\n/* PK */ y = 'Sk';`;
    expect(() => spelledNames(tooDeep, inBundle)).toThrow();
    expect(misspeltKeyNames(tooDeep, lower, inBundle)).toEqual([
      { text: 'PK', line: 2 },
      { text: 'Sk', line: 2 },
    ]);
    expect(misspeltKeyNames('{{ not javascript: PK', lower, inBundle)).toEqual([{ text: 'PK', line: 1 }]);
    expect(() => misspeltKeyNames('{{ PK', lower, { ...inBundle, parse: () => { throw new SyntaxError('a caller-given parser'); } })).toThrow('a caller-given parser');
  });
});

describe('skipProvedUnrelated (the bundle check: names the parse proves never reach DynamoDB)', () => {
  const skipping = { identifiers: false, skipProvedUnrelated: true } as const;
  const s3 = 'var o=require("@aws-sdk/client-s3"),q=h(require("@aws-sdk/client-sqs")),d=require("@aws-sdk/lib-dynamodb");';

  it('skips log lines, error messages, environment variable names and the literal input of another service\'s command', () => {
    const code = [
      s3,
      'console.log("PK not found for", id); console.error(`SK ${id} missing` + " (Pk)"); console.warn({ Pk: 1 });',
      'if (!id) throw new Error("PK is required"); reject(TypeError("bad Sk"));',
      'a = process.env.Pk + process.env["Sk"]; const { PK_ID, Pk } = process.env;',
      'new o.PutObjectCommand({ Bucket: "b", Key: "x", Metadata: { PK: id, tags: ["Sk"] } });',
      'new q.SendMessageBatchCommand({ Entries: [{ Id: "1", MessageBody: "Pk" }] });',
    ].join('\n');
    expect(misspeltKeyNames(code, lower, skipping)).toEqual([]);
    // Without the option (the repository's own source scan) every one counts.
    expect(texts(misspeltKeyNames(code, lower, inBundle))).toEqual(['PK', 'SK', 'Pk', 'Pk', 'PK', 'Sk', 'Pk', 'Sk', 'Pk', 'PK', 'Sk', 'Pk']);
  });

  it('still counts what may reach DynamoDB inside those places: member reads, calls, `in`, computed keys, and DynamoDB commands', () => {
    const code = [
      s3,
      'console.log(item.Pk, "Sk" in item, f({ PK: 1 })); throw new Error(`missing ${row.SK}`);',
      'new o.PutObjectCommand(input, { [row.Pk]: 1 }); x = env.Pk; new d.GetCommand({ TableName: "t", Key: { PK: id } });',
      'new p.PutObjectCommand({ Key: { PK: id } }); new o.Other({ Pk: 1 });',
    ].join('\n');
    expect(texts(misspeltKeyNames(code, lower, skipping))).toEqual(['Pk', 'Sk', 'PK', 'SK', 'Pk', 'Pk', 'PK', 'PK', 'Pk']);
  });

  it("counts the input of a command whose client is loaded on first use: a minified local name proves nothing", () => {
    const code =
      'async function f(id){const{PutObjectCommand:e}=await Promise.resolve().then(()=>h(require("@aws-sdk/client-s3")));return new e({Metadata:{PK:id}})}';
    expect(texts(misspeltKeyNames(code, lower, skipping))).toEqual(['PK']);
  });

  it('proves nothing with a name bound to two modules', () => {
    const code = 'var o=require("@aws-sdk/client-s3"),o=require("@aws-sdk/lib-dynamodb"); new o.PutCommand({ Item: { PK: 1 } });';
    expect(texts(misspeltKeyNames(code, lower, skipping))).toEqual(['PK']);
  });
});

describe('mayHoldMisspelling (the shortcut before a parse)', () => {
  // Pieces of valid JavaScript spelling key-like names every way the scan decodes them.
  const stringUnit = fc.constantFrom('p', 'P', 'k', 'K', 's', 'S', 'g', 'i', 'I', '_', '-', ' ', '1', 'é', '\u212A', '\u0130', '\u{1D465}', '\\u0050', '\\x4b', '\\u{4B}', '\\113', '\\n', '\\\n', '\\\\', '\\K', '#', ':');
  const templateUnit = fc.constantFrom('p', 'P', 'k', 'K', 's', 'S', '_', '-', ' ', '\\u0050', '\\x4b', '\\n', '\\\n', '\\\\', '\\K', '${x}');
  const identifierStart = fc.constantFrom('p', 'P', 's', 'S', 'g', 'G', '_', '$', 'é', '\u212A', '\u0130', '\u{1D465}', '\\u0050', '\\u{53}');
  const identifierUnit = fc.constantFrom('p', 'P', 'k', 'K', 's', 'S', 'i', 'I', '_', '$', '1', '\u212A', '\u0130', '\u{1D465}', '\\u004B');
  const text = (unit: fc.Arbitrary<string>) => fc.array(unit, { maxLength: 6 }).map((units) => units.join(''));
  const string = fc.tuple(fc.constantFrom("'", '"'), text(stringUnit)).map(([quote, body]) => `${quote}${body.replace(new RegExp(quote, 'g'), '')}${quote}`);
  const template = text(templateUnit).map((body) => `\`${body}\``);
  const identifier = fc.tuple(identifierStart, text(identifierUnit)).map(([first, rest]) => first + rest);
  const statement = fc.oneof(
    fc.tuple(identifier, string).map(([key, value]) => `o = { ${key}: ${value} };`),
    fc.tuple(string, template).map(([key, value]) => `o = { [${key}]: ${value} };`),
    fc.tuple(identifier, template).map(([name, value]) => `x.${name} = ${value};`),
    text(stringUnit).map((body) => `/* ${body.replace(/\*\//g, '')} */`),
    identifier.map((name) => `var ${name} = 1;`),
  );
  const program = fc.array(statement, { minLength: 1, maxLength: 6 }).map((statements) => statements.join('\n'));

  it('never hides a misspelling the parse would find', () => {
    fc.assert(
      fc.property(program, fc.constantFrom(lower, upper, tricky), (code, schema) => {
        const exact = keyNamesOf(schema);
        const parsed = keyLookalikes(code, schema, inBundle).filter((name) => !exact.has(name.text));
        if (parsed.length > 0) expect(mayHoldMisspelling(code, exact)).toBe(true);
        expect(misspeltKeyNames(code, schema, inBundle)).toEqual(parsed);
      }),
      { numRuns: 1000 },
    );
  });
});
