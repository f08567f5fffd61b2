import { spawnSync } from 'child_process';
import { App } from 'cdktf';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BOOTSTRAP_STACK_ID, ENVIRONMENTS, STATE_BUCKET, defaultTagsOf } from '../../config/environments';
import { ENVIRONMENTS_ENV_VAR } from '../../config/selection';
import { BuildOptions, buildApp } from '../../main';

/** Synthesizes the app as `cdktf synth` does, into a temp dir; returns each stack's cdk.tf.json by stack id. */
function synthApp(options: BuildOptions): { outdir: string; stacks: Record<string, any>; texts: Record<string, string> } {
  const outdir = mkdtempSync(join(tmpdir(), 'tapstack-app-'));
  buildApp(new App({ outdir }), options).synth();
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  const texts: Record<string, string> = {};
  for (const id of Object.keys(manifest.stacks)) texts[id] = readFileSync(join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8');
  const stacks = Object.fromEntries(Object.entries(texts).map(([id, text]) => [id, JSON.parse(text)]));
  return { outdir, stacks, texts };
}

/** Resource types whose `name` is scoped by a parent resource (a role's inline policy), not by the account. */
const PARENT_SCOPED = new Set(['aws_iam_role_policy']);

/** Every physical name a stack gives: names of functions, roles, tables, topics, APIs, state machines, log groups, alarms, buckets. */
function physicalNames(stack: any): string[] {
  const fields = ['function_name', 'name', 'alarm_name', 'bucket'];
  return Object.entries(stack.resource as Record<string, Record<string, any>>)
    .filter(([type]) => !PARENT_SCOPED.has(type))
    .flatMap(([, instances]) => Object.values(instances))
    .flatMap((resource) => fields.map((f) => resource[f]).filter((v): v is string => typeof v === 'string' && !v.startsWith('${')));
}

describe('the app main.ts builds', () => {
  const { outdir, stacks, texts } = synthApp({ environments: ['dev', 'prod'], backend: 'configured' });
  const dev = stacks['tapstack-dev'];
  const prod = stacks['tapstack-prod'];

  it('has the bootstrap stack and one stack per environment, named by its prefix', () => {
    expect(Object.keys(stacks).sort()).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-dev', 'tapstack-prod']);
  });

  it.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('keeps the state of %s in S3: its own key, encrypted, native lock file, no DynamoDB lock table', (_name, environment) => {
    const backend = stacks[environment.namePrefix].terraform.backend;
    expect(backend).toEqual({
      s3: { bucket: STATE_BUCKET.bucketName, region: STATE_BUCKET.region, key: `tapstack/${environment.name}/terraform.tfstate`, encrypt: true, use_lockfile: true },
    });
    expect(JSON.stringify(backend)).not.toContain('dynamodb');
  });

  it.each(ENVIRONMENTS.map((e) => [e.name, e] as const))('deploys %s only to its account and region, with its default tags', (_name, environment) => {
    expect(stacks[environment.namePrefix].provider.aws).toEqual([
      { region: environment.region, allowed_account_ids: [environment.accountId], default_tags: [{ tags: defaultTagsOf(environment) }] },
    ]);
  });

  it('takes table deletion protection and alarm thresholds from each environment', () => {
    const table = (stack: any) => Object.values(stack.resource.aws_dynamodb_table)[0] as any;
    expect(table(dev).deletion_protection_enabled).toBe(false);
    expect(table(prod).deletion_protection_enabled).toBe(true);
    const latency = (stack: any, prefix: string) => Object.values<any>(stack.resource.aws_cloudwatch_metric_alarm).find((a) => a.alarm_name === `${prefix}-JobsApi-Latency`);
    expect(latency(dev, 'tapstack-dev').threshold).toBe(5000);
    expect(latency(prod, 'tapstack-prod').threshold).toBe(3000);
  });

  it('gives the two environments no physical name in common, and every name starts with its prefix', () => {
    const devNames = physicalNames(dev);
    const prodNames = physicalNames(prod);
    expect(devNames.length).toBeGreaterThan(20);
    expect(devNames.filter((name) => prodNames.includes(name))).toEqual([]);
    for (const name of devNames) expect(name.replace(/^\/aws\/[a-z]+(\/states)?\//, '')).toMatch(/^tapstack-dev-/);
  });

  it('writes no absolute path into any synthesized stack', () => {
    for (const text of Object.values(texts)) {
      expect(text).not.toContain(outdir);
      expect(text).not.toContain(process.cwd());
      expect(text).not.toMatch(/"path":\s*"\//);
    }
  });
});

describe('choosing environments and backend', () => {
  it('builds only the environments asked for, besides the bootstrap stack', () => {
    expect(Object.keys(synthApp({ environments: ['dev'] }).stacks).sort()).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-dev']);
  });

  /** Runs `build` with TAPSTACK_ENVIRONMENTS set to `value` (or unset), then restores it. */
  function withEnvironmentsVariable<T>(value: string | undefined, build: () => T): T {
    const previous = process.env[ENVIRONMENTS_ENV_VAR];
    if (value === undefined) delete process.env[ENVIRONMENTS_ENV_VAR];
    else process.env[ENVIRONMENTS_ENV_VAR] = value;
    try {
      return build();
    } finally {
      if (previous === undefined) delete process.env[ENVIRONMENTS_ENV_VAR];
      else process.env[ENVIRONMENTS_ENV_VAR] = previous;
    }
  }
  const stackIds = (context: Record<string, unknown> = {}) =>
    buildApp(new App({ outdir: mkdtempSync(join(tmpdir(), 'tapstack-app-')), context })).node.children.map((c) => c.node.id).sort();

  it(`reads ${ENVIRONMENTS_ENV_VAR} when no option is given`, () => {
    expect(withEnvironmentsVariable('prod', () => stackIds())).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-prod']);
  });

  it('reads the environments context value; the variable wins over it', () => {
    expect(withEnvironmentsVariable(undefined, () => stackIds({ environments: 'prod' }))).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-prod']);
    expect(withEnvironmentsVariable('dev', () => stackIds({ environments: 'prod' }))).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-dev']);
  });

  it('builds every environment when nothing is asked', () => {
    expect(withEnvironmentsVariable(undefined, () => stackIds())).toEqual([BOOTSTRAP_STACK_ID, 'tapstack-dev', 'tapstack-prod']);
  });

  it('puts every stack\'s state in a local file by a relative path for a quick start', () => {
    const { stacks } = synthApp({ environments: ['dev', 'prod'], backend: 'local' });
    for (const [id, stack] of Object.entries(stacks)) {
      expect(stack.terraform.backend).toEqual({ local: { path: `../../../terraform.${id}.tfstate` } });
    }
  });
});

describe('the quick start', () => {
  it('`npx cdktf synth` writes the bootstrap stack and one stack per environment', () => {
    const output = mkdtempSync(join(tmpdir(), 'tapstack-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true', CI: 'true' };
    delete env[ENVIRONMENTS_ENV_VAR];
    const root = join(__dirname, '..', '..');
    const run = spawnSync(join(root, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', output], { cwd: root, env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const id of [BOOTSTRAP_STACK_ID, 'tapstack-dev', 'tapstack-prod']) {
      expect(existsSync(join(output, 'stacks', id, 'cdk.tf.json'))).toBe(true);
    }
  }, 300_000);
});
