import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App } from 'cdktf';
import { repairLifecycleBlocks } from './lifecycle-blocks';

/**
 * Exports every stack of an app as plain Terraform: cdktf's HCL synth (assets included),
 * with the lifecycle blocks its renderer gets wrong repaired, written as `main.tf` and
 * formatted by `terraform fmt`. Returns each stack's folder.
 */
export function exportHcl(outdir: string, build: (app: App) => unknown): string[] {
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
    writeFileSync(rendered, repairLifecycleBlocks(readFileSync(rendered, 'utf8')));
    renameSync(rendered, join(dir, 'main.tf'));
    terraformFmt(dir);
    return dir;
  });
}

function terraformFmt(dir: string): void {
  const run = spawnSync('terraform', ['fmt', '-no-color', '-list=false', 'main.tf'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (run.error) {
    throw new Error(`terraform is not on PATH (${run.error.message}); the export formats its output with \`terraform fmt\`. Install Terraform >= 1.7.`);
  }
  if (run.status !== 0) {
    throw new Error(`terraform fmt rejected the exported ${join(dir, 'main.tf')}:\n${run.stderr}`);
  }
  if (!existsSync(join(dir, 'main.tf'))) throw new Error(`no main.tf in ${dir}`);
}
