/**
 * `npm run export:hcl [-- --out <dir>]`: every stack of the app as a plain Terraform module in
 * `<dir>/stacks/<stack>/` (default dir `cdktf.out.hcl`), with its Lambda assets: `main.tf`, its
 * inputs (`variables.tf`, `terraform.tfvars`, `backend.hcl`) and `concurrency.tf`. Ready for
 * `terraform init -backend-config=backend.hcl && terraform plan` without cdktf. See
 * docs/cdk-terrain-and-hcl.md, "Export to HCL". `TAPSTACK_ENVIRONMENTS` and `TAPSTACK_BACKEND`
 * choose as they do for synth.
 */
import { ENVIRONMENTS } from '../config/environments';
import { buildApp } from '../main';
import { exportHcl } from './hcl/export';

function outdirFromArgs(argv: readonly string[]): string {
  const flag = argv.indexOf('--out');
  if (flag === -1) return 'cdktf.out.hcl';
  const value = argv[flag + 1];
  if (!value || value.startsWith('--')) throw new Error('--out needs a folder, e.g. --out hcl');
  return value;
}

const dirs = exportHcl(outdirFromArgs(process.argv.slice(2)), (app) => buildApp(app), {
  lambdaConcurrencyQuota: (stackId) => ENVIRONMENTS.find((e) => e.namePrefix === stackId)?.lambdaConcurrencyQuota,
});
for (const dir of dirs) console.log(`wrote ${dir}/`);
console.log('Next, in a stack folder: terraform init -backend-config=backend.hcl && terraform plan (see docs/cdk-terrain-and-hcl.md, "Export to HCL").');
