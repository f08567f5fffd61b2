import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { isAbsolute, join, resolve } from 'path';
import { EMPTY_APP, cdktfFloorProject, emptyAppCommand, tscFloorProject } from '../../bench/floors';

const ROOT = resolve(__dirname, '..', '..');
const APP = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app as string;

describe("the bench's floors", () => {
  it("run cdktf.json's own app command with the empty app in main.ts's place, and it synthesizes one empty stack", () => {
    const command = emptyAppCommand(APP);
    expect(command).toBe(APP.replace('main.ts', 'bench/floors/empty-app.ts'));
    expect(() => emptyAppCommand('node other.ts')).toThrow(/does not name main\.ts/);

    const outdir = mkdtempSync(join(tmpdir(), 'floor-app-'));
    try {
      const result = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: outdir, NODE_OPTIONS: '' } });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(readdirSync(join(outdir, 'stacks'))).toEqual(['floor']);
      const stack = JSON.parse(readFileSync(join(outdir, 'stacks', 'floor', 'cdk.tf.json'), 'utf8'));
      expect(stack.resource).toBeUndefined();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('give the cdktf CLI a project of its own whose app names existing files by absolute path', () => {
    const dir = cdktfFloorProject(APP);
    const app = JSON.parse(readFileSync(join(dir, 'cdktf.json'), 'utf8')).app as string;
    const files = app.split(' ').filter((word) => word.includes('/'));
    expect(files).toEqual([join(ROOT, 'scripts', 'app-preload.cjs'), EMPTY_APP]);
    for (const file of files) {
      expect(isAbsolute(file)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
  });

  it("point tsc at every package the project's files import and at none of the project's code", () => {
    const { tsconfig } = tscFloorProject();
    const probe = readFileSync(join(tsconfig, '..', 'imports.ts'), 'utf8');
    const named = [...probe.matchAll(/import\("([^"]+)"\)/g)].map((match) => match[1]);
    expect(new Set(named).size).toBe(named.length);
    // Imported by constructs, Lambda code, tests, the local runner and the bench.
    expect(named).toEqual(expect.arrayContaining(['cdktf', 'constructs', '@cdktf/provider-aws/lib/lambda-function', '@aws-sdk/lib-dynamodb', 'fast-check', 'dynalite', 'esbuild', 'fs']));
    expect(named.filter((name) => name.startsWith('.') || name === 'guarded-serverless-stack')).toEqual([]);
    const config = JSON.parse(readFileSync(tsconfig, 'utf8'));
    // The project's own declarations for untyped packages stay in: without them those imports would not resolve.
    expect(config.include).toEqual(['imports.ts', ...readdirSync(join(ROOT, 'types')).map((file) => `../../../../types/${file}`)]);
    // The project's type check reuses its build info (docs/performance.md); the floor, loading declarations, cannot.
    expect(config.compilerOptions).toEqual({ incremental: false });
  });

  it("measure tsc against the project's incremental type check, whose build info git ignores", () => {
    const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
    expect(compilerOptions).toMatchObject({ incremental: true, tsBuildInfoFile: expect.stringMatching(/^node_modules\/\.cache\//) });
    // The build emits to dist/: build info that outlived a deleted dist/ would skip emitting it.
    expect(JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')).compilerOptions.incremental).toBe(false);
  });
});
