import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App } from 'cdktf';
import { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA } from '../../constructs/internal/concurrency-budget';
import { unquoteDependsOn } from './depends-on';
import { repairLifecycleBlocks } from './lifecycle-blocks';
import { assignments, toModule, variablesTf } from './module-inputs';

export interface ExportOptions {
  /**
   * The Lambda concurrency quota of the account each stack deploys to, by stack id: the value of
   * its module's `lambda_concurrency_quota`.
   * @default 1000, the quota of an account that never changed it
   */
  readonly lambdaConcurrencyQuota?: (stackId: string) => number | undefined;
}

/**
 * Exports every stack of an app as a plain Terraform module: cdktf's HCL synth (assets included),
 * with what its renderer gets wrong repaired (lifecycle blocks, quoted `depends_on` references),
 * and what differs between users made inputs (scripts/hcl/module-inputs.ts): `main.tf`,
 * `variables.tf`, `terraform.tfvars`, `backend.hcl` and `concurrency.tf`, formatted by
 * `terraform fmt`. Returns each stack's folder.
 */
export function exportHcl(outdir: string, build: (app: App) => unknown, options: ExportOptions = {}): string[] {
  rmSync(outdir, { recursive: true, force: true });
  // cdktf's stacks read SYNTH_HCL_OUTPUT when they are constructed (the App option only names the
  // file), which is how `cdktf synth --hcl` asks for HCL too.
  const previous = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = 'true';
  try {
    const app = new App({ outdir, hclOutput: true });
    build(app);
    app.synth();
  } finally {
    if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = previous;
  }
  const stacksDir = join(outdir, 'stacks');
  return readdirSync(stacksDir).map((stackId) => {
    const dir = join(stacksDir, stackId);
    const rendered = join(dir, 'cdk.tf');
    const module = toModule(unquoteDependsOn(repairLifecycleBlocks(readFileSync(rendered, 'utf8'))), {
      lambdaConcurrencyQuota: options.lambdaConcurrencyQuota?.(stackId) ?? DEFAULT_ACCOUNT_CONCURRENCY_QUOTA,
    });
    rmSync(rendered);
    writeFileSync(join(dir, 'main.tf'), module.mainTf);
    if (module.variables.length > 0) {
      writeFileSync(join(dir, 'variables.tf'), variablesTf(module.variables));
      const values = Object.fromEntries(module.variables.map((v) => [v.name, v.value]));
      writeFileSync(join(dir, 'terraform.tfvars'), assignments(values, `The values ${stackId} was exported with; put yours here (Terraform reads this file by itself).`));
    }
    if (module.backendConfig) {
      writeFileSync(join(dir, 'backend.hcl'), assignments(module.backendConfig, 'The state backend: terraform init -backend-config=backend.hcl'));
    }
    if (module.concurrencyTf) writeFileSync(join(dir, 'concurrency.tf'), module.concurrencyTf);
    terraformFmt(dir);
    return dir;
  });
}

function terraformFmt(dir: string): void {
  const run = spawnSync('terraform', ['fmt', '-no-color', '-list=false'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (run.error) {
    throw new Error(`terraform is not on PATH (${run.error.message}); the export formats its output with \`terraform fmt\`. Install Terraform >= 1.7.`);
  }
  if (run.status !== 0) {
    throw new Error(`terraform fmt rejected the exported module in ${dir}:\n${run.stderr}`);
  }
  if (!existsSync(join(dir, 'main.tf'))) throw new Error(`no main.tf in ${dir}`);
}
