import { spawn } from 'child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { mirrorCliConfig } from '../../local/terraform-mirror';
import { AwsAnswers } from './aws-answers';

/**
 * `terraform plan -out` then `terraform show -json` of a plain Terraform
 * configuration, offline: the real hashicorp/aws provider from the plugin
 * mirror, fake credentials and the `skip_*` flags in an override file (the
 * configuration's own provider block stays as written), and the few AWS calls
 * a plan makes answered on loopback ({@link AwsAnswers}). What guard-check reads.
 */

/** The provider settings a plan needs offline, merged into the configuration's `provider "aws"` block. */
export function offlineProviderOverride(endpoint: string): string {
  return [
    'provider "aws" {',
    '  access_key                  = "offline-plan-fake-key"',
    '  secret_key                  = "offline-plan-fake-secret"',
    '  skip_credentials_validation = true',
    '  skip_metadata_api_check     = true',
    '  skip_region_validation      = true',
    '  skip_requesting_account_id  = true',
    '  endpoints {',
    `    sts           = ${JSON.stringify(endpoint)}`,
    `    servicequotas = ${JSON.stringify(endpoint)}`,
    `    sfn           = ${JSON.stringify(endpoint)}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface PlanJsonResult {
  readonly ok: boolean;
  /** The JSON of `terraform show -json <planfile>`, when the plan succeeded. */
  readonly json: string;
  /** What terraform printed, for a failure message. */
  readonly output: string;
}

/**
 * Async: the loopback answers run in this process, so terraform must not block it.
 * Copies `configDir` to a fresh temp dir, adds the offline override, inits
 * (`initArgs`, default `-backend=false`) and plans there.
 */
export async function planJsonOffline(configDir: string, answers: AwsAnswers, initArgs: readonly string[] = ['-backend=false']): Promise<PlanJsonResult> {
  const dir = mkdtempSync(join(tmpdir(), 'guard-check-plan-'));
  cpSync(configDir, dir, { recursive: true, filter: (source) => !/(^|\/)(\.terraform|plan\.json|terraform\.tfstate.*)$/.test(source) });
  writeFileSync(join(dir, 'offline_override.tf'), offlineProviderOverride(answers.endpoint));
  writeFileSync(join(dir, 'offline.tfrc'), mirrorCliConfig());
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'offline.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  let output = '';
  const steps = [
    ['init', ...initArgs, '-input=false', '-no-color'],
    ['plan', '-out=offline.tfplan', '-input=false', '-no-color', '-lock=false'],
    ['show', '-json', 'offline.tfplan'],
  ];
  for (const args of steps) {
    const run = await terraform(args, dir, env);
    if (run.status !== 0) return { ok: false, json: '', output: `${output}$ terraform ${args.join(' ')}\n${run.stdout}${run.stderr}` };
    if (args[0] === 'show') return { ok: true, json: run.stdout, output };
    output += `$ terraform ${args.join(' ')}\n${run.stdout}${run.stderr}\n`;
  }
  return { ok: false, json: '', output };
}

function terraform(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
