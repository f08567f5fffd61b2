/**
 * `npm run bench`: measures synth, type check, tests, bundles, cold starts,
 * local throughput and synth scaling on this machine, checks each against
 * its budget, and writes bench/results.json and bench/results.md.
 * Prints OK or OVER per figure and exits 1 when any figure is OVER.
 *
 *   --runs N        samples per figure after one warm-up (default 5, minimum 5 for results.md)
 *   --skip-npm-test leave out the whole-suite figure (a warm-up and 5 runs of npm test: about 20 minutes on 2 cores)
 *   --render-only   rewrite results.md from results.json and notes.md, measuring nothing
 *                   (`npm run bench:render`); results.md is the one home of the figures
 *   --only a,b      measure only these sections (commands, bundles, throughput, cold, scaling);
 *                   prints the figures and writes nothing
 */
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn, spawnSync } from 'child_process';
import { cpus, loadavg } from 'os';
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
import { LOCAL_ENVIRONMENT, environmentNamed } from '../config/environments';
import { ENVIRONMENTS_ENV_VAR } from '../config/selection';
import { buildApp } from '../main';
import { COLD_START_VARIANTS, ColdStartVariant, buildFloor, buildSdkFloor, buildVariant, sdkModulesRequiredBy } from './cold-start-variants';
import { cdktfFloorProject, emptyAppCommand, tscFloorProject } from './floors';
import { ResultRow, Results, format, resultsMarkdown } from './results-markdown';

const ROOT = resolve(__dirname, '..');
/** Other processes' load skews every wall-clock figure; results say what it was. */
const LOAD_AT_START = loadavg()[0];
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const SKIP_NPM_TEST = process.argv.includes('--skip-npm-test');
const COLD_RUNS = Math.max(RUNS, 11);
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);
// Synth figures measure one environment's stack (plus the small bootstrap stack).
const QUIET_ENV: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true', CI: 'true', [ENVIRONMENTS_ENV_VAR]: LOCAL_ENVIRONMENT };
// The tests run as a user runs them: without the one-environment selection (tests that synthesize
// the app through the CLI expect every environment's stack).
const TEST_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(QUIET_ENV).filter(([name]) => name !== ENVIRONMENTS_ENV_VAR));

interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly samples: number[];
  /** `max`: the median must not exceed it; `min`: the median must reach it. */
  readonly budget?: { readonly max?: number; readonly min?: number; readonly label: string };
  readonly note?: string;
  /**
   * The same measurement with this project's own work taken out (median, same unit): how
   * close to the budget the tools alone come. Printed with a figure that misses its budget.
   */
  readonly floor?: { readonly value: number; readonly what: string };
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
  console.log(status(figure) === 'OVER' ? `${line}\n       ${floorText(figure)}` : line);
}

/** What a missed budget is measured against: its floor, or that none was measured. */
function floorText(figure: Figure): string {
  if (!figure.floor) return 'no floor measured';
  const above = median(figure.samples) - figure.floor.value;
  return `floor ${format(figure.floor.value)} ${figure.unit} (${figure.floor.what}); ${format(Math.abs(above))} ${figure.unit} ${above >= 0 ? 'above' : 'below'} it`;
}

/** Records a floor as a row of its own and returns it for the figure it belongs to. */
function recordFloor(name: string, unit: string, samples: number[], what: string): { value: number; what: string } {
  record({ name: `floor: ${name}`, unit, samples });
  return { value: median(samples), what };
}

/** Runs a command once as a warm-up, then `runs` times; returns wall seconds (and stderr of each run). */
function timeCommand(command: string, args: string[], runs = RUNS, env = QUIET_ENV, cwd = ROOT): { seconds: number[]; stderr: string[] } {
  const seconds: number[] = [];
  const stderr: string[] = [];
  for (let i = 0; i <= runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
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

/** cdktf.json's `app`, the command `cdktf synth` runs. */
function appCommand(): string {
  return String(JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app);
}

/** An npm script's command line, as `npm run <name>` runs it. */
function npmScript(name: string): string {
  return String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts[name]);
}

/** An npm script's command, without `exec node scripts/run-steps.cjs` (the runner every script goes through). */
function npmScriptCommand(name: string): string {
  return npmScript(name).replace(/^exec node scripts\/run-steps\.cjs /, '');
}

function measureCommands(): void {
  // Exactly as `cdktf synth` runs the app: cdktf.json's `app` through a shell, with node_modules/.bin on PATH.
  // TAPSTACK_ENVIRONMENTS (or any other variable the app reads) passes through from this process.
  const app = appCommand();
  const appEnv = { ...QUIET_ENV, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
  const appFloor = recordFloor(
    'app synth of an empty stack (cdktf.json app with bench/floors/empty-app.ts for main.ts), wall',
    's',
    timeCommand('sh', ['-c', emptyAppCommand(app)], RUNS, appEnv).seconds,
    'the same command on an app that loads cdktf and synthesizes one empty stack',
  );
  record({ name: `app synth (cdktf.json app: ${app}), wall`, unit: 's', samples: timeCommand('sh', ['-c', app], RUNS, appEnv).seconds, budget: { max: 1.0, label: '<= 1.0 s' }, floor: appFloor });
  const memory = timeCommand('sh', ['-c', app], RUNS, { ...appEnv, NODE_OPTIONS: `--require ${join(__dirname, 'max-rss.cjs')}` });
  const peaks = memory.stderr.map((text) => Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(text)?.[1]) / 1024);
  record({ name: 'app synth peak memory (RSS)', unit: 'MB', samples: peaks, budget: { max: 200, label: '<= 200 MB' } });
  const cdktfFloor = recordFloor(
    'cdktf synth of an empty stack (the CLI on a project whose app is the empty app), wall',
    's',
    timeCommand(BIN('cdktf'), ['synth'], RUNS, QUIET_ENV, cdktfFloorProject(app)).seconds,
    'the cdktf CLI on an app that synthesizes one empty stack',
  );
  record({ name: 'cdktf synth (node_modules/.bin/cdktf synth), wall', unit: 's', samples: timeCommand(BIN('cdktf'), ['synth']).seconds, budget: { max: 4, label: '<= 4 s' }, floor: cdktfFloor });
  const typings = tscFloorProject();
  const tscFloor = recordFloor(
    `tsc --noEmit of the ${typings.packages} packages the project imports and no project code, wall`,
    's',
    timeCommand(BIN('tsc'), ['--noEmit', '-p', typings.tsconfig]).seconds,
    `tsc loading the declarations of the ${typings.packages} packages the project imports, checking no project code`,
  );
  // Issue 21's budget: within 1.5 s of loading the declarations.
  const tscBudget = tscFloor.value + 1.5;
  record({ name: 'tsc --noEmit, wall', unit: 's', samples: timeCommand(BIN('tsc'), ['--noEmit', '-p', '.']).seconds, budget: { max: tscBudget, label: `<= floor + 1.5 s (${format(tscBudget)} s)` }, floor: tscFloor });
  // `npm run test:unit`'s command, through a shell as npm runs it.
  const unit = `${npmScript('test:unit')} --silent`;
  const testEnv = { ...TEST_ENV, PATH: appEnv.PATH };
  const unitFloor = recordFloor(
    `unit test files loaded, no test run (${unit} --testNamePattern '^$'), wall`,
    's',
    timeCommand('sh', ['-c', `${unit} --testNamePattern '^$'`], RUNS, testEnv).seconds,
    'jest loading every unit test file and what it imports, with no test run',
  );
  record({ name: `unit tests (${unit}), wall`, unit: 's', samples: timeCommand('sh', ['-c', unit], RUNS, testEnv).seconds, budget: { max: 30, label: '<= 30 s' }, floor: unitFloor });
  if (!SKIP_NPM_TEST) {
    // npm test's own command with no test run: each jest call gets a name filter nothing matches.
    const noTestRun = npmScript('test')
      // Function replacements: the text holds `$'`, which a replacement string would expand.
      // Inside npm test's runner, test:unit's command runs as one of its commands, without a runner of its own.
      .replace('npm run test:unit', () => `${npmScriptCommand('test:unit')} --silent --testNamePattern '^$'`)
      .replace(/jest --selectProjects [^']+?(?= '&&'| '\/\/'|$)/g, (call) => `${call} --silent --testNamePattern '^$'`);
    const npmTestFloor = recordFloor(
      `npm test with no test run (${noTestRun}), wall`,
      's',
      timeCommand('sh', ['-c', noTestRun], RUNS, testEnv).seconds,
      "npm test's lint gate and type check as they are, and its jest calls loading every test file with no test run",
    );
    record({ name: 'whole npm test, wall', unit: 's', samples: timeCommand('npm', ['test', '--silent'], RUNS, testEnv).seconds, budget: { max: 300, label: '<= 300 s' }, floor: npmTestFloor });
  }
}

/** The first TapStack `cdktf synth` just wrote (the measurements above left it in cdktf.out). */
function synthesizedStackDir(): string {
  const dir = join(ROOT, 'cdktf.out', 'stacks', environmentNamed(LOCAL_ENVIRONMENT).namePrefix);
  if (!existsSync(join(dir, 'cdk.tf.json'))) buildApp(new App({ outdir: join(ROOT, 'cdktf.out') }), { environments: [LOCAL_ENVIRONMENT] }).synth();
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

/**
 * Node 22, the deployed functions' runtime: this process's Node when it is 22, else the
 * pinned registry binary that scripts/with-node.sh installs (installed here if missing).
 */
function node22(): string {
  if (process.versions.node.split('.')[0] === '22') return process.execPath;
  const probe = spawnSync(join(ROOT, 'scripts', 'with-node.sh'), ['22', 'node', '-p', 'process.execPath'], { cwd: ROOT, encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`cannot get Node 22 for the cold starts:\n${probe.stderr}`);
  return probe.stdout.trim();
}

interface ColdSamples {
  readonly init: number[];
  readonly invoke: number[];
  readonly total: number[];
}

async function measureColdStarts(stackDir: string): Promise<void> {
  const nodeBinary = node22();
  const nodeVersion = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const outRoot = join(ROOT, 'bench', 'tmp', 'cold-start');
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
    let serial = 0;
    const firstEvents: Record<string, () => Promise<unknown>> = {
      Api: async () => ({
        httpMethod: 'POST',
        resource: '/jobs',
        path: '/jobs',
        headers: { 'Idempotency-Key': `bench-cold-${(serial += 1)}-${Date.now()}` },
        body: JSON.stringify({ type: 'sum', payload: { numbers: [1, 2] } }),
        isBase64Encoded: false,
        queryStringParameters: null,
        pathParameters: null,
      }),
      Validation: () => seedJob(`cold-validate-${(serial += 1)}-${Date.now()}`, 'RECEIVED'),
      Processing: () => seedJob(`cold-process-${(serial += 1)}-${Date.now()}`, 'VALIDATED'),
      Notification: async () => ({ jobId: (await seedJob(`cold-notify-${(serial += 1)}-${Date.now()}`, 'PROCESSED')).jobId }),
    };
    const readEvent = async () => {
      const { jobId } = await seedJob(`cold-read-${(serial += 1)}-${Date.now()}`, 'PROCESSED');
      return { httpMethod: 'GET', resource: '/jobs/{id}', path: `/jobs/${jobId}`, headers: {}, body: null, isBase64Encoded: false, queryStringParameters: null, pathParameters: { id: jobId } };
    };
    const sdkEnv = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamoEndpoint,
      AWS_ENDPOINT_URL_SFN: local.awsEndpoint,
      AWS_ENDPOINT_URL_SNS: local.awsEndpoint,
    };
    /** A handler started fresh for each sample: its file, the event its first invoke gets, its environment. */
    interface Subject {
      readonly label: string;
      readonly handlerFile: string;
      readonly event: () => Promise<unknown>;
      readonly env: NodeJS.ProcessEnv;
    }
    const noEvent = async () => ({});
    /**
     * One warm-up each (it also fills a compile cache when one is set), then COLD_RUNS fresh processes
     * each, the subjects taking turns: a function and its floor are measured in the same minutes. At
     * least 11, as a sample is one short process and medians of 5 moved by up to 4 ms between runs.
     */
    const sampleTogether = async (subjects: readonly Subject[]): Promise<ColdSamples[]> => {
      const all = subjects.map((): ColdSamples => ({ init: [], invoke: [], total: [] }));
      for (let run = 0; run <= COLD_RUNS; run += 1) {
        for (const [index, subject] of subjects.entries()) {
          const eventFile = join(eventsDir, `${serial}-${run}-${index}.json`);
          writeFileSync(eventFile, JSON.stringify(await subject.event()));
          // Asynchronous: the local endpoints the first request calls live in this process.
          const result = await runNode(nodeBinary, [join(__dirname, 'cold-start.cjs'), subject.handlerFile, 'handler', eventFile], subject.env);
          const init = Number(/BENCH_INIT_MS=([\d.]+)/.exec(result.stdout)?.[1]);
          const invoke = Number(/BENCH_INVOKE_MS=([\d.]+)/.exec(result.stdout)?.[1]);
          if (result.code !== 0 || Number.isNaN(init) || Number.isNaN(invoke)) throw new Error(`cold start of ${subject.label} failed:\n${result.stdout}\n${result.stderr}`);
          if (run > 0) {
            all[index].init.push(init);
            all[index].invoke.push(invoke);
            all[index].total.push(init + invoke);
          }
        }
      }
      return all;
    };
    const sample = async (label: string, handlerFile: string, event: () => Promise<unknown>, env: NodeJS.ProcessEnv): Promise<ColdSamples> =>
      (await sampleTogether([{ label, handlerFile, event, env }]))[0];

    const floorBuild = buildFloor(outRoot);
    const floor = await sample('the empty handler', floorBuild.handlerFile, noEvent, sdkEnv);
    recordFloor(`cold start of an empty handler, init + first invoke (${nodeVersion})`, 'ms', floor.total, 'an empty handler started and invoked by the same harness');
    // The SDK load every function shares: the DynamoDB client, which the runtime provides.
    const sdkFloorBuild = buildSdkFloor(outRoot);
    const sdkFloorSamples = await sample('the SDK floor', sdkFloorBuild.handlerFile, noEvent, sdkEnv);
    recordFloor(
      `cold start of a handler that loads @aws-sdk/client-dynamodb and answers, init + first invoke (${nodeVersion})`,
      'ms',
      sdkFloorSamples.total,
      "a handler that only loads the DynamoDB client of the runtime's SDK, started and invoked by the same harness",
    );
    // Issue 21: each function within 40 ms of its own floor, the SDK modules it cannot do without.
    const coldBudget = (own: { value: number }) => ({ max: own.value + 40, label: `<= its SDK floor + 40 ms (${format(own.value + 40)} ms)` });
    /** A handler that loads `modules` of the runtime's SDK and nothing else: what `what` cannot do without. */
    const sdkFloorOf = (what: string, modules: readonly string[]): Subject => ({
      label: `the SDK floor of ${what}`,
      handlerFile: buildSdkFloor(outRoot, modules).handlerFile,
      event: noEvent,
      env: sdkEnv,
    });
    /** A function's cold start and its floor, sampled in turns; the figure's budget is that floor plus 40 ms. */
    const recordAgainstFloor = async (name: string, subject: Subject, modules: readonly string[]): Promise<ColdSamples> => {
      const [deployed, floorSamples] = await sampleTogether([subject, sdkFloorOf(name, modules)]);
      const own = recordFloor(
        `cold start of a handler that loads what ${name} requires of the SDK (${modules.join(', ')}) and answers`,
        'ms',
        floorSamples.total,
        `a handler that only loads the SDK modules ${name} requires (${modules.join(', ')}), sampled in turns with it`,
      );
      record({ name: `cold start ${name}: init + first invoke (${nodeVersion}, fresh process each)`, unit: 'ms', samples: deployed.total, budget: coldBudget(own), floor: own });
      return deployed;
    };

    for (const fn of stack.functions()) {
      const env = { ...sdkEnv, ...fn.environment };
      const [file] = fn.handler.split('.');
      const handlerFile = join(unpackedCodeDir(fn.archivePath), `${file}.js`);
      // The function's own floor: every module of the runtime's SDK its bundle requires, loaded and nothing else.
      const modules = sdkModulesRequiredBy(readFileSync(handlerFile, 'utf8'));
      const deployed = await recordAgainstFloor(fn.functionName, { label: fn.functionName, handlerFile, event: firstEvents[fn.constructId], env }, modules);
      record({ name: `cold start ${fn.functionName}: init (load bundle, build SDK clients)`, unit: 'ms', samples: deployed.init });
      record({ name: `cold start ${fn.functionName}: first invoke on dynalite`, unit: 'ms', samples: deployed.invoke });
      if (fn.constructId !== 'Api') continue;
      // A read first: the Api loads the Step Functions client only to start a workflow (the Api's tests
      // prove it), so that client is not in this row's floor.
      await recordAgainstFloor(
        `${fn.functionName}, a read first (GET /jobs/{id})`,
        { label: `${fn.functionName} (read first)`, handlerFile, event: readEvent, env },
        modules.filter((module) => module !== '@aws-sdk/client-sfn'),
      );
      // The levers, measured on the largest function.
      const entry = join(ROOT, 'lambdas', 'api', 'handler.ts');
      for (const variant of Object.keys(COLD_START_VARIANTS) as ColdStartVariant[]) {
        if (variant === 'cjs, SDK external (deployed)') continue;
        const built = buildVariant(entry, variant, outRoot);
        const lever = await sample(`${fn.functionName} (${variant})`, built.handlerFile, firstEvents.Api, env);
        record({ name: `cold start lever, Api as ${variant}: init + first invoke`, unit: 'ms', samples: lever.total, note: `${format(built.bytes / 1024)} KB` });
      }
      const cacheDir = mkdtempSync(join(tmpdir(), 'bench-compile-cache-'));
      const cached = await sample(`${fn.functionName} (compile cache)`, handlerFile, firstEvents.Api, { ...env, NODE_COMPILE_CACHE: cacheDir });
      record({ name: 'cold start lever, Api deployed bundle with a warm Node compile cache: init + first invoke', unit: 'ms', samples: cached.total });
    }
  } finally {
    await local.stop();
  }
}

function runNode(nodeBinary: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(nodeBinary, args, { cwd: ROOT, env });
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

/** Synth cost per added function: one shared entry, distinct entries bundled anew, distinct entries reused. */
function measureSynthScaling(): void {
  const scaling = (mode: string, counts: readonly number[]): Record<string, number[]> => {
    const result = spawnSync(BIN('tsx'), [join(__dirname, 'synth-scaling.ts'), mode, String(RUNS), ...counts.map(String)], { cwd: ROOT, env: QUIET_ENV, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`synth scaling (${mode}) failed:\n${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').pop() as string) as Record<string, number[]>;
  };
  const perAdded = (samples: Record<string, number[]>, counts: readonly number[]): number[] => {
    const first = counts[0];
    const last = counts[counts.length - 1];
    return samples[last].map((t, i) => (t - samples[first][i]) / (last - first));
  };
  const distinctCounts = [1, 10, 50] as const;
  // One esbuild build per new entry is the least a fresh distinct entry costs.
  const esbuildOnly = recordFloor(
    `esbuild alone, per added distinct entry (one build each, the bundles' options, ${distinctCounts[0]} -> ${distinctCounts[distinctCounts.length - 1]})`,
    'ms',
    perAdded(scaling('esbuild-only', distinctCounts), distinctCounts),
    'esbuild alone building each new entry, one build per entry',
  );
  const curves = [
    { mode: 'shared', counts: [1, 10, 50, 200], label: 'functions sharing one entry', budget: undefined, floor: undefined },
    { mode: 'distinct-fresh', counts: distinctCounts, label: 'each function its own entry, every bundle built anew', budget: { max: 10, label: '<= 10 ms' }, floor: esbuildOnly },
    { mode: 'distinct-reuse', counts: distinctCounts, label: 'each function its own entry, bundles reused from the last synth', budget: undefined, floor: undefined },
  ] as const;
  for (const curve of curves) {
    const samples = scaling(curve.mode, curve.counts);
    for (const n of curve.counts) record({ name: `synth scaling, ${curve.label}: ${n} functions`, unit: 'ms', samples: samples[n] });
    const first = curve.counts[0];
    const last = curve.counts[curve.counts.length - 1];
    record({ name: `synth cost per added function, ${curve.label} (${first} -> ${last})`, unit: 'ms', samples: perAdded(samples, curve.counts), budget: curve.budget, floor: curve.floor });
  }
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
    floor: f.floor ? { value: Number(f.floor.value.toFixed(3)), what: f.floor.what } : null,
  }));
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  const results: Results = {
    date: new Date().toISOString(),
    commit: `${head}${dirty ? '+changes' : ''}`,
    command,
    machine: `${machine}, load average ${LOAD_AT_START.toFixed(1)} when the run began (other work shares the cores)`,
    runs: RUNS,
    figures: rows,
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  renderMarkdown(results);
}

/** bench/results.md from results.json and notes.md (see results-markdown.ts). */
function renderMarkdown(results: Results): void {
  const notes = existsSync(join(__dirname, 'notes.md')) ? readFileSync(join(__dirname, 'notes.md'), 'utf8') : '';
  writeFileSync(join(__dirname, 'results.md'), resultsMarkdown(results, notes));
}

async function main(): Promise<void> {
  if (process.argv.includes('--render-only')) {
    const results: Results = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8'));
    renderMarkdown(results);
    return;
  }
  const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : undefined;
  const wanted = (section: string) => !only || only.includes(section);
  if (wanted('commands')) measureCommands();
  const stackDir = synthesizedStackDir();
  const stack = new SynthesizedStack(stackDir);
  if (wanted('bundles')) measureBundles(stack);
  if (wanted('throughput')) await measureLocalThroughput(stackDir);
  if (wanted('cold')) await measureColdStarts(stackDir);
  if (wanted('scaling')) measureSynthScaling();
  if (only) console.log('\n--only: results.json and results.md left as they were');
  else writeResults(command);
  const over = figures.filter((f) => status(f) === 'OVER');
  console.log(over.length === 0 ? '\nAll budgets met.' : `\n${over.length} figure(s) OVER budget:\n${over.map((f) => `- ${f.name}: ${floorText(f)}`).join('\n')}`);
  process.exit(over.length === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(2);
});
