import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..', '..');

/** cdktf.json's `app`, run as the cdktf CLI runs it: through a shell, in the project folder (on another app file when given). */
function runApp(env: Record<string, string>, appFile?: string): { status: number | null; stdout: string; stderr: string } {
  const configured = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app as string;
  const app = appFile ? configured.replace(/ main\.ts$/, ` ${appFile}`) : configured;
  const result = spawnSync('sh', ['-c', app], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cdktf.json's app command", () => {
  it('runs the app in one node process with no npx, synthesizes the stack, keeps archiver unloaded and fills the compile cache', () => {
    const app = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app as string;
    expect(app).not.toMatch(/\bnpx\b/);

    const work = mkdtempSync(join(tmpdir(), 'app-command-'));
    const probe = join(work, 'probe.cjs');
    // Reports, as the app exits, whether anything loaded archiver.
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`\\nARCHIVER_LOADED=${Object.keys(require.cache).some((f) => /[\\\\/]node_modules[\\\\/]archiver[\\\\/]/.test(f))}\\n`));\n");
    const compileCache = join(work, 'compile-cache');
    const result = runApp({ CDKTF_OUTDIR: join(work, 'out'), NODE_OPTIONS: `--require ${probe}`, NODE_COMPILE_CACHE: compileCache });

    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const stacks = readdirSync(join(work, 'out', 'stacks'));
    expect(stacks.some((stack) => existsSync(join(work, 'out', 'stacks', stack, 'cdk.tf.json')))).toBe(true);
    expect(result.stderr).toContain('ARCHIVER_LOADED=false');
    expect(readdirSync(compileCache).length).toBeGreaterThan(0);
  }, 120_000);

  describe('on an app the guards refuse: one block on stderr (construct path, rule, value, fix), nothing else', () => {
    const REFUSED_APP = '__tests__/fixtures/refused-app/main.ts';
    const outdir = () => join(mkdtempSync(join(tmpdir(), 'app-refused-')), 'out');

    it('a name refused in the constructor: no stack trace, no source excerpt, no violations object, no "edges" item', () => {
      const result = runApp({ CDKTF_OUTDIR: outdir(), REFUSE: 'bucket-name' }, REFUSED_APP);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        "SafeBucket at 'Refused/Code' has 1 problem:\n" +
          '  - [bucket-name/charset] bucketName "TapStack-lambda-code-123456789012" must contain only lowercase letters, digits, \'.\' and \'-\'.\n' +
          '    Fix: lowercase the name and replace other characters with "-"\n',
      );
    }, 60_000);

    it('a check on the final tree: the path once (cdktf prefixes it), the fix in terms of the library, no advice to skip validation', () => {
      const result = runApp({ CDKTF_OUTDIR: outdir(), REFUSE: 'final-tree' }, REFUSED_APP);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        'Validation failed with the following errors:\n' +
          '  [Refused/Flow] LoggedStateMachine has 1 problem:\n' +
          '  - [state-machine/service-task-granted] States.Put "dynamodb:PutItem" must be granted to the state machine: its role is asked for permissions through grant methods.\n' +
          "    Fix: grant it through the resource's construct, e.g. table.grant(machine, 'dynamodb:PutItem') or topic.grantPublish(machine)\n",
      );
    }, 60_000);
  });

  it('stops on what the deployment check finds in the final tree, as cdktf synth runs the app', () => {
    const result = runApp({ CDKTF_OUTDIR: join(mkdtempSync(join(tmpdir(), 'app-command-')), 'out') }, '__tests__/fixtures/seed-bucket-app.ts');
    // One block: the App's validation (the whole app's final JSON), without cdktf's advice to skip validation.
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'App-level validation failed with the following errors:\n' +
        "  [TapStack] aws_s3_bucket.LambdaCodeS3Bucket at 'TapStack/LambdaCodeS3Bucket' has 1 problem:\n" +
        '  - [bucket-name/charset] bucket "TapStack-lambda-code-123456789012" must contain only lowercase letters, digits, \'.\' and \'-\'.\n' +
        '    Fix: lowercase the name and replace other characters with "-"\n',
    );
  }, 120_000);
});
