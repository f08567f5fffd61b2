/**
 * `npm run bench`: measures synth, type check, tests, bundles, cold starts,
 * local throughput and synth scaling on this machine, checks each against
 * its budget, and writes bench/results.json and bench/results.md.
 * Prints OK or OVER per figure and exits 1 when any figure is OVER.
 *
 *   --runs N        samples per figure after one warm-up (default 5, minimum 5 for results.md)
 *   --skip-npm-test leave out the whole-suite figure (about 5 minutes at 5 runs)
 *   --render-only   rewrite results.md from results.json and notes.md, measuring nothing
 */
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn, spawnSync } from 'child_process';
import { cpus } from 'os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { gzipSync } from 'zlib';
import { unzipSync } from 'fflate';
import { App } from 'cdktf';
import { unpackedCodeDir } from '../local/function-host';
import { runLoad } from '../local/load';
import { startLocalStack } from '../local/local-stack';
import { SynthesizedStack } from '../local/synthesized-stack';
import { jobKey, statusIndexKey, JobStatus } from '../lambdas/shared/jobs-schema';
import { buildApp } from '../main';

const ROOT = resolve(__dirname, '..');
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const SKIP_NPM_TEST = process.argv.includes('--skip-npm-test');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const QUIET_ENV = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true', CI: 'true' };

interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly samples: number[];
  /** `max`: the median must not exceed it; `min`: the median must reach it. */
  readonly budget?: { readonly max?: number; readonly min?: number; readonly label: string };
  readonly note?: string;
}

const figures: Figure[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function status(figure: Figure): 'OK' | 'OVER' | 'REPORT' {
  if (!figure.budget) return 'REPORT';
  const m = median(figure.samples);
  if (figure.budget.max !== undefined && m > figure.budget.max) return 'OVER';
  if (figure.budget.min !== undefined && m < figure.budget.min) return 'OVER';
  return 'OK';
}

function record(figure: Figure): void {
  figures.push(figure);
  const m = median(figure.samples);
  const line = `${status(figure).padEnd(6)} ${figure.name}: ${format(m)} ${figure.unit} (min ${format(Math.min(...figure.samples))}, max ${format(Math.max(...figure.samples))})${figure.budget ? `, budget ${figure.budget.label}` : ''}`;
  console.log(line);
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Runs a command once as a warm-up, then `runs` times; returns wall seconds (and stderr of each run). */
function timeCommand(command: string, args: string[], runs = RUNS, env = QUIET_ENV): { seconds: number[]; stderr: string[] } {
  const seconds: number[] = [];
  const stderr: string[] = [];
  for (let i = 0; i <= runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    if (i > 0) {
      seconds.push(elapsed);
      stderr.push(result.stderr);
    }
  }
  return { seconds, stderr };
}

function measureCommands(): void {
  record({ name: 'app synth (tsx main.ts), wall', unit: 's', samples: timeCommand(BIN('tsx'), ['main.ts']).seconds, budget: { max: 1.5, label: '<= 1.5 s' } });
  const memory = timeCommand(process.execPath, ['--require', join(__dirname, 'max-rss.cjs'), '--import', 'tsx', 'main.ts']);
  const peaks = memory.stderr.map((text) => Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(text)?.[1]) / 1024);
  record({ name: 'app synth peak memory (RSS)', unit: 'MB', samples: peaks, budget: { max: 300, label: '<= 300 MB' } });
  record({ name: 'npx cdktf synth, wall', unit: 's', samples: timeCommand(BIN('cdktf'), ['synth']).seconds, budget: { max: 6, label: '<= 6 s' } });
  record({ name: 'tsc --noEmit, wall', unit: 's', samples: timeCommand(BIN('tsc'), ['--noEmit', '-p', '.']).seconds, budget: { max: 5, label: '<= 5 s' } });
  record({
    name: 'unit tests (jest --selectProjects unit), wall',
    unit: 's',
    samples: timeCommand(BIN('jest'), ['--selectProjects', 'unit', '--silent']).seconds,
    budget: { max: 15, label: '<= 15 s' },
  });
  if (!SKIP_NPM_TEST) {
    record({ name: 'whole npm test, wall', unit: 's', samples: timeCommand('npm', ['test', '--silent']).seconds, budget: { max: 180, label: '<= 180 s' } });
  }
}

/** The stack `cdktf synth` just wrote (the measurements above left it in cdktf.out). */
function synthesizedStackDir(): string {
  const dir = join(ROOT, 'cdktf.out', 'stacks', 'TapStack');
  if (!existsSync(join(dir, 'cdk.tf.json'))) buildApp(new App({ outdir: join(ROOT, 'cdktf.out') })).synth();
  return dir;
}

function measureBundles(stack: SynthesizedStack): void {
  for (const fn of stack.functions()) {
    const code = unzipSync(readFileSync(fn.archivePath))['index.js'];
    const kb = code.byteLength / 1024;
    const gzipKb = gzipSync(code).byteLength / 1024;
    record({ name: `bundle ${fn.functionName} (minified)`, unit: 'KB', samples: [kb], budget: { max: 50, label: '<= 50 KB' }, note: `gzip ${gzipKb.toFixed(1)} KB` });
  }
}

async function measureColdStarts(stackDir: string): Promise<void> {
  const local = await startLocalStack({ stackDir, retryIntervalMs: 0 });
  try {
    const stack = local.stack;
    const documents = DynamoDBDocumentClient.from(local.dynamo);
    const eventsDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
    const seedJob = async (jobId: string, status: JobStatus) => {
      const now = new Date().toISOString();
      await documents.send(
        new PutCommand({
          TableName: local.tableName,
          Item: { ...jobKey(jobId), ...statusIndexKey(status, now, jobId), jobId, type: 'sum', payload: { numbers: [1, 2] }, status, createdAt: now, updatedAt: now, requestHash: 'bench' },
        }),
      );
      return { jobId, type: 'sum', payload: { numbers: [1, 2] } };
    };
    const firstEvents: Record<string, (run: number) => Promise<unknown>> = {
      Api: async (run) => ({
        httpMethod: 'POST',
        resource: '/jobs',
        path: '/jobs',
        headers: { 'Idempotency-Key': `bench-cold-${run}-${Date.now()}` },
        body: JSON.stringify({ type: 'sum', payload: { numbers: [1, 2] } }),
        isBase64Encoded: false,
        queryStringParameters: null,
        pathParameters: null,
      }),
      Validation: (run) => seedJob(`cold-validate-${run}-${Date.now()}`, 'RECEIVED'),
      Processing: (run) => seedJob(`cold-process-${run}-${Date.now()}`, 'VALIDATED'),
      Notification: async (run) => ({ jobId: (await seedJob(`cold-notify-${run}-${Date.now()}`, 'PROCESSED')).jobId }),
    };
    for (const fn of stack.functions()) {
      const codeDir = unpackedCodeDir(fn.archivePath);
      const env = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: local.dynamoEndpoint,
        AWS_ENDPOINT_URL_SFN: local.awsEndpoint,
        AWS_ENDPOINT_URL_SNS: local.awsEndpoint,
        ...fn.environment,
      };
      const samples: number[] = [];
      for (let run = 0; run <= RUNS; run += 1) {
        const eventFile = join(eventsDir, `${fn.constructId}-${run}.json`);
        writeFileSync(eventFile, JSON.stringify(await firstEvents[fn.constructId](run)));
        // Asynchronous: the local endpoints the first request calls live in this process.
        const result = await runNode([join(__dirname, 'cold-start.cjs'), codeDir, fn.handler, eventFile], env);
        const ms = Number(/BENCH_COLD_MS=([\d.]+)/.exec(result.stdout)?.[1]);
        if (result.code !== 0 || Number.isNaN(ms)) throw new Error(`cold start of ${fn.functionName} failed:\n${result.stdout}\n${result.stderr}`);
        if (run > 0) samples.push(ms);
      }
      record({ name: `cold init ${fn.functionName} (load bundle + first request on dynalite)`, unit: 'ms', samples, budget: { max: 50, label: '<= 50 ms' } });
    }
  } finally {
    await local.stop();
  }
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

async function measureLocalThroughput(stackDir: string): Promise<void> {
  const total = 500;
  const concurrency = 32;
  const rates: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  let coldRate = 0;
  // One running stack: the warm-up batch warms the function workers' JIT, as a warm-up should.
  const local = await startLocalStack({ stackDir, retryIntervalMs: 0 });
  try {
    for (let run = 0; run <= RUNS; run += 1) {
      const executionsBefore = local.aws.executions.size;
      const load = await runLoad(local, { total, concurrency });
      const ended = [...local.aws.executions.values()].slice(executionsBefore);
      const failed = ended.filter((e) => e.status !== 'SUCCEEDED').length;
      if (ended.length !== total || failed > 0) throw new Error(`local run: ${ended.length} executions ended, ${failed} not SUCCEEDED`);
      if (run === 0) {
        coldRate = load.jobsPerSecond;
      } else {
        rates.push(load.jobsPerSecond);
        p50s.push(load.percentile(50));
        p99s.push(load.percentile(99));
      }
    }
  } finally {
    await local.stop();
  }
  record({ name: `local run throughput (${total} jobs, concurrency ${concurrency}, after a warm-up batch)`, unit: 'jobs/s', samples: rates, budget: { min: 100, label: '>= 100 jobs/s' } });
  record({ name: 'local run latency p50 (submit to terminal)', unit: 'ms', samples: p50s });
  record({ name: 'local run latency p99 (submit to terminal)', unit: 'ms', samples: p99s });
  record({ name: 'local run throughput, first batch on a cold runner', unit: 'jobs/s', samples: [coldRate] });
}

function measureSynthScaling(): void {
  const counts = [1, 10, 50, 200];
  const result = spawnSync(BIN('tsx'), [join(__dirname, 'synth-scaling.ts'), String(RUNS), ...counts.map(String)], { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`synth scaling failed:\n${result.stderr}`);
  const samples: Record<string, number[]> = JSON.parse(result.stdout.trim().split('\n').pop() as string);
  for (const n of counts) record({ name: `synth scaling: ${n} functions`, unit: 'ms', samples: samples[n] });
  const marginal = samples[200].map((t, i) => (t - samples[1][i]) / 199);
  record({ name: 'synth scaling: marginal cost per function (1 -> 200)', unit: 'ms', samples: marginal, budget: { max: 15, label: '<= 15 ms' } });
}

interface ResultRow {
  readonly figure: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly budget: string | null;
  readonly status: string;
  readonly note: string | null;
}

interface Results {
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly runs: number;
  readonly figures: ResultRow[];
}

function writeResults(command: string): void {
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ${process.platform}`;
  const rows: ResultRow[] = figures.map((f) => ({
    figure: f.name,
    unit: f.unit,
    median: Number(median(f.samples).toFixed(3)),
    min: Number(Math.min(...f.samples).toFixed(3)),
    max: Number(Math.max(...f.samples).toFixed(3)),
    runs: f.samples.length,
    budget: f.budget?.label ?? null,
    status: status(f),
    note: f.note ?? null,
  }));
  const results: Results = { date: new Date().toISOString(), command, machine, runs: RUNS, figures: rows };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  renderMarkdown(results);
}

function renderMarkdown(results: Results): void {
  const notes = existsSync(join(__dirname, 'notes.md')) ? readFileSync(join(__dirname, 'notes.md'), 'utf8') : '';
  const table = [
    '| figure | median | min | max | budget | status |',
    '|---|---|---|---|---|---|',
    ...results.figures.map(
      (r) => `| ${r.figure}${r.note ? ` (${r.note})` : ''} | ${format(r.median)} ${r.unit} | ${format(r.min)} | ${format(r.max)} | ${r.budget ?? 'report'} | ${r.status} |`,
    ),
  ].join('\n');
  writeFileSync(
    join(__dirname, 'results.md'),
    `# Benchmark results\n\nMade by \`${results.command}\` on ${results.date}: ${results.machine}. ` +
      `Each figure is the median of ${results.runs} runs after one warm-up (sizes are measured once).\n\n${table}\n\n${notes}`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--render-only')) {
    renderMarkdown(JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')));
    return;
  }
  const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  measureCommands();
  const stackDir = synthesizedStackDir();
  const stack = new SynthesizedStack(stackDir);
  measureBundles(stack);
  await measureLocalThroughput(stackDir);
  await measureColdStarts(stackDir);
  measureSynthScaling();
  writeResults(command);
  const over = figures.filter((f) => status(f) === 'OVER');
  console.log(over.length === 0 ? '\nAll budgets met.' : `\n${over.length} figure(s) OVER budget: ${over.map((f) => f.name).join('; ')}`);
  process.exit(over.length === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(2);
});
