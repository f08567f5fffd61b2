import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import fc from 'fast-check';
import { GuardCheckReport, USAGE, parseArguments, parseQuota, runGuardCheck } from '../../../constructs/cli/guard-check';
import { FIXTURE_AWS, fixturePlanFile } from '../../helpers/offline-plan-json';

/** Runs the command in-process on `argv`; the integration test runs it as `npx guard-check` on fresh plans. */
function run(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = runGuardCheck(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdin: () => stdin });
  return { code, stdout, stderr };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'guard-check-unit-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('guard-check on the committed plans of the fixtures', () => {
  it('exits 0 on the clean plan, saying the quota it assumed for the function that reserves', () => {
    const result = run([fixturePlanFile('clean')]);
    expect(result).toEqual({
      code: 0,
      stdout: `guard-check: ${fixturePlanFile('clean')} (plan, 1 stack): no violations\n`,
      stderr:
        'guard-check: no Lambda concurrency quota given (--lambda-concurrency-quota) or read in the plan (aws_servicequotas_service_quota) for plan (aws): assuming 1000\n',
    });
  });

  it.each([
    ['seed-1-bucket-name', '[bucket-name/charset] plan/aws_s3_bucket.lambda_code: bucket "TapStack-lambda-code" must contain only lowercase letters'],
    ['seed-2-reserved-concurrency', '[function/unreserved-concurrency] plan/aws_lambda_function.fn["notification"]: reserved_concurrent_executions 175 must leave at least 100'],
    ['seed-3-log-delivery', '[state-machine/log-delivery-permissions] plan/aws_sfn_state_machine.workflow: role_arn "${aws_iam_role.workflow.arn}" must name a role granted'],
  ])('exits 1 on %s, one line naming the rule, the address, the value and the fix', (name, start) => {
    const result = run([fixturePlanFile(name)]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toEqual([expect.stringMatching(/Fix: /), `guard-check: 1 violation in ${fixturePlanFile(name)} (plan)`]);
    expect(lines[0].startsWith(start)).toBe(true);
    expect(result.stderr).toBe('');
  });

  it.each([
    ['role-instances', 1],
    ['module-role', 2],
  ])('exits 0 on %s: a role named by its instance, or through a module output, is followed to its policy', (name, stacks) => {
    expect(run([fixturePlanFile(name)])).toEqual({ code: 0, stdout: `guard-check: ${fixturePlanFile(name)} (plan, ${stacks} stack${stacks === 1 ? '' : 's'}): no violations\n`, stderr: '' });
  });

  it('takes the quota the plan read from Service Quotas, and --lambda-concurrency-quota over it', () => {
    const plan = fixturePlanFile('seed-2-reserved-concurrency');
    expect(run([plan]).stdout).toContain(`this account's quota (${FIXTURE_AWS.lambdaConcurrencyQuota})`);
    expect(run([plan, '--lambda-concurrency-quota', '275'])).toMatchObject({ code: 0, stderr: '' });
    expect(run([`--lambda-concurrency-quota=274`, plan]).code).toBe(1);
  });

  it('prints a report with --json: the violations as data and where each quota came from', () => {
    const result = run(['--json', fixturePlanFile('seed-2-reserved-concurrency')]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as GuardCheckReport;
    expect(report).toEqual({
      path: fixturePlanFile('seed-2-reserved-concurrency'),
      kind: 'plan',
      stacks: ['plan'],
      violations: [expect.objectContaining({ ruleId: 'function/unreserved-concurrency', stack: 'plan', address: 'aws_lambda_function.fn["notification"]', field: 'reserved_concurrent_executions', value: 175 })],
      lambdaQuotas: [{ stack: 'plan', provider: 'aws', quota: FIXTURE_AWS.lambdaConcurrencyQuota, source: 'plan', reserves: true }],
    });
    expect(report.violations[0].fix).toMatch(/remove reservedConcurrency|raise the quota/);
    expect(JSON.parse(run(['--json', fixturePlanFile('clean')]).stdout)).toMatchObject({ violations: [], lambdaQuotas: [{ source: 'assumed', quota: 1000 }] });
  });

  it('reads a plan from standard input with PATH -', () => {
    expect(run(['-'], readFileSync(fixturePlanFile('seed-1-bucket-name'), 'utf8'))).toMatchObject({ code: 1, stdout: expect.stringContaining('[bucket-name/charset] plan/') });
  });
});

const stack = (bucket: string) => JSON.stringify({ provider: { aws: [{ region: 'us-east-1' }] }, resource: { aws_s3_bucket: { b: { bucket } } } });

describe('guard-check on cdk.tf.json and cdktf.out', () => {
  it('reads every stack of a cdktf.out folder (and of the project folder holding it), or one stack', () => {
    const out = join(scratch, 'project', 'cdktf.out');
    for (const [id, bucket] of [['One', 'shared-name'], ['Two', 'shared-name']]) {
      mkdirSync(join(out, 'stacks', id), { recursive: true });
      writeFileSync(join(out, 'stacks', id, 'cdk.tf.json'), stack(bucket));
    }
    // Two stacks deploying one bucket name: only a check over the whole folder sees the collision.
    const folder = run([out]);
    expect(folder.code).toBe(1);
    expect(folder.stdout).toMatch(/^\[name\/unique\] Two\/aws_s3_bucket\.b: bucket "shared-name" must differ from .*One\/aws_s3_bucket\.b/m);
    expect(run([join(scratch, 'project')]).stdout).toBe(folder.stdout.replace(out, join(scratch, 'project')));
    expect(run([join(out, 'stacks')]).code).toBe(1);
    expect(run([join(out, 'stacks', 'One', 'cdk.tf.json')])).toMatchObject({ code: 0, stdout: expect.stringContaining('(cdk.tf.json, 1 stack): no violations') });
    expect(run([join(out, 'stacks', 'One')]).code).toBe(0);
  });
});

describe('guard-check refuses what it cannot read: exit 2, one line', () => {
  const file = (name: string, text: string) => {
    writeFileSync(join(scratch, name), text);
    return join(scratch, name);
  };

  it.each([
    ['garbage', () => file('garbage.txt', 'not json at all'), /: not JSON \(/],
    ['a missing file', () => join(scratch, 'missing.json'), /: no such file or folder$/],
    ['an empty folder', () => (mkdirSync(join(scratch, 'empty'), { recursive: true }), join(scratch, 'empty')), /: no cdk\.tf\.json in it/],
    ['a state', () => file('state.json', JSON.stringify({ format_version: '1.0', values: { root_module: {} } })), /: a state, not a plan: /],
    ['JSON of something else', () => file('other.json', JSON.stringify({ name: 'x', version: '1' })), /: neither the JSON of terraform show -json/],
    ['a plan that errored', () => file('errored.json', JSON.stringify({ format_version: '1.2', planned_values: {}, errored: true })), /: the plan errored/],
  ])('%s', (_what, path, reason) => {
    const result = run([path()]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([expect.stringMatching(/^guard-check: /), '']);
    expect(result.stderr.trimEnd()).toMatch(reason);
  });

  it.each([
    [[], 'no PATH given'],
    [['a.json', 'b.json'], 'one PATH only'],
    [['--yaml', 'a.json'], 'unknown option --yaml'],
    [['a.json', '--lambda-concurrency-quota'], '--lambda-concurrency-quota needs a number'],
    [['a.json', '--lambda-concurrency-quota', '0'], 'give a whole number from 1 to'],
    [['a.json', '--lambda-concurrency-quota=1e3'], 'give a whole number from 1 to'],
  ])('arguments %j', (argv, reason) => {
    const result = run(argv);
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringContaining(reason) });
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  const expectOneLineRefusal = (result: ReturnType<typeof run>, reason: RegExp) => {
    expect(result).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^guard-check: /) });
    expect(result.stderr.split('\n')).toEqual([expect.stringMatching(reason), '']);
  };

  it('an unreadable folder: the reason, not a stack trace and exit 1', () => {
    const locked = join(scratch, 'locked');
    mkdirSync(join(locked, 'cdktf.out', 'stacks', 'One'), { recursive: true });
    writeFileSync(join(locked, 'cdktf.out', 'stacks', 'One', 'cdk.tf.json'), stack('fine-name'));
    chmodSync(join(locked, 'cdktf.out', 'stacks'), 0o000);
    try {
      const result = run([locked]);
      // root reads a folder whatever its mode: there the folder is read, and the check runs.
      if (process.getuid?.() === 0) expect(result.code).toBe(0);
      else expectOneLineRefusal(result, /^guard-check: cannot read .*stacks: EACCES$/);
    } finally {
      chmodSync(join(locked, 'cdktf.out', 'stacks'), 0o755);
    }
  });

  it('a stack file that cannot be read, as root too (a folder where cdk.tf.json should be): the file named', () => {
    const broken = join(scratch, 'broken');
    mkdirSync(join(broken, 'cdktf.out', 'stacks', 'One', 'cdk.tf.json'), { recursive: true });
    expectOneLineRefusal(run([broken]), /^guard-check: cannot read .*cdktf\.out\/stacks\/One\/cdk\.tf\.json: EISDIR$/);
  });

  it('standard input that cannot be read (EAGAIN on a non-blocking pipe; here EISDIR, which root gets too): the reason', () => {
    let stderr = '';
    // A real file system error thrown by the read, as even root gets one: reading a folder.
    const code = runGuardCheck(['-'], { stdout: () => undefined, stderr: (t) => (stderr += t), stdin: () => readFileSync(scratch, 'utf8') });
    expect({ code, stderr }).toEqual({ code: 2, stderr: 'guard-check: cannot read standard input: EISDIR\n' });
  });

  it('a plan nested deeper than any Terraform value: refused, not a stack overflow', () => {
    const plan = JSON.parse(readFileSync(fixturePlanFile('clean'), 'utf8')) as { resource_changes: Array<{ change: { after: Record<string, unknown> } }> };
    plan.resource_changes[0].change.after.tags = { deep: '@' };
    const deep = JSON.stringify(plan).replace('"@"', `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`);
    expectOneLineRefusal(run([file('deep-plan.json', deep)]), /deep-plan\.json: nested more than 100 levels deep/);
    // Just past the limit is refused too; the committed plans are far below it.
    let shallow: unknown = 'x';
    for (let i = 0; i < 101; i += 1) shallow = [shallow];
    expectOneLineRefusal(run(['-'], JSON.stringify({ resource: { aws_s3_bucket: { b: { tags: shallow } } } })), /nested more than 100 levels deep/);
  });

  it('anything else thrown while reading or checking: exit 2 with its reason on one line, not a stack trace and exit 1', () => {
    let stderr = '';
    const overflow = () => {
      throw new RangeError('Maximum call stack size exceeded\n    at withUnknowns (plan-document.ts:1:1)');
    };
    const code = runGuardCheck(['-'], { stdout: () => undefined, stderr: (t) => (stderr += t), stdin: overflow });
    expect({ code, stderr }).toEqual({ code: 2, stderr: 'guard-check: Maximum call stack size exceeded at withUnknowns (plan-document.ts:1:1)\n' });
  });

  it('prints its usage with --help, and exits 0', () => {
    expect(run(['--help'])).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
  });
});

describe('--lambda-concurrency-quota N', () => {
  it('takes exactly the whole numbers from 1 to 10^9, written in digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), (n) => parseQuota(String(n)) === n),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const quota = parseQuota(text);
        return quota === undefined || (String(quota) === text && quota >= 1 && quota <= 1_000_000_000);
      }),
    );
    for (const refused of ['0', '-5', '+5', '05', '1.5', '1e3', ' 10', '10 ', '1000000001', '']) expect(parseQuota(refused)).toBeUndefined();
  });

  it('takes everything after -- as the PATH, even when it starts with -', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.boolean(), (path, jsonFirst) => {
        const parsed = parseArguments(jsonFirst ? ['--json', '--', path] : ['--', path]);
        return parsed.ok && 'args' in parsed && parsed.args.path === path && parsed.args.json === jsonFirst;
      }),
    );
    expect(parseArguments(['--', '--help'])).toEqual({ ok: true, args: { path: '--help', json: false } });
    expect(parseArguments(['--', '-plan.json', '--json'])).toEqual({ ok: false, reason: 'one PATH only (got "-plan.json" and "--json")' });
    expect(parseArguments(['--'])).toEqual({ ok: false, reason: 'no PATH given' });
    // Without --, such a PATH is an unknown option, as before.
    expect(parseArguments(['-plan.json'])).toEqual({ ok: false, reason: 'unknown option -plan.json' });
    const named = join(scratch, '-dash');
    mkdirSync(named, { recursive: true });
    writeFileSync(join(named, 'cdk.tf.json'), stack('dash-name'));
    expect(run(['--json', '--', named]).code).toBe(0);
  });

  it('parses as the flag or with =, anywhere among the arguments', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), fc.boolean(), fc.boolean(), (n, withEquals, flagFirst) => {
        const flag = withEquals ? [`--lambda-concurrency-quota=${n}`] : ['--lambda-concurrency-quota', String(n)];
        const parsed = parseArguments(flagFirst ? [...flag, 'p.json'] : ['p.json', ...flag]);
        return parsed.ok && 'args' in parsed && parsed.args.lambdaConcurrencyQuota === n && parsed.args.path === 'p.json';
      }),
    );
  });
});
