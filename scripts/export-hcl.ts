/**
 * `npm run export:hcl [-- --out <dir>]`: every stack of the app as plain Terraform in
 * `<dir>/stacks/<stack>/main.tf` (default dir `cdktf.out.hcl`), with its Lambda assets,
 * ready for `terraform init && terraform plan` without cdktf. See the README, "Export to HCL".
 */
import { buildApp } from '../main';
import { exportHcl } from './hcl/export';

function outdirFromArgs(argv: readonly string[]): string {
  const flag = argv.indexOf('--out');
  if (flag === -1) return 'cdktf.out.hcl';
  const value = argv[flag + 1];
  if (!value || value.startsWith('--')) throw new Error('--out needs a folder, e.g. --out hcl');
  return value;
}

const dirs = exportHcl(outdirFromArgs(process.argv.slice(2)), (app) => buildApp(app));
for (const dir of dirs) console.log(`wrote ${dir}/main.tf`);
