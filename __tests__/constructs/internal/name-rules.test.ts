import { LambdaRestApi } from '../../../constructs/lambda-rest-api';
import { LoggedStateMachine } from '../../../constructs/logged-state-machine';
import { SafeBucket } from '../../../constructs/safe-bucket';
import { UnreservedFunction } from '../../../constructs/unreserved-function';
import fc from 'fast-check';
import { BUCKET_NAME_RULES, NAME_KINDS, ROLE_NAME_RULES, derivationSpecOf, validateName } from '../../../constructs/internal/name-rules';
import { deriveName } from '../../../constructs/internal/naming';
import { ECHO_ENTRY, newStack, onlyResource, synth } from '../../helpers/stacks';

describe('NAME_KINDS: one rule table per named resource', () => {
  it('reads the derivation limits from the rule tables themselves', () => {
    expect(derivationSpecOf(NAME_KINDS.bucket)).toMatchObject({ lowercase: true, minLength: 3, maxLength: 63, reservedPrefixes: ['xn--', 'sthree-', 'amzn-s3-demo-'] });
    expect(derivationSpecOf(NAME_KINDS.table)).toMatchObject({ minLength: 3, maxLength: 255 });
    expect(derivationSpecOf(NAME_KINDS.role)).toMatchObject({ minLength: 1, maxLength: 64 });
    expect(derivationSpecOf(NAME_KINDS.function)).toMatchObject({ maxLength: 64 });
    expect(derivationSpecOf(NAME_KINDS.stateMachine)).toMatchObject({ maxLength: 80 });
  });

  it('states each namespace: S3 global (a directory bucket name holds its zone), IAM per account, the others per account and region', () => {
    const scopes = Object.fromEntries(Object.entries(NAME_KINDS).map(([id, kind]) => [id, kind.uniqueWithin]));
    expect(scopes).toEqual({
      bucket: 'global',
      directoryBucket: 'global',
      function: 'account-region',
      role: 'account',
      stateMachine: 'account-region',
      table: 'account-region',
      logGroup: 'account-region',
      topic: 'account-region',
      restApi: 'none',
      alarm: 'account-region',
      webAcl: 'account-region',
    });
  });
});

describe('derived state machine and API names (regressions)', () => {
  it('never derives an empty state machine name, or an empty API name, from a non-ASCII stack and id', () => {
    const { stack } = newStack('日本');
    const codeBucket = new SafeBucket(stack, 'Code', { namePrefix: 'code' });
    const fn = new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket });
    new LoggedStateMachine(stack, 'ワーク', { definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: fn.functionArn, End: true } } } });
    new LambdaRestApi(stack, 'エーピーアイ', { routes: [{ method: 'GET', path: '/x', handler: fn }] });
    const { json } = synth(stack);
    const stateMachine = onlyResource(json, 'aws_sfn_state_machine');
    expect(stateMachine.name).toMatch(/^[0-9a-f]{8}$/);
    expect(onlyResource(json, 'aws_api_gateway_rest_api').name).toMatch(/^[0-9a-f]{8}$/);
    const logGroups = Object.values(json.resource.aws_cloudwatch_log_group).map((g) => g.name);
    expect(logGroups).toContain(`/aws/vendedlogs/states/${stateMachine.name}`);
  });
});

describe('deriveName edge rules', () => {
  const spec = { lowercase: true, keep: '-', minLength: 3, maxLength: 30, reservedPrefixes: ['sthree-'], reservedSuffixes: ['-s3alias'] };

  it('puts the hash behind a name that would end with a reserved suffix, and in front of one that would start with a reserved prefix', () => {
    expect(deriveName(spec, ['Data', 's3alias'], 'S/Data/s3alias')).toMatch(/^data-s3alias-[0-9a-f]{8}$/);
    expect(deriveName(spec, ['sthree', 'Data'], 'S/sthree/Data')).toMatch(/^[0-9a-f]{8}-sthree-data$/);
  });

  it('cuts a long name to the maximum with a hash of the whole, keeping two long names apart', () => {
    const a = deriveName(spec, ['platform', 'a'.repeat(40)], 'a');
    const b = deriveName(spec, ['platform', `${'a'.repeat(39)}b`], 'b');
    expect(a).toHaveLength(30);
    expect(a).not.toBe(b);
  });
});

describe('one item per problem: a rule implied by another is not listed again', () => {
  const ids = (name: string, rules = BUCKET_NAME_RULES) => validateName('bucketName', name, rules).map((v) => v.ruleId);

  it('reports a valid bucket name with uppercase letters under the charset rule alone, whatever letters and where', () => {
    const validName = fc
      .stringMatching(/^[a-z][a-z0-9-]{1,40}[a-z0-9]$/)
      .filter((name) => ids(name).length === 0);
    fc.assert(
      fc.property(validName, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (name, positions) => {
        const chars = [...name];
        const letters = chars.flatMap((c, i) => (/[a-z]/.test(c) ? [i] : []));
        for (const p of positions) chars[letters[p % letters.length]] = chars[letters[p % letters.length]].toUpperCase();
        expect(ids(chars.join(''))).toEqual(['bucket-name/charset']);
      }),
      { numRuns: 200 },
    );
  });

  it('reports an empty name as too short only, and punctuation at an edge as the edges rule', () => {
    expect(ids('')).toEqual(['bucket-name/min-length']);
    expect(ids('-Bucket')).toEqual(['bucket-name/charset', 'bucket-name/edges']);
    expect(validateName('roleName', '', ROLE_NAME_RULES).map((v) => v.ruleId)).toEqual(['role-name/min-length']);
  });
});
