import { ChildProcess, spawn } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { assertTerraformAndMirror, mirrorCliConfig } from '../terraform-mirror';

/**
 * Points the real cdktf CLI, Terraform and the hashicorp/aws provider at the
 * local emulator, and runs them. Everything emulator-specific lives in the
 * environment of the child processes and in files written beside the
 * synthesized stack in a temp dir; the stack's own code is never touched.
 */

export const EMULATOR_REGION = 'us-east-1';
/** The static credentials every emulator call uses (moto accepts any). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' } as const;
/** The override file written beside the synthesized stack (Terraform merges `*_override.tf.json` last). */
export const OVERRIDE_FILE = 'emulator_override.tf.json';
const CLI_CONFIG_FILE = 'emulator.tfrc';
const STATE_FILE = 'terraform.emulator.tfstate';

const ROOT = join(__dirname, '..', '..');
const CDKTF_CLI = join(ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');

/** Fails (never skips) when terraform or the provider mirror is missing, saying how to get them. */
export function assertToolsAvailable(): void {
  assertTerraformAndMirror();
  if (!existsSync(CDKTF_CLI)) {
    throw new Error(`The cdktf CLI is missing (${CDKTF_CLI}); run npm ci.`);
  }
}

/**
 * The one provider-side setting the environment cannot give, as a Terraform
 * override merged into the stack's own `terraform` block: the local backend's
 * `path`. cdktf writes an absolute path into the project root; the override
 * sends the state to the temp dir, never the repo.
 *
 * Nothing else is needed. The endpoint comes from `AWS_ENDPOINT_URL`; S3 uses
 * path-style addressing by itself for an IP-address endpoint (the AWS SDK's S3
 * endpoint rules), so no `s3_use_path_style`; and the emulator answers STS, so
 * the provider's credential check and account lookup run as against AWS, with
 * no `skip_*` flag.
 */
export function emulatorOverride(stateDir: string): Record<string, unknown> {
  return {
    '//': 'Written by local/moto/deploy.ts for a deploy to the local emulator; not part of the stack.',
    terraform: { backend: { local: { path: join(stateDir, STATE_FILE) } } },
  };
}

/** Writes the override and the Terraform CLI config (provider from the mirror) into a synthesized stack folder. */
export function prepareStackDir(stackDir: string): void {
  if (!existsSync(join(stackDir, 'cdk.tf.json'))) {
    throw new Error(`${stackDir} holds no synthesized stack (cdk.tf.json)`);
  }
  writeFileSync(join(stackDir, OVERRIDE_FILE), `${JSON.stringify(emulatorOverride(stackDir), null, 2)}\n`);
  writeFileSync(join(stackDir, CLI_CONFIG_FILE), mirrorCliConfig());
}

/**
 * The environment for cdktf, Terraform and the provider: the provider's own
 * endpoint setting (`AWS_ENDPOINT_URL`, read by the AWS SDK for every service
 * the provider calls), fake static credentials (moto accepts any), no instance
 * metadata lookups. Anything in the caller's environment that could send a call
 * to a real account (profiles, session tokens, per-service endpoints) is removed.
 */
export function emulatorEnv(endpoint: string, stackDir: string, base: NodeJS.ProcessEnv = process.env, region: string = EMULATOR_REGION): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (key.startsWith('AWS_') || key.startsWith('TF_VAR_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    ...exportedEmulatorEnv(endpoint, stackDir, region),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    TF_IN_AUTOMATION: '1',
    TF_PLUGIN_CACHE_DIR: '',
    CHECKPOINT_DISABLE: '1',
    DISABLE_VERSION_CHECK: 'true',
    CI: '1',
  };
}

/**
 * The part of {@link emulatorEnv} a user pastes into another shell (`npm run deploy:local` prints it
 * as an `export` line): enough for the AWS CLI, the SDKs and `terraform -chdir=<stack folder>` to
 * reach the emulator as this stack's region.
 */
export function exportedEmulatorEnv(endpoint: string, stackDir: string, region: string = EMULATOR_REGION): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    TF_CLI_CONFIG_FILE: join(stackDir, CLI_CONFIG_FILE),
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Receives output as it comes (the CLI's progress). */
  readonly onOutput?: (text: string) => void;
  /** Pass `--no-color` (cdktf) so the output is plain text. @default false */
  readonly noColor?: boolean;
  /**
   * Start the command in a process group of its own, so {@link stopProcessGroup} stops it with
   * everything it started (cdktf starts terraform, terraform its provider).
   * @default false: the command stays in this process's group and gets what it gets
   */
  readonly ownProcessGroup?: boolean;
  /** Receives the child process once started (to stop it). */
  readonly onStart?: (child: ChildProcess) => void;
}

/** Runs a command, collecting stdout and stderr together. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false });
    options.onStart?.(child);
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      options.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The real cdktf CLI of this repo (`cdktf <args>`), run from the project root so it reads cdktf.json. */
export function cdktf(args: readonly string[], options: Omit<RunOptions, 'cwd'>): Promise<RunResult> {
  return run(process.execPath, [CDKTF_CLI, ...args], { ...options, cwd: ROOT });
}

/** `terraform <args>` in a prepared stack folder. */
export function terraform(stackDir: string, args: readonly string[], options: Omit<RunOptions, 'cwd'>): Promise<RunResult> {
  return run('terraform', args, { ...options, cwd: stackDir });
}

/** `cdktf deploy` of an already synthesized stack, writing its outputs to `outputsFile`. */
export function cdktfDeploy(outdir: string, stack: string, outputsFile: string, options: Omit<RunOptions, 'cwd'>): Promise<RunResult> {
  return cdktf(
    [
      'deploy',
      stack,
      '--skip-synth',
      '--skip-provider-lock',
      '--output',
      outdir,
      '--auto-approve',
      '--outputs-file',
      outputsFile,
      '--outputs-file-include-sensitive-outputs',
      'false',
      ...(options.noColor ? ['--no-color'] : []),
    ],
    options,
  );
}

/** The stack's outputs as `cdktf deploy --outputs-file` wrote them. */
export function readOutputs(outputsFile: string, stack: string): Record<string, string> {
  const all = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  return all[stack] ?? {};
}

/**
 * Stops a command started with `ownProcessGroup`: SIGTERM to its whole group, SIGKILL to what is
 * left after `graceMs`. Resolves once the command itself has exited.
 */
export async function stopProcessGroup(child: ChildProcess, graceMs = 1000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Terraform's provider plugins may outlive terraform by a moment: nothing of the group stays.
  signalGroup('SIGKILL');
}
