import { spawn, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { exitOf, stillRunningAfter } from '../helpers/processes';

/**
 * scripts/run-steps.cjs, through which every npm script runs: a signal sent to it alone (as npm
 * passes on a signal sent to npm's process alone) stops each process of the running command
 * within 2 s, as a terminal's Ctrl-C would; '&&' runs commands in order up to the first failure.
 * `npm run local` and `npm run deploy:local` are stopped through npm itself in their own tests.
 */
const ROOT = join(__dirname, '..', '..');
const RUNNER = join(ROOT, 'scripts', 'run-steps.cjs');
const PREFIX = 'exec node scripts/run-steps.cjs ';

describe("package.json's scripts", () => {
  const scripts = Object.entries<string>(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);

  it.each(scripts)('%s runs in place of npm\'s shell, through run-steps, with no other shell syntax', (_name, script) => {
    expect(script.startsWith(PREFIX)).toBe(true);
    // What remains is words and quoted '&&' and '//' separators: no operator the shell would run itself.
    const words = script.slice(PREFIX.length).replaceAll("'&&'", '').replaceAll("'//'", '');
    expect(words).not.toMatch(/[;&|<>`$(){}\\"']/);
  });
});

describe('npm test, as docs/testing.md describes it', () => {
  const steps = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.test as string)
    .slice(PREFIX.length)
    .split(" '&&' ")
    .map((step) => step.split(" '//' "));

  it('runs the lint gate, the type check, the API check and the unit project side by side, before any Terraform', () => {
    expect(steps[1].sort()).toEqual(['npm run api:check', 'npm run lint', 'npm run test:unit', 'npm run typecheck']);
  });

  it('then runs the integration and deploy projects in one jest run on three workers, last', () => {
    expect(steps.slice(2)).toEqual([['jest --selectProjects integration deploy --maxWorkers=3']]);
  });
});

describe('run-steps', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('passes %s on to every process of the running command, and dies of it within 2 s', async (signal) => {
    // A command that starts a process of its own, as jest starts its workers.
    const command = "const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']); console.log(process.pid, c.pid); setTimeout(() => {}, 60000)";
    const runner = spawn(process.execPath, [RUNNER, process.execPath, '-e', command], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<number[]>((resolve) => runner.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ').map(Number))));
    expect(pids).toHaveLength(2);
    const exited = exitOf(runner);
    runner.kill(signal);
    const { signal: exitSignal, ms } = await exited;
    expect({ exitSignal, within2s: ms < 2000 }).toEqual({ exitSignal: signal, within2s: true });
    expect(await stillRunningAfter(pids, 2000 - ms)).toEqual([]);
  });

  it("runs '&&'-separated commands in order and stops at the first failure, with its exit code", () => {
    const run = spawnSync(
      process.execPath,
      [RUNNER, 'node', '-e', 'console.log("one")', '&&', 'node', '-e', 'process.exit(3)', '&&', 'node', '-e', 'console.log("never")'],
      { encoding: 'utf8' },
    );
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 3, stdout: 'one\n' });
  });

  it("runs '//'-joined commands side by side, names each one's lines, and fails after all have finished, with the failed one's code", () => {
    // Each command waits for a file the other writes: they finish only if they run at the same time.
    const dir = mkdtempSync(join(tmpdir(), 'run-steps-'));
    const waitFor = (mine: string, theirs: string, code: number) =>
      `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(join(dir, mine))}, ''); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(join(dir, theirs))})) { clearInterval(t); console.log('${mine} saw ${theirs}'); process.exitCode = ${code}; } }, 20)`;
    try {
      const run = spawnSync(
        process.execPath,
        [RUNNER, 'node', '-e', waitFor('a', 'b', 0), '//', 'node', '-e', waitFor('b', 'a', 4), '&&', 'node', '-e', 'console.log("never")'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(run.status).toBe(4);
      expect(run.stdout.split('\n').sort()).toEqual(['', expect.stringMatching(/^\[node -e const fs.*…\] a saw b$/), expect.stringMatching(/^\[node -e const fs.*…\] b saw a$/)]);
      // Each command's time, in every multi-command run's log.
      expect(run.stderr).toMatch(/^run-steps: node -e .*: \d+\.\d s, ok$/m);
      expect(run.stderr).toMatch(/^run-steps: node -e .*: \d+\.\d s, exit 4$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which command it cannot start, and exits 127 as a shell would', () => {
    const run = spawnSync(process.execPath, [RUNNER, 'no-such-command-here'], { encoding: 'utf8' });
    expect(run.status).toBe(127);
    expect(run.stderr).toContain('run-steps: cannot run no-such-command-here');
  });
});
