import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const ROOT = resolve(__dirname, '..', '..');
const PRELOAD = join(ROOT, 'scripts', 'app-preload.cjs');

/** Runs a TypeScript file the way cdktf.json's app runs main.ts. */
function runTs(file: string, cacheDir: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--require', PRELOAD, file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, APP_TS_CACHE: cacheDir, NODE_DISABLE_COMPILE_CACHE: '1', NODE_OPTIONS: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workDir(): { dir: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-hook-'));
  made.push(dir);
  return { dir, cache: join(dir, 'cache') };
}

describe('the .ts loader of the app command', () => {
  it('runs TypeScript with an extensionless relative import, an enum and class fields with define semantics', () => {
    const { dir, cache } = workDir();
    writeFileSync(join(dir, 'shape.ts'), 'export enum Kind { Square = "square" }\nexport interface Shape { readonly kind: Kind; readonly side: number }\n');
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import { Kind, Shape } from './shape';",
        // tsconfig's ES2022 target defines class fields: `size` becomes an own property and the
        // base class's setter is never called (assigned fields would call it and leave `size` undefined).
        'class Base { set size(_value: number) {} }',
        'class Square extends Base { size = 1; }',
        'const shape: Shape = { kind: Kind.Square, side: new Square().size };',
        'console.log(JSON.stringify(shape));',
      ].join('\n'),
    );
    const result = runTs(join(dir, 'main.ts'), cache);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ kind: 'square', side: 1 });
  });

  it('transpiles a file once, reuses it from the cache, and transpiles again when the file changes', () => {
    const { dir, cache } = workDir();
    const file = join(dir, 'hello.ts');
    writeFileSync(file, "const greeting: string = 'first';\nconsole.log(greeting);\n");
    expect(runTs(file, cache).stdout.trim()).toBe('first');
    const entries = readdirSync(cache).filter((name) => name.endsWith('.js'));
    expect(entries).toHaveLength(1);

    // A second run reads the cached JavaScript instead of transpiling: mark the entry and see the mark.
    const entry = join(cache, entries[0]);
    writeFileSync(entry, readFileSync(entry, 'utf8').replace("'first'", "'from the cache'").replace('"first"', '"from the cache"'));
    expect(runTs(file, cache).stdout.trim()).toBe('from the cache');

    writeFileSync(file, "const greeting: string = 'second';\nconsole.log(greeting);\n");
    expect(runTs(file, cache).stdout.trim()).toBe('second');
    expect(readdirSync(cache).filter((name) => name.endsWith('.js'))).toHaveLength(2);
  });

  it('points a stack trace at the TypeScript line, not the transpiled one', () => {
    const { dir, cache } = workDir();
    const file = join(dir, 'fails.ts');
    // Lines 1-4 are types only: esbuild drops them, so the throw is on line 1 of the JavaScript.
    writeFileSync(file, 'interface Input {\n  readonly name: string;\n}\ntype Name = Input["name"];\nthrow new Error("bad" as Name);\n');
    const result = runTs(file, cache);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${file}:5`);
  });

  it('still runs the file when the cache cannot be written', () => {
    const { dir } = workDir();
    const file = join(dir, 'uncached.ts');
    writeFileSync(file, "const answer: number = 42;\nconsole.log(answer);\n");
    // A cache folder below a regular file cannot be created.
    writeFileSync(join(dir, 'not-a-folder'), '');
    const result = runTs(file, join(dir, 'not-a-folder', 'cache'));
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('42');
  });

  it('is the .ts handler, whatever Node installs for .ts itself, and leaves JavaScript files to Node: tsx is not loaded', () => {
    const { dir, cache } = workDir();
    const file = join(dir, 'probe.ts');
    writeFileSync(
      file,
      `require(${JSON.stringify(require.resolve('cdktf'))});\n` +
        "console.log(require('module')._extensions['.ts'].name, Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](tsx|es-module-lexer)[\\\\/]/.test(f)).length);\n",
    );
    const result = runTs(file, cache);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('loadTypeScript 0');
  });
});
