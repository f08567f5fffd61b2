import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { App } from 'cdktf';
import { ENVIRONMENTS } from '../../config/environments';
import { buildApp } from '../../main';
import { AwsAnswers, startAwsAnswers } from '../helpers/aws-answers';
import { FIXTURE_AWS, FIXTURE_NAMES, GUARD_CHECK_FIXTURES, fixturePlanFile, planJsonOffline } from '../helpers/offline-plan-json';
import { assertTerraformAvailable } from '../helpers/terraform';

/**
 * `npx guard-check` as a team that writes HCL runs it, on plans made here by the real terraform and
 * hashicorp/aws 5.100.0, offline (fake credentials, `skip_*` flags, the few AWS calls a plan makes
 * answered on loopback): each seed fixture exits 1 naming its rule and address, the clean one and the
 * HCL export of this app exit 0, garbage exits 2 with one line. The fresh plans must give the
 * verdicts of the committed ones the unit tests read (regenerate those with
 * `node --import tsx __tests__/helpers/offline-plan-json.ts` after editing a fixture).
 */
jest.setTimeout(300_000);

const REPO = resolve(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'guard-check-it-'));
let answers: AwsAnswers;

/** `npx guard-check ...args` in the repo, as the docs show it. */
function npxGuardCheck(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npx', ['--no-install', 'guard-check', ...args], { cwd: REPO, env: { ...process.env, CHECKPOINT_DISABLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', fail);
    child.once('close', (status) => done({ status, stdout, stderr }));
  });
}

/** The violation lines of a run, without the file's path (a fresh plan and the committed one sit in different places). */
const verdictOf = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('['));

const EXPECTED: Record<(typeof FIXTURE_NAMES)[number], { status: number; rule?: string; address?: string; stacks?: number }> = {
  clean: { status: 0 },
  'role-instances': { status: 0 },
  'module-role': { status: 0, stacks: 2 },
  'seed-1-bucket-name': { status: 1, rule: 'bucket-name/charset', address: 'aws_s3_bucket.lambda_code' },
  'seed-2-reserved-concurrency': { status: 1, rule: 'function/unreserved-concurrency', address: 'aws_lambda_function.fn["notification"]' },
  'seed-3-log-delivery': { status: 1, rule: 'state-machine/log-delivery-permissions', address: 'aws_sfn_state_machine.workflow' },
};

const freshPlans: Record<string, string> = {};

beforeAll(async () => {
  assertTerraformAvailable();
  answers = await startAwsAnswers(FIXTURE_AWS);
  // One plan per fixture, side by side: each is mostly the provider starting.
  const plans = await Promise.all(FIXTURE_NAMES.map((name) => planJsonOffline(join(GUARD_CHECK_FIXTURES, name), answers)));
  FIXTURE_NAMES.forEach((name, i) => {
    if (!plans[i].ok) throw new Error(`terraform plan of the fixture ${name} failed:\n${plans[i].output.slice(-3000)}`);
    freshPlans[name] = join(work, `${name}.json`);
    writeFileSync(freshPlans[name], plans[i].json);
  });
});

afterAll(async () => {
  await answers?.close();
});

describe('npx guard-check on fresh offline plans of the HCL fixtures', () => {
  it('made every plan without an AWS call left unanswered', () => {
    expect(answers.refused).toEqual([]);
  });

  it.each(FIXTURE_NAMES.map((name) => [name]))('%s: the exit code and the rule and address of its seed failure, as the committed plan gives', async (name) => {
    const fresh = await npxGuardCheck(freshPlans[name]);
    const expected = EXPECTED[name];
    // Only the assumed-quota notice may be on stderr: anything else beside it (a warning, a stack trace) fails.
    const stderr = fresh.stderr
      .split('\n')
      .filter((line) => !line.startsWith('guard-check: no Lambda concurrency quota given'))
      .join('\n');
    expect({ status: fresh.status, stderr }).toEqual({ status: expected.status, stderr: '' });
    const lines = verdictOf(fresh.stdout);
    if (expected.rule) {
      expect(lines).toEqual([expect.stringContaining(`[${expected.rule}] ${name}/${expected.address}: `)]);
      expect(lines[0]).toContain(' Fix: ');
    } else {
      expect(lines).toEqual([]);
      const stacks = expected.stacks ?? 1;
      expect(fresh.stdout).toBe(`guard-check: ${freshPlans[name]} (plan, ${stacks} stack${stacks === 1 ? '' : 's'}): no violations\n`);
    }
    const committed = await npxGuardCheck(fixturePlanFile(name));
    expect(verdictOf(committed.stdout)).toEqual(lines.map((line) => line.replaceAll(`${name}/`, 'plan/')));
  });

  it('seed 2: the quota the plan read (200) fails it; --lambda-concurrency-quota 1000 passes it; --json says which', async () => {
    const plan = freshPlans['seed-2-reserved-concurrency'];
    const json = await npxGuardCheck(plan, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).lambdaQuotas).toEqual([{ stack: 'seed-2-reserved-concurrency', provider: 'aws', quota: 200, source: 'plan', reserves: true }]);
    expect(await npxGuardCheck(plan, '--lambda-concurrency-quota', '1000')).toMatchObject({ status: 0, stderr: '' });
  });

  it('the clean plan: no quota given or read, so it assumes 1000 and says so in one line', async () => {
    const run = await npxGuardCheck(freshPlans.clean);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^guard-check: no Lambda concurrency quota given .*: assuming 1000$/)]);
  });

  it('garbage: exit 2 and a one-line reason', async () => {
    const garbage = join(work, 'garbage.json');
    writeFileSync(garbage, '{"format_version": "1.2", "planned_values": ');
    const run = await npxGuardCheck(garbage);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^guard-check: .*garbage\.json: not JSON \(/)]);
  });
});

describe('the commands of docs/guards.md that exit 1, run as written in the repository', () => {
  /** The README's command test runs the others of that block (they exit 0). */
  const DOC_VIOLATIONS = [
    ['npx guard-check __tests__/fixtures/guard-check/seed-1-bucket-name/plan.json', '[bucket-name/charset] plan/aws_s3_bucket.lambda_code: '],
    ['npx guard-check __tests__/fixtures/guard-check/seed-3-log-delivery/plan.json --json', '"ruleId": "state-machine/log-delivery-permissions"'],
  ] as const;

  it.each(DOC_VIOLATIONS)('%s', async (command, shows) => {
    const run = await new Promise<{ status: number | null; stdout: string }>((done) => {
      let stdout = '';
      const child = spawn('bash', ['-c', command], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.once('close', (status) => done({ status, stdout }));
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(shows);
  });
});

describe('npx guard-check on this app', () => {
  it('the HCL export of the dev stack, planned offline: exit 0', async () => {
    const out = join(work, 'hcl');
    const exported = await new Promise<number | null>((done) =>
      spawn('npm', ['run', 'export:hcl', '--', '--out', out], { cwd: REPO, env: { ...process.env, TAPSTACK_BACKEND: 'local' }, stdio: 'ignore' }).once('close', done),
    );
    expect(exported).toBe(0);
    const dev = ENVIRONMENTS.find((e) => e.namePrefix === 'tapstack-dev')!;
    const devAnswers = await startAwsAnswers({ accountId: dev.accountId, lambdaConcurrencyQuota: dev.lambdaConcurrencyQuota, region: dev.region });
    try {
      const plan = await planJsonOffline(join(out, 'stacks', dev.namePrefix), devAnswers, ['-backend-config=backend.hcl']);
      expect({ ok: plan.ok, output: plan.ok ? '' : plan.output.slice(-3000) }).toEqual({ ok: true, output: '' });
      expect(devAnswers.refused).toEqual([]);
      writeFileSync(join(work, 'tapstack-dev.json'), plan.json);
    } finally {
      await devAnswers.close();
    }
    const run = await npxGuardCheck(join(work, 'tapstack-dev.json'), '--lambda-concurrency-quota', String(dev.lambdaConcurrencyQuota));
    expect(run).toEqual({ status: 0, stdout: `guard-check: ${join(work, 'tapstack-dev.json')} (plan, 1 stack): no violations\n`, stderr: '' });
  });

  it('its cdktf.out folder (every stack) and one cdk.tf.json: exit 0', async () => {
    const outdir = join(work, 'cdktf.out');
    buildApp(new App({ outdir })).synth();
    const stacks = readdirSync(join(outdir, 'stacks')).sort();
    expect(stacks.length).toBeGreaterThan(1);
    expect(await npxGuardCheck(outdir)).toEqual({ status: 0, stdout: `guard-check: ${outdir} (cdktf.out, ${stacks.length} stacks): no violations\n`, stderr: '' });
    const one = join(outdir, 'stacks', stacks[0], 'cdk.tf.json');
    expect(JSON.parse(readFileSync(one, 'utf8')).resource).toBeDefined();
    expect(await npxGuardCheck(one)).toMatchObject({ status: 0, stderr: '' });
  });
});
