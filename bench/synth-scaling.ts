/**
 * Time to construct and synthesize an app with N UnreservedFunctions sharing
 * one entry and one code bucket (module loading excluded). Prints JSON:
 * { "<N>": [ms, ms, ...] }. argv: runs, then the Ns.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SafeBucket } from '../constructs/safe-bucket';
import { UnreservedFunction } from '../constructs/unreserved-function';

function synthOnce(functions: number): number {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-scaling-'));
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'Scaling');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const codeBucket = new SafeBucket(stack, 'Code', {});
  for (let i = 0; i < functions; i += 1) {
    new UnreservedFunction(stack, `Fn${i}`, { entry: 'lambdas/processing/handler.ts', codeBucket, environment: { TABLE_NAME: 'jobs' } });
  }
  app.synth();
  const elapsed = performance.now() - started;
  rmSync(outdir, { recursive: true, force: true });
  return elapsed;
}

const [runs, ...counts] = process.argv.slice(2).map(Number);
const results: Record<string, number[]> = {};
for (const n of counts) {
  synthOnce(n); // warm-up
  results[n] = Array.from({ length: runs }, () => synthOnce(n));
}
process.stdout.write(`${JSON.stringify(results)}\n`);
