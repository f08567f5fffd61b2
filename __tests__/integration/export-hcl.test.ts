import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { SafeBucket } from '../../constructs/safe-bucket';
import { exportHcl } from '../../scripts/hcl/export';
import { assertTerraformAvailable, initValidateAndPlan } from '../helpers/terraform';

// Real terraform and the real hashicorp/aws provider, offline.
jest.setTimeout(300_000);

beforeAll(() => assertTerraformAvailable());

function terraform(dir: string, ...args: string[]) {
  return spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
}

describe('npm run export:hcl', () => {
  const outdir = join(mkdtempSync(join(tmpdir(), 'export-hcl-')), 'out');
  let stackDirs: string[] = [];

  beforeAll(() => {
    const run = spawnSync(join('node_modules', '.bin', 'tsx'), ['scripts/export-hcl.ts', '--out', outdir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`export:hcl failed:\n${run.stdout}${run.stderr}`);
    stackDirs = readdirSync(join(outdir, 'stacks')).map((stack) => join(outdir, 'stacks', stack));
  });

  it('writes every stack of the app, with lifecycle preconditions as blocks Terraform accepts', () => {
    expect(stackDirs.length).toBeGreaterThan(0);
    const all = stackDirs.map((dir) => readFileSync(join(dir, 'main.tf'), 'utf8')).join('\n');
    expect(all).not.toMatch(/precondition\s*=/);
    // The default stack derives its bucket name at deploy time, so its guards are preconditions.
    expect(all).toMatch(/lifecycle \{\n\s+precondition \{\n\s+condition\s+= /);
  });

  it('writes canonically formatted Terraform (terraform fmt -check)', () => {
    for (const dir of stackDirs) {
      const check = terraform(dir, 'fmt', '-check', '-list=true', 'main.tf');
      // -list prints each file that is not canonical; stderr may hold CLI-config warnings of the machine.
      expect({ dir, status: check.status, notCanonical: check.stdout }).toEqual({ dir, status: 0, notCanonical: '' });
    }
  });

  it('validates and plans every exported stack offline with the real provider', () => {
    for (const dir of stackDirs) {
      const result = initValidateAndPlan(dir);
      expect({ dir, ok: result.ok }).toEqual({ dir, ok: true });
      expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    }
  });
});

describe('exportHcl', () => {
  it('keeps a deploy-time name that breaks a rule a plan-time error, naming the construct and the rule', () => {
    const [dir] = exportHcl(join(mkdtempSync(join(tmpdir(), 'export-hcl-broken-')), 'out'), (app) => {
      const stack = new TerraformStack(app, 'Broken');
      new AwsProvider(stack, 'aws', { region: 'us-east-1' });
      const suffix = new TerraformVariable(stack, 'suffix', { type: 'string', default: 'UPPER' });
      new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
    });
    const result = initValidateAndPlan(dir);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Resource precondition failed');
    expect(result.output).toContain("SafeBucket at 'Broken/Data': [bucket-name/charset]");
  });
});
