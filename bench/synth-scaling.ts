/**
 * Time to construct and synthesize an app with N UnreservedFunctions and one code
 * bucket (module loading excluded). Prints JSON: { "<N>": [ms, ms, ...] }.
 * argv: mode, runs, then the Ns. Modes:
 *   shared          every function uses one entry: bundled once per process;
 *   distinct-fresh  each function has its own entry, and every synth bundles every
 *                   entry anew (no bundle reuse: as after changing every handler);
 *   distinct-reuse  each function has its own entry, unchanged since the last synth,
 *                   so its bundle is reused from disk as a new `cdktf synth` would;
 *   esbuild-only    the floor of distinct-fresh: esbuild alone builds the same entries,
 *                   one build each with the bundles' options, and nothing else runs.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { SafeBucket } from '../constructs/safe-bucket';
import { UnreservedFunction } from '../constructs/unreserved-function';
import { buildSync } from 'esbuild';
import { bundleBuildOptions, forgetBundlesOfThisProcess } from '../constructs/internal/bundling';
import { DEFAULT_NODE_RUNTIME, esbuildTargetFor } from '../constructs/internal/lambda-runtimes';

type Mode = 'shared' | 'distinct-fresh' | 'distinct-reuse' | 'esbuild-only';
const SHARED_ENTRY = join(__dirname, '..', 'lambdas', 'processing', 'handler.ts');
const ENTRY_DIR = join(__dirname, 'tmp', 'scaling-entries');

/** Entry i: the processing handler behind a wrapper of its own, so every bundle differs. */
function distinctEntry(i: number): string {
  const file = join(ENTRY_DIR, `fn${i}.ts`);
  const target = relative(ENTRY_DIR, join(__dirname, '..', 'lambdas', 'processing', 'handler')).split('\\').join('/');
  writeFileSync(file, `import { handler as processing } from '${target}';\nexport const FUNCTION_NUMBER = ${i};\nexport const handler = (event: Parameters<typeof processing>[0]) => processing(event);\n`);
  return file;
}

function esbuildOnce(functions: number, entries: string[]): number {
  const options = bundleBuildOptions(esbuildTargetFor(DEFAULT_NODE_RUNTIME));
  const started = performance.now();
  for (let i = 0; i < functions; i += 1) buildSync({ ...options, entryPoints: [entries[i]], metafile: true });
  return performance.now() - started;
}

function synthOnce(mode: Mode, functions: number, entries: string[]): number {
  if (mode === 'esbuild-only') return esbuildOnce(functions, entries);
  const outdir = mkdtempSync(join(tmpdir(), 'bench-scaling-'));
  if (mode !== 'shared') forgetBundlesOfThisProcess();
  process.env.BUNDLE_CACHE = mode === 'distinct-fresh' ? 'off' : 'on';
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'Scaling');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const codeBucket = new SafeBucket(stack, 'Code', {});
  for (let i = 0; i < functions; i += 1) {
    new UnreservedFunction(stack, `Fn${i}`, { entry: mode === 'shared' ? SHARED_ENTRY : entries[i], codeBucket, environment: { TABLE_NAME: 'jobs' } });
  }
  app.synth();
  const elapsed = performance.now() - started;
  rmSync(outdir, { recursive: true, force: true });
  return elapsed;
}

const [modeArg, runsArg, ...countArgs] = process.argv.slice(2);
const mode = modeArg as Mode;
const runs = Number(runsArg);
const counts = countArgs.map(Number);
mkdirSync(ENTRY_DIR, { recursive: true });
const entries = mode === 'shared' ? [] : Array.from({ length: Math.max(...counts) }, (_, i) => distinctEntry(i));
const results: Record<string, number[]> = {};
for (const n of counts) {
  synthOnce(mode, n, entries); // warm-up (and, for distinct-reuse, the synth that bundles)
  results[n] = Array.from({ length: runs }, () => synthOnce(mode, n, entries));
}
process.stdout.write(`${JSON.stringify(results)}\n`);
