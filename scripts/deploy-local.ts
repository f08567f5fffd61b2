/**
 * `npm run deploy:local`: deploys the app to a local AWS emulator the way a
 * user deploys to AWS. Starts the patched moto server (local/moto/) on a free
 * 127.0.0.1 port, synthesizes with `cdktf synth`, runs `cdktf deploy
 * --auto-approve` with the provider pointed at the emulator, prints the
 * outputs, and keeps the emulator up until Ctrl-C. State, the synthesized
 * stack and the provider override live in a temp dir, removed on exit.
 *
 *   --port N   emulator port (default: a free one)
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { assertToolsAvailable, cdktf, cdktfDeploy, emulatorEnv, prepareStackDir, readOutputs } from '../local/moto/deploy';
import { Emulator, assertMotoAvailable, startEmulator } from '../local/moto/emulator';

const STACK = 'TapStack';

function portFlag(): number {
  const i = process.argv.indexOf('--port');
  if (i < 0) return 0;
  const port = Number(process.argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number from 0 to 65535, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFlag();
  const motoVersion = assertMotoAvailable();
  assertToolsAvailable();

  const workDir = mkdtempSync(join(tmpdir(), 'deploy-local-'));
  // Set once the emulator is up; read by the signal handlers, which may run before that.
  const running: { emulator?: Emulator } = {};
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await running.emulator?.stop();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => {
    console.log('\nSIGINT: stopping the emulator ...');
    void stop(0);
  });
  process.on('SIGTERM', () => void stop(0));

  // The emulator starts while the app synthesizes.
  const starting = startEmulator({ port });
  starting.catch((error: Error) => {
    console.error(error.message);
    void stop(1);
  });
  const outdir = join(workDir, 'cdktf.out');
  console.log(`Synthesizing ${STACK} (cdktf synth) while the emulator starts ...`);
  const synth = await cdktf(['synth', '--output', outdir], { env: { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true' } });
  const emulator = await starting;
  running.emulator = emulator;
  console.log(`Local AWS emulator: moto ${motoVersion} (patched, local/moto/) at ${emulator.endpoint}`);
  if (synth.code !== 0) {
    console.error(synth.output);
    console.error('cdktf synth failed; the emulator is stopped.');
    return stop(1);
  }
  const stackDir = join(outdir, 'stacks', STACK);
  prepareStackDir(stackDir);

  console.log(`Deploying ${STACK} (cdktf deploy --auto-approve) to ${emulator.endpoint} ...`);
  const outputsFile = join(workDir, 'outputs.json');
  const deploy = await cdktfDeploy(outdir, STACK, outputsFile, {
    env: emulatorEnv(emulator.endpoint, stackDir),
    onOutput: (text) => process.stdout.write(text),
  });
  if (deploy.code !== 0) {
    console.error('cdktf deploy failed; the emulator is stopped and its state discarded.');
    return stop(1);
  }

  const outputs = readOutputs(outputsFile, STACK);
  const width = Math.max(...Object.keys(outputs).map((k) => k.length));
  console.log(
    [
      '',
      `Deployed ${STACK} to the local emulator at ${emulator.endpoint}. Outputs:`,
      ...Object.entries(outputs).map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
      '',
      'Inspect it with any AWS client pointed at the emulator, e.g.',
      `  AWS_ENDPOINT_URL=${emulator.endpoint} AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 aws lambda list-functions`,
      'The emulator runs no Lambda code, so api_url does not answer: `npm run local` runs the stack.',
      'Press Ctrl-C to stop the emulator (its state is discarded).',
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  // The emulator, if it started, exits with this process (its stdin closes).
  console.error(error.message);
  process.exit(1);
});
