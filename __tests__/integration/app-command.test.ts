import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..', '..');

/** cdktf.json's `app`, run as the cdktf CLI runs it: through a shell, in the project folder. */
function runApp(env: Record<string, string>): { status: number | null; stderr: string } {
  const app = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app as string;
  const result = spawnSync('sh', ['-c', app], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, ...env },
  });
  return { status: result.status, stderr: result.stderr };
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
});
