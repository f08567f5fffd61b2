import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { AWS_PROVIDER_VERSION, assertTerraformAndMirror, mirrorCliConfig } from '../../local/terraform-mirror';

/**
 * Runs the real Terraform CLI and the real hashicorp/aws provider against a
 * synthesized stack, offline: the provider comes from a local plugin mirror,
 * credentials are fake, and every data source that would call AWS is
 * overridden. The credentials and overrides live only in the temp copy.
 */

export { AWS_PROVIDER_VERSION, pluginMirror } from '../../local/terraform-mirror';
export const FAKE_ACCOUNT_ID = '123456789012';
export const FAKE_REGION = 'us-east-1';

/** Data sources the provider computes locally, so the plan runs them for real. */
const LOCAL_DATA_SOURCES = new Set(['aws_iam_policy_document', 'aws_partition']);

/** The Lambda concurrency quota the offline plan reads unless a test sets another (the AWS default). */
export const FAKE_LAMBDA_CONCURRENCY_QUOTA = 1000;

/** Values for data sources that would otherwise call AWS. */
const DATA_OVERRIDES: Record<string, Record<string, unknown>> = {
  aws_caller_identity: {
    account_id: FAKE_ACCOUNT_ID,
    arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/offline-plan`,
    user_id: 'AIDAOFFLINEPLAN',
  },
  aws_region: { name: FAKE_REGION, id: FAKE_REGION },
  aws_servicequotas_service_quota: {
    value: FAKE_LAMBDA_CONCURRENCY_QUOTA,
    quota_name: 'Concurrent executions',
    adjustable: true,
    global_quota: false,
  },
};

export interface TerraformResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Fails (never skips) when terraform or the mirror is missing, saying how to get them. */
export function assertTerraformAvailable(): void {
  assertTerraformAndMirror();
}

/** Synthesizes `stack` (assets included) into a fresh temp dir and returns the stack's folder. */
export function synthToTempDir(stack: TerraformStack): string {
  const outdir = Testing.fullSynth(stack);
  const copy = mkdtempSync(join(tmpdir(), 'tf-offline-'));
  cpSync(join(outdir, 'stacks', stack.node.id), copy, { recursive: true });
  return copy;
}

export interface PlanOptions {
  /**
   * Terraform conditions the plan must satisfy, as `assert` blocks of the run,
   * e.g. `aws_s3_bucket.X.bucket == "name"`. Each is [condition, error message].
   */
  readonly asserts?: readonly (readonly [string, string])[];
  /**
   * Values that replace or add to the default overrides of a data source type,
   * e.g. `{ aws_servicequotas_service_quota: { value: 10 } }` to replay an account with a quota of 10.
   * @default the defaults only
   */
  readonly dataOverrides?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Give the plan's provider the synthesized provider's `default_tags` (the test
   * file's provider block otherwise replaces the stack's), so `tags_all` can be asserted.
   * @default false
   */
  readonly keepProviderDefaultTags?: boolean;
  /**
   * Values of the configuration's input variables for the plan (a `variables` block of the run).
   * @default the configuration's defaults and its terraform.tfvars
   */
  readonly variables?: Readonly<Record<string, string | number | boolean>>;
  /**
   * `terraform init`'s arguments besides `-input=false -no-color`.
   * @default ['-backend=false']: no backend, as the offline plan needs none
   */
  readonly initArgs?: readonly string[];
}

/**
 * Copies one stack of an app synthesized into `outdir` to a fresh temp dir, with
 * its backend replaced by a local one there (an override file): the offline plan
 * never reaches a remote backend, and the synthesized stack stays untouched.
 */
export function copyAppStackToTempDir(outdir: string, stackId: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'tf-offline-'));
  cpSync(join(outdir, 'stacks', stackId), copy, { recursive: true });
  writeFileSync(join(copy, 'backend_override.tf.json'), JSON.stringify({ terraform: { backend: { local: { path: 'offline-plan.tfstate' } } } }, null, 2));
  return copy;
}

/** Resource types of the real hashicorp/aws provider that have `tags_all`, i.e. take tags (read from its schema). */
export function taggableResourceTypes(dir: string): Set<string> {
  writeOfflineFiles(dir, {});
  const env = terraformEnv(dir);
  // `providers schema` needs an initialized backend: the local one of the temp copy.
  const init = spawnSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, encoding: 'utf8', env });
  if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stdout}${init.stderr}`);
  const schema = spawnSync('terraform', ['providers', 'schema', '-json'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  if (schema.status !== 0) throw new Error(`terraform providers schema failed:\n${schema.stderr}`);
  const resources: Record<string, { block: { attributes?: Record<string, unknown> } }> =
    JSON.parse(schema.stdout).provider_schemas['registry.terraform.io/hashicorp/aws'].resource_schemas;
  return new Set(Object.entries(resources).filter(([, r]) => r.block.attributes?.tags_all !== undefined).map(([type]) => type));
}

/**
 * The folder of this test process's one `terraform init` from the mirror. What it installs, the
 * lock file with the mirror's checksums and `.terraform/` (whose provider folder is a link into
 * the mirror), is all a synthesized stack needs, so each offline folder gets a copy of it instead
 * of an init of its own (half a second of CPU each; a file of the integration tier runs several).
 */
let sharedInit: string | undefined;

function sharedProviderInstallation(): string {
  if (sharedInit && existsSync(join(sharedInit, '.terraform.lock.hcl'))) return sharedInit;
  const dir = mkdtempSync(join(tmpdir(), 'tf-shared-init-'));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_VERSION } } } }));
  writeFileSync(join(dir, 'offline.tfrc'), mirrorCliConfig());
  const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, encoding: 'utf8', env: terraformEnv(dir) });
  if (init.status !== 0) throw new Error(`terraform init of the shared provider installation failed:\n${init.stdout}${init.stderr}`);
  sharedInit = dir;
  return dir;
}

/**
 * Whether `dir` is a synthesized stack that needs exactly what the shared init installed (and no
 * backend init), and has no installation of its own yet (a folder already initialised inits again, as before).
 */
function usesSharedInstallation(dir: string, options: PlanOptions): boolean {
  if (options.initArgs !== undefined || !existsSync(join(dir, 'cdk.tf.json')) || existsSync(join(dir, '.terraform'))) return false;
  const config = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
  const providers: Record<string, { source?: string; version?: string }> = config.terraform?.required_providers ?? {};
  const aws = providers.aws;
  return Object.keys(providers).length === 1 && aws?.version === AWS_PROVIDER_VERSION && (aws.source === 'aws' || aws.source === 'hashicorp/aws') && config.module === undefined;
}

/** `terraform init`, `validate` and an offline `plan` (through `terraform test`), stopping at the first failure. */
export function initValidateAndPlan(dir: string, options: PlanOptions = {}): TerraformResult {
  writeOfflineFiles(dir, options);
  let output = '';
  const steps: string[][] = [['validate', '-no-color'], ['test', '-no-color']];
  if (usesSharedInstallation(dir, options)) {
    const shared = sharedProviderInstallation();
    cpSync(join(shared, '.terraform'), join(dir, '.terraform'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(shared, '.terraform.lock.hcl'), join(dir, '.terraform.lock.hcl'));
    output += `$ terraform init -backend=false (this process's one init, in ${shared}: its lock file and .terraform/ copied here)\n`;
  } else {
    steps.unshift(['init', ...(options.initArgs ?? ['-backend=false']), '-input=false', '-no-color']);
  }
  for (const args of steps) {
    const run = spawnSync('terraform', args, { cwd: dir, encoding: 'utf8', env: terraformEnv(dir) });
    output += `$ terraform ${args.join(' ')}\n${run.stdout}${run.stderr}\n`;
    if (run.status !== 0) {
      return { ok: false, output };
    }
  }
  return { ok: true, output };
}

/**
 * Only the offline `plan` again, with new options, in a folder that
 * {@link initValidateAndPlan} already initialised: replays one configuration
 * against other data (e.g. another quota) without paying for init twice.
 */
export function planAgain(dir: string, options: PlanOptions = {}): TerraformResult {
  writeOfflineFiles(dir, options);
  const run = spawnSync('terraform', ['test', '-no-color'], { cwd: dir, encoding: 'utf8', env: terraformEnv(dir) });
  return { ok: run.status === 0, output: `$ terraform test -no-color\n${run.stdout}${run.stderr}\n` };
}

function terraformEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: join(dir, 'offline.tfrc'),
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_PLUGIN_CACHE_DIR: '',
  };
}

function writeOfflineFiles(dir: string, options: PlanOptions): void {
  writeFileSync(join(dir, 'offline.tfrc'), mirrorCliConfig());
  writeFileSync(join(dir, 'offline.tftest.hcl'), offlineTestFile(configOf(dir), options));
}

/** A synthesized folder's cdk.tf.json; for an HCL export, only the data sources its `data` blocks declare. */
function configOf(dir: string): Parameters<typeof offlineTestFile>[0] {
  if (existsSync(join(dir, 'cdk.tf.json'))) {
    return JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
  }
  const data: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf'))) {
    for (const [, type, name] of readFileSync(join(dir, file), 'utf8').matchAll(/^data "([\w-]+)" "([\w-]+)"/gm)) {
      (data[type] ??= {})[name] = {};
    }
  }
  return { data };
}

/** The `terraform test` file: fake credentials, skip flags, data overrides, one plan run. */
export function offlineTestFile(
  config: { data?: Record<string, Record<string, unknown>>; provider?: { aws?: { default_tags?: { tags: Record<string, string> }[] }[] } },
  options: PlanOptions = {},
): string {
  const overrides: string[] = [];
  for (const [type, instances] of Object.entries(config.data ?? {})) {
    if (LOCAL_DATA_SOURCES.has(type)) continue;
    const values = DATA_OVERRIDES[type] || options.dataOverrides?.[type] ? { ...DATA_OVERRIDES[type], ...options.dataOverrides?.[type] } : undefined;
    if (!values) {
      throw new Error(`The offline plan has no override for data source ${type}; add one to DATA_OVERRIDES.`);
    }
    for (const name of Object.keys(instances)) {
      const body = Object.entries(values)
        .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
        .join(', ');
      overrides.push(`override_data {\n  target = data.${type}.${name}\n  values = { ${body} }\n}`);
    }
  }
  return [
    'provider "aws" {',
    `  region                      = ${JSON.stringify(FAKE_REGION)}`,
    '  access_key                  = "offline-plan-fake-key"',
    '  secret_key                  = "offline-plan-fake-secret"',
    '  skip_credentials_validation = true',
    '  skip_requesting_account_id  = true',
    '  skip_metadata_api_check     = true',
    '  skip_region_validation      = true',
    ...(options.keepProviderDefaultTags ? defaultTagsBlock(config.provider?.aws?.[0]?.default_tags?.[0]?.tags) : []),
    '}',
    ...overrides,
    'run "offline_plan" {',
    '  command = plan',
    ...(options.variables ? ['  variables {', ...Object.entries(options.variables).map(([name, value]) => `    ${name} = ${JSON.stringify(value)}`), '  }'] : []),
    ...(options.asserts ?? []).map(
      ([condition, message]) => `  assert {\n    condition     = ${condition}\n    error_message = ${JSON.stringify(message)}\n  }`,
    ),
    '}',
    '',
  ].join('\n');
}

function defaultTagsBlock(tags: Record<string, string> | undefined): string[] {
  if (!tags) throw new Error('keepProviderDefaultTags: the synthesized aws provider has no default_tags');
  const body = Object.entries(tags).map(([key, value]) => `${JSON.stringify(key)} = ${JSON.stringify(value)}`).join(', ');
  return ['  default_tags {', `    tags = { ${body} }`, '  }'];
}

/** The Terraform address (`type.name`) of the one resource of `type` whose name starts with `namePrefix`, in a synthesized folder. */
export function resourceAddress(dir: string, type: string, namePrefix: string): string {
  const config = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
  const names = Object.keys(config.resource?.[type] ?? {}).filter((name) => name.startsWith(namePrefix));
  if (names.length !== 1) {
    throw new Error(`expected one ${type} named ${namePrefix}*, found ${names.length}`);
  }
  return `${type}.${names[0]}`;
}
