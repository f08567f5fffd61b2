import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { BOOTSTRAP_STACK_ID, ENVIRONMENTS } from '../../config/environments';
import { DocCommand, commandsToRun } from '../helpers/doc-commands';
import { signalAlone } from '../helpers/processes';
import { removeScratchClone, scratchClone } from '../helpers/scratch-clone';

/**
 * The commands of the README and docs/ that no other test runs (__tests__/helpers/doc-commands.ts
 * says which), run as written in a scratch clone: the files a fresh clone holds, node_modules linked,
 * offline. `npm run local` runs first, in the background, on a free port (`-- --port 0`: tests never
 * take a fixed port), and the export line it prints is in the environment of the rest, as when pasted.
 * A command must succeed and print the answer the docs show under it (`…` is any text; a word ending
 * in `…` one value, the same wherever it appears, in later commands too), retried for a while when
 * the answer depends on a job still running.
 */
jest.setTimeout(300_000);

const LOCAL = 'npm run local';
/** What a command does besides printing its answer, as the text says, checked after it runs. */
const EFFECTS: Record<string, (clone: string) => void> = {
  // "writes cdktf.out/stacks/{tapstack-bootstrap,tapstack-dev,tapstack-prod}/cdk.tf.json and the Lambda bundles"
  'npx cdktf synth': (clone) => expectSynthesized(clone),
  'scripts/with-node.sh 22 npx cdktf synth': (clone) => expectSynthesized(clone),
};

function expectSynthesized(clone: string): void {
  const stacks = join(clone, 'cdktf.out', 'stacks');
  expect(readdirSync(stacks).sort()).toEqual([BOOTSTRAP_STACK_ID, ...ENVIRONMENTS.map((e) => e.namePrefix)].sort());
  for (const stack of readdirSync(stacks)) expect(existsSync(join(stacks, stack, 'cdk.tf.json'))).toBe(true);
  expect(readdirSync(join(stacks, ENVIRONMENTS[0].namePrefix, 'assets')).length).toBeGreaterThan(0);
}

const toRun = commandsToRun();
let clone: string;
let env: NodeJS.ProcessEnv;
let local: ChildProcess | undefined;
const localOutput = { text: '' };
/** Values the answers named with a word ending in `…`, by that word. */
const bound = new Map<string, string>();

/** A regular expression for one line of a shown answer; `…`-words capture their value. */
function answerPattern(line: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = line
    .split(/([\w-]*…)/)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (part === '…') return '.*?';
      if (bound.has(part)) return bound.get(part)!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part);
      return '([^"\\s,{}\\[\\]]+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names };
}

/** Binds the answer's `…`-words when every line of it matches a line of `output`, in order; false if not. */
function matchAnswer(answer: readonly string[], output: string): boolean {
  const lines = output.split('\n');
  let from = 0;
  const found = new Map<string, string>();
  for (const expected of answer) {
    const { pattern, names } = answerPattern(expected);
    const at = lines.findIndex((line, i) => i >= from && pattern.test(line.trim()));
    if (at < 0) return false;
    pattern.exec(lines[at].trim())!.slice(1).forEach((value, k) => found.set(names[k], value));
    from = at + 1;
  }
  found.forEach((value, name) => bound.set(name, value));
  return true;
}

/** The command with the values bound so far in place of their `…`-words. */
function withBoundValues(command: string): string {
  return command.replace(/[\w-]*…/g, (word) => bound.get(word) ?? word);
}

function run(command: string): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-c', command], { cwd: clone, env, encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Runs one command until it succeeds and prints its answer, or 15 s pass; then checks its effects. */
async function runAsWritten(command: DocCommand): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const result = run(withBoundValues(command.command));
    const answered = result.status === 0 && matchAnswer(command.answer, result.output);
    if (answered || Date.now() > deadline) {
      expect({ command: command.command, status: result.status, answered, output: answered ? '' : result.output.slice(-3000) }).toEqual({
        command: command.command,
        status: 0,
        answered: true,
        output: '',
      });
      break;
    }
    // The answer may be a job's end state: the workflow is still running.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  EFFECTS[command.command]?.(clone);
}

/** A command that calls the API: it needs the local runner's export line. */
const callsTheApi = (c: DocCommand) => /\$API_URL|npm run call/.test(c.command);
const titled = (commands: DocCommand[]) => commands.map((c) => [`${c.file}:${c.line} (${c.heading}): ${c.command}`, c] as const);

beforeAll(() => {
  clone = scratchClone('readme-commands-');
  env = { ...process.env, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true' };
});

afterAll(() => {
  if (clone) removeScratchClone(clone);
});

describe('commands that need no local runner', () => {
  it.each(titled(toRun.filter((c) => c.command !== LOCAL && !callsTheApi(c))))('%s', (_title, command) => runAsWritten(command));
});

describe(`${LOCAL}, and the API calls against it`, () => {
  beforeAll(async () => {
    // As a user: npm run local in one terminal, its export line pasted in another.
    expect(toRun.map((c) => c.command)).toContain(LOCAL);
    local = spawn('npm', ['run', 'local', '--', '--port', '0'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
    local.stdout!.on('data', (chunk: Buffer) => (localOutput.text += chunk.toString('utf8')));
    local.stderr!.on('data', (chunk: Buffer) => (localOutput.text += chunk.toString('utf8')));
    const exportLine = await new Promise<string>((resolve, reject) => {
      local!.stdout!.on('data', () => {
        const line = /^ {2}export (.+)$/m.exec(localOutput.text);
        if (line && localOutput.text.includes('Press Ctrl-C to stop.')) resolve(line[1]);
      });
      local!.once('exit', (code) => reject(new Error(`${LOCAL} exited (${code}):\n${localOutput.text}`)));
    });
    env = { ...env, ...Object.fromEntries(exportLine.split(' ').map((pair) => pair.split('=') as [string, string])) };
  });

  afterAll(async () => {
    if (local && local.exitCode === null && local.signalCode === null) await signalAlone(local, 'SIGINT', 5000);
  });

  it(`runs ${LOCAL} as docs/local.md shows: it serves the synthesized stack and prints the export line`, () => {
    expect(localOutput.text).toMatch(/Running the synthesized tapstack-dev from cdktf\.out\/stacks\/tapstack-dev:/);
    expect(env.API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each(titled(toRun.filter(callsTheApi)))('%s', (_title, command) => runAsWritten(command));
});
