import { ChildProcess, spawn, spawnSync } from 'child_process';
import { App } from 'cdktf';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { environmentNamed } from '../../config/environments';
import { buildApp } from '../../main';
import { assertTerraformAvailable, copyAppStackToTempDir, pluginMirror } from '../helpers/terraform';

/**
 * A deploy with the wrong credentials stops: the real provider, configured as the
 * dev stack synthesizes it, asks STS (moto, on loopback) who is calling, gets
 * moto's account 123456789012, and refuses it since dev allows only its own account.
 */
jest.setTimeout(600_000);

let moto: ChildProcess | undefined;
let endpoint = '';

beforeAll(async () => {
  assertTerraformAvailable();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match) resolve(match[1]);
    };
    moto!.stdout!.on('data', onData);
    moto!.stderr!.on('data', onData);
    moto!.once('error', (error) => reject(new Error(`moto_server did not start (pip install 'moto[server]'): ${error.message}`)));
    moto!.once('exit', (code) => reject(new Error(`moto_server exited with ${code}:\n${text}`)));
  });
});

afterAll(async () => {
  if (!moto || moto.exitCode !== null) return;
  const exited = new Promise((resolve) => moto!.once('exit', resolve));
  moto.kill();
  await exited;
});

/** Plans `dir` for real against moto, with the stack's own provider block plus endpoints and fake keys (an override file in the temp copy). */
function planAgainstMoto(dir: string, providerOverrides: Record<string, unknown> = {}): { ok: boolean; output: string } {
  writeFileSync(
    join(dir, 'provider_override.tf.json'),
    JSON.stringify({
      provider: {
        aws: {
          access_key: 'moto',
          secret_key: 'moto',
          skip_credentials_validation: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
          endpoints: { sts: endpoint, iam: endpoint, s3: endpoint },
          ...providerOverrides,
        },
      },
    }),
  );
  writeFileSync(
    join(dir, 'mirror.tfrc'),
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(pluginMirror())}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
  );
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(dir, 'mirror.tfrc'), TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_PLUGIN_CACHE_DIR: '' };
  let output = '';
  for (const args of [['init', '-input=false', '-no-color'], ['plan', '-input=false', '-no-color', '-refresh=false']]) {
    const run = spawnSync('terraform', args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    output += `$ terraform ${args.join(' ')}\n${run.stdout}${run.stderr}\n`;
    if (run.status !== 0) return { ok: false, output };
  }
  return { ok: true, output };
}

it("stops the dev stack's plan when the credentials belong to another account, and lets it through for its own", () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tapstack-app-'));
  buildApp(new App({ outdir }), { environments: ['dev'], backend: 'configured' }).synth();
  const dev = environmentNamed('dev');

  const wrong = planAgainstMoto(copyAppStackToTempDir(outdir, dev.namePrefix));
  expect(wrong.ok).toBe(false);
  expect(wrong.output).toContain('AWS account ID not allowed: 123456789012');

  // Control: the same stack, allowed moto's account, gets past the check.
  const right = planAgainstMoto(copyAppStackToTempDir(outdir, dev.namePrefix), { allowed_account_ids: ['123456789012'] });
  expect(right.output).not.toContain('not allowed');
  expect(right.ok).toBe(true);
});
