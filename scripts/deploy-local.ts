/**
 * `npm run deploy:local [-- --env NAME | --all] [--port N]`: deploys the app's stacks to a local AWS
 * emulator the way `cdktf deploy` deploys them to AWS. The `dev` environment by default, another
 * with `--env NAME`, or every stack (the bootstrap stack and each environment) with `--all`.
 *
 * It starts one patched moto server (local/moto/) per account the chosen stacks pin, answering as
 * that account, while `cdktf synth` writes the app into a temp folder; then `cdktf deploy
 * --auto-approve` for each stack, with its state in a local file in that folder (the emulator's
 * resources live only as long as it runs, and so does their state). It prints each stack's
 * outputs and an `export` line for AWS clients and `terraform -chdir=<stack folder>`, then waits.
 * Ctrl-C (SIGINT or SIGTERM, also sent to npm alone) destroys nothing: it stops the emulators,
 * which discards everything they hold, and deletes the temp folder, on every exit path.
 */
import { ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { assertToolsAvailable, cdktf, cdktfDeploy, emulatorEnv, exportedEmulatorEnv, prepareStackDir, readOutputs, stopProcessGroup } from '../local/moto/deploy';
import { Emulator, assertMotoAvailable, startEmulator } from '../local/moto/emulator';
import { DeployLocalOptions, DeployTarget, UsageError, deployTargets, emulatedAccounts, parseDeployLocalArgs, synthEnvironments } from '../local/moto/targets';
import { ENVIRONMENTS_ENV_VAR } from '../config/selection';

/**
 * How long an emulator gets to shut down before it is killed: it holds everything in memory and
 * nothing is kept, so a stop need not wait for Python's own exit (over a second on a busy machine).
 */
const EMULATOR_STOP_GRACE_MS = 250;

/** The emulators, the commands running, the temp folder: everything a stop must undo. */
class Session {
  public readonly workDir = mkdtempSync(join(tmpdir(), 'deploy-local-'));
  public readonly emulators = new Map<string, Emulator>();
  private readonly commands = new Set<ChildProcess>();
  private stopping: Promise<never> | undefined;

  /** Options for a command of this session: its own process group, stopped with the session. */
  public command() {
    return {
      ownProcessGroup: true,
      onStart: (child: ChildProcess) => {
        this.commands.add(child);
        child.once('exit', () => this.commands.delete(child));
      },
    };
  }

  public get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops every command and emulator, deletes the temp folder and exits with `code`; once. */
  public stop(code: number): Promise<never> {
    this.stopping ??= (async () => {
      await Promise.all([...[...this.commands].map((child) => stopProcessGroup(child, 500)), ...[...this.emulators.values()].map((e) => e.stop(EMULATOR_STOP_GRACE_MS))]);
      rmSync(this.workDir, { recursive: true, force: true });
      process.exit(code);
    })();
    return this.stopping;
  }
}

function describe(target: DeployTarget): string {
  const owner = target.environment === undefined ? 'the state bucket' : `environment ${target.environment}`;
  return `${target.stackId} (${owner}: account ${target.accountId}, ${target.region})`;
}

async function deploy(session: Session, options: DeployLocalOptions, onReady: () => void): Promise<void> {
  const targets = deployTargets(options);
  const motoVersion = assertMotoAvailable();
  assertToolsAvailable();
  const accounts = emulatedAccounts(targets);
  const ids = targets.map((t) => t.stackId).join(', ');
  console.log(`Synthesizing ${ids} (cdktf synth) while the emulator${accounts.length > 1 ? 's start' : ' starts'} ...`);

  // One emulator per account, answering as it, started while the app synthesizes.
  const starting = accounts.map(async (accountId, i) => {
    const emulator = await startEmulator({ port: i === 0 ? options.port : 0, accountId }).catch((error: Error) => {
      if (i === 0 && options.port !== 0 && /Address already in use/.test(error.message)) {
        throw new Error(`Port ${options.port} is already in use: pass another with --port N (or --port 0 for a free one).`);
      }
      throw error;
    });
    session.emulators.set(accountId, emulator);
    console.log(`Local AWS emulator: moto ${motoVersion} (patched, local/moto/) as account ${accountId} at ${emulator.endpoint}`);
    // An emulator that goes away while it is needed ends the session.
    void emulator.exited.then((code) => {
      if (session.isStopping) return;
      console.error(`The emulator for account ${accountId} exited (${code}); stopping.`);
      void session.stop(1);
    });
    return emulator;
  });
  const outdir = join(session.workDir, 'cdktf.out');
  const synthEnv: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true' };
  const environments = synthEnvironments(options);
  if (environments === undefined) delete synthEnv[ENVIRONMENTS_ENV_VAR];
  else synthEnv[ENVIRONMENTS_ENV_VAR] = environments;
  const [synth] = await Promise.all([cdktf(['synth', '--output', outdir], { env: synthEnv, ...session.command() }), ...starting]);
  if (synth.code !== 0) {
    throw new Error(`${synth.output}\ncdktf synth failed.`);
  }

  // Every stack at once: each waits on its own emulator and the provider's lifecycle polling.
  const deployed = await Promise.all(
    targets.map(async (target) => {
      const stackDir = join(outdir, 'stacks', target.stackId);
      prepareStackDir(stackDir);
      const emulator = session.emulators.get(target.accountId)!;
      console.log(`Deploying ${describe(target)} (cdktf deploy --auto-approve) to ${emulator.endpoint} ...`);
      const outputsFile = join(session.workDir, `${target.stackId}.outputs.json`);
      const result = await cdktfDeploy(outdir, target.stackId, outputsFile, {
        env: emulatorEnv(emulator.endpoint, stackDir, process.env, target.region),
        onOutput: (text) => process.stdout.write(text),
        noColor: !process.stdout.isTTY,
        ...session.command(),
      });
      if (result.code !== 0) throw new Error(`cdktf deploy ${target.stackId} failed (exit ${result.code}).`);
      return { target, stackDir, emulator, outputs: readOutputs(outputsFile, target.stackId) };
    }),
  );

  for (const { target, stackDir, emulator, outputs } of deployed) {
    const width = Math.max(...Object.keys(outputs).map((k) => k.length));
    const exported = Object.entries(exportedEmulatorEnv(emulator.endpoint, stackDir, target.region)).map(([k, v]) => `${k}=${v}`);
    console.log(
      [
        '',
        `Deployed ${describe(target)} to the local emulator at ${emulator.endpoint}. Outputs:`,
        ...Object.entries(outputs).map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
        `Stack folder (Terraform state included): ${stackDir}`,
        'For the AWS CLI, the SDKs and terraform -chdir=<stack folder>, in another terminal:',
        `  export ${exported.join(' ')}`,
      ].join('\n'),
    );
  }
  console.log(
    [
      '',
      'The emulator runs no Lambda code and serves no stage URL, so api_url does not answer here:',
      '`npm run local` serves the API, and prints the export line for `npm run call`.',
      `Ctrl-C stops the emulator and deletes ${session.workDir}. Nothing is destroyed first: the emulator`,
      'keeps everything in memory. To watch a destroy, run terraform -chdir=<stack folder> destroy with the export line.',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  onReady();
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseDeployLocalArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const session = new Session();
  let ready = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.log(`\n${signal}: stopping the emulator (nothing is destroyed; its state is discarded) ...`);
      // A stop while deploying ends the command the way the signal would have.
      void session.stop(ready ? 0 : signal === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    await deploy(session, options, () => (ready = true));
    // Wait for Ctrl-C; the emulators and the signal handlers keep the process alive.
    setInterval(() => undefined, 1 << 30);
  } catch (error) {
    // A command a stop has just killed fails too: the stop already said why.
    if (!session.isStopping) {
      console.error((error as Error).message);
      console.error('Stopping: the emulator and the temp folder go; nothing was kept.');
    }
    await session.stop(1);
  }
}

void main();
