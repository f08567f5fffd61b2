import { spawn } from 'child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { mirrorCliConfig } from '../../local/terraform-mirror';
import { AwsAnswers } from './aws-answers';

/**
 * `terraform plan -out` then `terraform show -json` of a plain Terraform
 * configuration, offline: the real hashicorp/aws provider from the plugin
 * mirror, fake credentials and the `skip_*` flags in an override file (the
 * configuration's own provider block stays as written), and the few AWS calls
 * a plan makes answered on loopback ({@link AwsAnswers}), the account id
 * included, so a provider's `allowed_account_ids` is checked. What guard-check reads.
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
  try {
    return await initPlanShow(dir, env, initArgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function initPlanShow(dir: string, env: NodeJS.ProcessEnv, initArgs: readonly string[]): Promise<PlanJsonResult> {
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

/** The HCL fixtures of guard-check (__tests__/fixtures/guard-check/<name>/main.tf), each with its committed plan.json. */
export const GUARD_CHECK_FIXTURES = join(__dirname, '..', 'fixtures', 'guard-check');
export const FIXTURE_NAMES = ['clean', 'seed-1-bucket-name', 'seed-2-reserved-concurrency', 'seed-3-log-delivery', 'role-instances', 'module-role'] as const;
/** What the fixtures' plans read from AWS: the caller's account, and a Lambda quota of 200 (seed 2's 175 reserved leave 25). */
export const FIXTURE_AWS = { accountId: '123456789012', lambdaConcurrencyQuota: 200 } as const;

/** The committed plan of a fixture: `terraform show -json` of its offline plan. */
export function fixturePlanFile(name: string): string {
  return join(GUARD_CHECK_FIXTURES, name, 'plan.json');
}

/**
 * `node --import tsx __tests__/helpers/offline-plan-json.ts`: plans every fixture
 * offline and writes its plan.json (after editing a fixture's main.tf; the
 * integration test fails while a committed plan.json and a fresh plan disagree).
 */
async function writeFixturePlans(): Promise<void> {
  const { startAwsAnswers } = await import('./aws-answers');
  const answers = await startAwsAnswers(FIXTURE_AWS);
  try {
    for (const name of FIXTURE_NAMES) {
      const plan = await planJsonOffline(join(GUARD_CHECK_FIXTURES, name), answers);
      if (!plan.ok) throw new Error(`${name}: terraform failed\n${plan.output}`);
      // Indented, without the plan's timestamp or the endpoint's port, attributes sorted: a regenerated file differs only where the plan does.
      // The loopback endpoint's port changes every run; the checks never read the provider's endpoints.
      const portFree = plan.json.split(answers.endpoint).join('http://127.0.0.1:0');
      const { timestamp: _timestamp, ...stable } = JSON.parse(portFree) as Record<string, unknown>;
      // Terraform lists relevant_attributes in no fixed order.
      if (Array.isArray(stable.relevant_attributes)) {
        stable.relevant_attributes = [...stable.relevant_attributes].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      }
      writeFileSync(fixturePlanFile(name), `${JSON.stringify(stable, null, 2)}\n`);
      console.log(`wrote ${fixturePlanFile(name)}`);
    }
  } finally {
    await answers.close();
  }
}

if (require.main === module) {
  writeFixturePlans().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
