import fc from 'fast-check';
import { Testing } from 'cdktf';
import { ConsistentTable } from '../../../constructs/consistent-table';
import { EncryptedTopic } from '../../../constructs/encrypted-topic';
import { LeastPrivilegeRole } from '../../../constructs/least-privilege-role';
import { LONGEST_ACCOUNT_AND_REGION_SUFFIX } from '../../../constructs/safe-bucket';
import { defineKeySchema } from '../../../constructs/key-schema';
import { LOG_GROUP_NAME_RULES, NAME_KINDS, NameKindId, derivationSpecOf, validateName } from '../../../constructs/internal/name-rules';
import { caseAndSeparatorForm, deriveName } from '../../../constructs/internal/naming';
import { newStack } from '../../helpers/stacks';

/**
 * Property tests over the name derivation, run as pure functions so 10,000
 * inputs per rule table stay fast. Inputs mix unicode, case, dots, dashes,
 * reserved words and extreme lengths.
 */
const RUNS = 10_000;

const RESERVED_AND_TRICKY = [
  'sthree', 'sthree-', 'amzn-s3-demo', 'amzn-s3-demo-', 'xn--', 'xn', '-s3alias', 's3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3',
  'TapStack', 'Data', 'data', 'DATA', 'Fn.A', 'Fn-A', 'fn_a', '日本', '中国', 'données', 'İ', 'K', '🚀', '-', '.', '..', '_', ' ', 'a', 'b',
  '192.168.0.1', 'aws', 'AWS_', 'x',
];
const SEPARATOR_HEAVY = fc.string({ unit: fc.constantFrom('a', 'B', '0', '-', '_', '.', ' ', '/', ':', '日', 'é', '!'), minLength: 1, maxLength: 12 });

/** One construct id or stack name: never empty (constructs refuses empty ids). */
const idPart = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RESERVED_AND_TRICKY) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 24 }) },
  { weight: 3, arbitrary: SEPARATOR_HEAVY },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 60, maxLength: 300 }) },
);

/** A stack name and the construct's path within the stack. */
const nameParts = fc.tuple(idPart, fc.array(idPart, { minLength: 1, maxLength: 3 })).map(([stack, path]) => [stack, ...path]);

/** A second path in the same stack, often a near-miss of the first (case, separators, one character). */
const mutate = (parts: string[]) =>
  fc.oneof(
    nameParts.map((other) => [parts[0], ...other.slice(1)]),
    fc.constant(parts.map((p, i) => (i === parts.length - 1 ? p.toUpperCase() : p))),
    fc.constant(parts.map((p, i) => (i === parts.length - 1 ? p.replace(/[-_. ]/g, '.') : p))),
    fc.constant(parts.map((p, i) => (i === parts.length - 1 ? p.replace(/[-_. ]/g, '-') : p))),
    fc.constant(parts.map((p, i) => (i === parts.length - 1 ? `${p}!` : p))),
    idPart.map((extra) => parts.map((p, i) => (i === parts.length - 1 ? `${p}${extra}` : p))),
  );

const pathOf = (parts: readonly string[]) => parts.join('/');

/** The longest zone suffix of a directory bucket (a Local Zone id such as usw2-lax1-az1). */
const LONGEST_ZONE_SUFFIX = '--usw2-lax1-az1--x-s3';

/** The literal part each kind derives, plus the end it is checked with (buckets: account and region; directory buckets: the zone). */
function derived(kindId: NameKindId, parts: readonly string[]): { name: string; full: string } {
  const kind = NAME_KINDS[kindId];
  const suffix =
    kindId === 'bucket' ? { sample: LONGEST_ACCOUNT_AND_REGION_SUFFIX } : kindId === 'directoryBucket' ? { sample: LONGEST_ZONE_SUFFIX } : undefined;
  const name = deriveName(derivationSpecOf(kind), parts, pathOf(parts), suffix);
  return { name, full: `${name}${suffix?.sample ?? ''}` };
}

const KIND_IDS = Object.keys(NAME_KINDS) as NameKindId[];

describe.each(KIND_IDS)('derived %s names (property, %#)', (kindId) => {
  const kind = NAME_KINDS[kindId];

  it(`pass the ${kind.resource} rule table for ${RUNS} generated stacks and paths`, () => {
    fc.assert(
      // Predicates return booleans (no expect per run): fast-check reports the smallest failing input.
      fc.property(nameParts, (parts) => validateName('name', derived(kindId, parts).full, kind.rules).length === 0),
      { numRuns: RUNS },
    );
  });

  it(`never derive one name for two paths of one stack unless they differ only by case or separators (${RUNS} pairs)`, () => {
    fc.assert(
      fc.property(
        nameParts.chain((a) => fc.tuple(fc.constant(a), mutate(a))),
        ([a, b]) => {
          fc.pre(pathOf(a) !== pathOf(b));
          const same = derived(kindId, a).name.toLowerCase() === derived(kindId, b).name.toLowerCase();
          // Same name only for paths differing by case or separators: the pairs the collision check refuses at synth.
          return !same || caseAndSeparatorForm(a.join('-')) === caseAndSeparatorForm(b.join('-'));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('log group names built from derived names (property)', () => {
  it(`pass the log group rule table for /aws/lambda/, /aws/vendedlogs/states/ and /aws/apigateway/ (${RUNS} inputs)`, () => {
    fc.assert(
      fc.property(
        nameParts,
        (parts) =>
          validateName('name', `/aws/lambda/${derived('function', parts).name}`, LOG_GROUP_NAME_RULES).length === 0 &&
          validateName('name', `/aws/vendedlogs/states/${derived('stateMachine', parts).name}`, LOG_GROUP_NAME_RULES).length === 0 &&
          validateName('name', `/aws/apigateway/${derived('restApi', parts).name}/access`, LOG_GROUP_NAME_RULES).length === 0,
      ),
      { numRuns: RUNS },
    );
  });
});

describe('derived names on a real construct tree (property, fewer runs: each builds and synthesizes a stack)', () => {
  const schema = defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } });
  const constructId = fc.string({ unit: fc.constantFrom('a', 'A', 'b', '-', '.', '_', '日'), minLength: 1, maxLength: 3 });

  it('either every derived table, topic and role name in a stack is distinct, or synth refuses the collision', () => {
    fc.assert(
      fc.property(fc.uniqueArray(constructId, { minLength: 2, maxLength: 4 }), (ids) => {
        const { stack } = newStack('Tap');
        for (const id of ids) {
          new ConsistentTable(stack, id, { schema });
          new EncryptedTopic(stack, `${id}Events`);
          new LeastPrivilegeRole(stack, `${id}Role`, { assumedBy: 'lambda.amazonaws.com' });
        }
        // One synth serves the three name reads; the validating synth below is the one that may refuse.
        const resource = JSON.parse(Testing.synth(stack)).resource as Record<string, Record<string, { name: string }>>;
        const names = (type: string) => Object.values(resource[type]).map((r) => r.name.toLowerCase());
        const allDistinct = ['aws_dynamodb_table', 'aws_sns_topic', 'aws_iam_role'].every((type) => new Set(names(type)).size === ids.length);
        if (allDistinct) {
          expect(() => Testing.synth(stack, true)).not.toThrow();
        } else {
          expect(() => Testing.synth(stack, true)).toThrow(/\[name\/unique\]/);
        }
      }),
      { numRuns: 60 },
    );
  });
});
