import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { BOOTSTRAP_STACK_ID, ENVIRONMENTS, STATE_BUCKET, stateKeyOf } from '../../config/environments';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { mirrorCliConfig } from '../../local/terraform-mirror';
import { exportHcl } from '../../scripts/hcl/export';
import { removeScratchClone, scratchClone } from '../helpers/scratch-clone';
import { assertTerraformAvailable, initValidateAndPlan, planAgain } from '../helpers/terraform';

/**
 * `npm run export:hcl` and the steps after it in docs/cdk-terrain-and-hcl.md ("Export to HCL"), run as written in a
 * scratch clone, with the real terraform and hashicorp/aws provider, offline: a module per stack
 * that takes what differs between users as inputs, validates with no warning but the documented
 * `reset_on_delete` one, and, exported with local state, inits with `-backend-config` and plans
 * with the mock credentials of the other offline plans.
 */
jest.setTimeout(300_000);

/** The page's commands, as written (the docs' command test checks that this file holds each one). */
const DOC_EXPORT = ['npm run export:hcl', 'cd cdktf.out.hcl/stacks/tapstack-dev', 'terraform init -backend=false && terraform validate'];
const DOC_LOCAL_STATE = ['TAPSTACK_BACKEND=local npm run export:hcl -- --out hcl-local', 'cd hcl-local/stacks/tapstack-dev', 'terraform init -backend-config=backend.hcl'];

let clone: string;
let terraformEnv: NodeJS.ProcessEnv;

/** Runs the page's lines in order, as one shell session in the clone, stopping at the first failure. */
function runDocLines(lines: readonly string[]): { status: number | null; output: string } {
  const run = spawnSync('bash', ['-e', '-c', lines.join('\n')], { cwd: clone, encoding: 'utf8', env: terraformEnv });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function terraform(dir: string, ...args: string[]) {
  return spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: terraformEnv });
}

/** Terraform's output as plain text: no colours, no box drawn around diagnostics. */
function plain(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\x1b\[[0-9;]*m/g, '').replace(/^[╷│╵] ?/gm, '');
}

/** The warnings `terraform validate` printed (what follows `init`'s own output), one text each. */
function validateWarnings(output: string): string[] {
  const validate = plain(output).split('Terraform has been successfully initialized!').pop()!;
  return validate.split(/\n(?=Warning: )/).filter((block) => block.startsWith('Warning: '));
}

/** The one documented warning: `reset_on_delete` of the API Gateway account setting (hashicorp/aws 5.100.0), once. */
const RESET_ON_DELETE = /^Warning: Attribute Deprecated\n[\s\S]*aws_api_gateway_account[\s\S]*reset_on_delete/;

beforeAll(() => {
  assertTerraformAvailable();
  clone = scratchClone('export-hcl-');
  // The provider from the mirror, offline; on a machine with network, Terraform's registry does the same.
  writeFileSync(join(clone, '..', 'mirror.tfrc'), mirrorCliConfig());
  terraformEnv = { ...process.env, TF_CLI_CONFIG_FILE: join(clone, '..', 'mirror.tfrc'), CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true', TF_IN_AUTOMATION: '1' };
});

afterAll(() => {
  if (clone) removeScratchClone(clone);
});

describe('npm run export:hcl, then the steps of docs/cdk-terrain-and-hcl.md', () => {
  let stackDirs: string[] = [];

  it('runs as written: the dev module validates, warning only of reset_on_delete (no quoted depends_on references)', () => {
    const run = runDocLines(DOC_EXPORT);
    expect({ status: run.status, tail: run.status === 0 ? '' : run.output.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(plain(run.output)).toContain('Success! The configuration is valid');
    const warnings = validateWarnings(run.output);
    expect(warnings).toEqual([expect.stringMatching(RESET_ON_DELETE)]);
    expect(warnings[0]).not.toMatch(/more similar warning/);
    stackDirs = readdirSync(join(clone, 'cdktf.out.hcl', 'stacks')).map((stack) => join(clone, 'cdktf.out.hcl', 'stacks', stack));
    expect(stackDirs.map((dir) => dir.split('/').pop()).sort()).toEqual([BOOTSTRAP_STACK_ID, ...ENVIRONMENTS.map((e) => e.namePrefix)].sort());
  });

  it('writes lifecycle preconditions as blocks and depends_on references unquoted', () => {
    const all = stackDirs.map((dir) => readFileSync(join(dir, 'main.tf'), 'utf8')).join('\n');
    expect(all).not.toMatch(/precondition\s*=/);
    // The default stack derives its bucket name at deploy time, so its guards are preconditions.
    expect(all).toMatch(/lifecycle \{\n\s+precondition \{\n\s+condition\s+= /);
    expect(all).toMatch(/depends_on = \[\n\s+aws_/);
    expect(all).not.toMatch(/depends_on = \[\n\s+"/);
  });

  it('takes account, region, quota and backend as inputs, with the values each stack was built with', () => {
    const inputsOf = (stackId: string) => {
      const dir = join(clone, 'cdktf.out.hcl', 'stacks', stackId);
      const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
      const values = (text: string) => Object.fromEntries([...text.matchAll(/^(\w+)\s*=\s*(.+)$/gm)].map((m) => [m[1], JSON.parse(m[2]) as unknown]));
      return { main: read('main.tf'), variables: [...read('variables.tf').matchAll(/^variable "(\w+)"/gm)].map((m) => m[1]), tfvars: values(read('terraform.tfvars')), backend: values(read('backend.hcl')) };
    };
    for (const environment of ENVIRONMENTS) {
      const inputs = inputsOf(environment.namePrefix);
      expect(inputs.variables).toEqual(['account_id', 'region', 'lambda_concurrency_quota']);
      expect(inputs.tfvars).toEqual({ account_id: environment.accountId, region: environment.region, lambda_concurrency_quota: environment.lambdaConcurrencyQuota });
      expect(inputs.backend).toEqual({ bucket: STATE_BUCKET.bucketName, key: stateKeyOf(environment.name), region: STATE_BUCKET.region });
      // Nothing of the account or region is left written in: the provider and the ARNs read the variables.
      expect(inputs.main).toMatch(/allowed_account_ids = \[var\.account_id\]\n\s+region\s+= var\.region/);
      expect(inputs.main).not.toContain(environment.accountId);
      expect(inputs.main).not.toMatch(new RegExp(`"[^"\\n]*:${environment.region}:`));
      expect(inputs.main).not.toContain(STATE_BUCKET.bucketName);
      expect(inputs.main).toMatch(/backend "s3" \{\n\s+encrypt\s+= true\n\s+use_lockfile = true\n\s+\}/);
    }
    const bootstrap = inputsOf(BOOTSTRAP_STACK_ID);
    expect(bootstrap.tfvars).toEqual({ account_id: STATE_BUCKET.accountId, region: STATE_BUCKET.region });
    // Its local state stays in the module's folder, wherever the export was written (not ../../../).
    expect(bootstrap.backend).toEqual({ path: 'terraform.tfstate' });
    expect(bootstrap.main).toMatch(/backend "local" \{\s*\}/);
  });

  it('writes canonically formatted Terraform (terraform fmt -check)', () => {
    for (const dir of stackDirs) {
      const check = terraform(dir, 'fmt', '-check', '-list=true');
      // -list prints each file that is not canonical; stderr may hold CLI-config warnings of the machine.
      expect({ dir, status: check.status, notCanonical: check.stdout }).toEqual({ dir, status: 0, notCanonical: '' });
    }
  });
});

describe('exported with local state (TAPSTACK_BACKEND=local), as docs/cdk-terrain-and-hcl.md shows', () => {
  it('inits with -backend-config=backend.hcl as written, then every stack validates and plans offline with mock credentials', () => {
    const run = runDocLines(DOC_LOCAL_STATE);
    expect({ status: run.status, tail: run.status === 0 ? '' : run.output.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(plain(run.output)).toContain('Successfully configured the backend "local"!');
    const stacks = join(clone, 'hcl-local', 'stacks');
    for (const stackId of readdirSync(stacks)) {
      const result = initValidateAndPlan(join(stacks, stackId), { initArgs: ['-backend-config=backend.hcl'] });
      expect({ stackId, ok: result.ok, output: result.ok ? '' : result.output.slice(-3000) }).toEqual({ stackId, ok: true, output: '' });
      expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
      const validate = result.output.split('$ terraform validate')[1].split('$ terraform test')[0];
      expect({ stackId, warnings: validateWarnings(validate).filter((w) => !RESET_ON_DELETE.test(w)) }).toEqual({ stackId, warnings: [] });
    }
  });
});

describe('exportHcl', () => {
  it('keeps a deploy-time bucket name and the reservations of the module checked at plan, naming the rule', () => {
    const [dir] = exportHcl(join(clone, '..', 'broken-out'), (app) => {
      const stack = new TerraformStack(app, 'Broken');
      new AwsProvider(stack, 'aws', { region: 'us-east-1' });
      const suffix = new TerraformVariable(stack, 'suffix', { type: 'string', default: 'UPPER' });
      const code = new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
      new UnreservedFunction(stack, 'Fn', { entry: join(__dirname, '..', 'fixtures', 'proxy-echo-handler.ts'), codeBucket: code, reservedConcurrency: 50 });
    });
    const broken = initValidateAndPlan(dir);
    expect(broken.ok).toBe(false);
    expect(broken.output).toContain('Resource precondition failed');
    expect(broken.output).toContain("SafeBucket at 'Broken/Data': [bucket-name/charset]");
    // A quota that leaves less than 100 unreserved beside the 50 reserved: the module's own check.
    const tooSmall = planAgain(dir, { variables: { suffix: 'lower', lambda_concurrency_quota: 120 } });
    expect(tooSmall.ok).toBe(false);
    // Terraform wraps the message: compare it with its line breaks as spaces.
    expect(tooSmall.output.replace(/\s+/g, ' ')).toContain("[function/unreserved-concurrency] the functions of this module reserve 50 of the account's quota (120,");
    const fixed = planAgain(dir, { variables: { suffix: 'lower', lambda_concurrency_quota: 150 } });
    expect({ ok: fixed.ok, output: fixed.ok ? '' : fixed.output.slice(-3000) }).toEqual({ ok: true, output: '' });
  });
});
