import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { AddressInfo, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { descendantsOf, exitOf, isRunning, signalAlone } from '../helpers/processes';

/**
 * `npm run deploy:local`'s other ways out, through npm as a user runs it: a wrong argument, a failure,
 * a stop while it works. Each leaves no temp folder and no process behind. (A deploy, and a stop once
 * deployed, are in deploy-cycle.test.ts.)
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
let scratchTmp: string;

beforeEach(() => {
  scratchTmp = mkdtempSync(join(tmpdir(), 'deploy-local-test-'));
});
afterEach(() => rmSync(scratchTmp, { recursive: true, force: true }));

/** The script's temp folders, which it creates in TMPDIR. */
const tempFolders = () => readdirSync(scratchTmp).filter((name) => name.startsWith('deploy-local-'));

function start(args: string[]): { child: ChildProcess; output: { text: string } } {
  const child = spawn('npm', ['run', 'deploy:local', '--', ...args], { cwd: ROOT, env: { ...process.env, TMPDIR: scratchTmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  return { child, output };
}

function printed(child: ChildProcess, output: { text: string }, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => output.text.includes(text) && resolve();
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${JSON.stringify(text)}:\n${output.text}`)));
    check();
  });
}

it('refuses an unknown environment before it starts anything, naming the known ones (exit 2)', async () => {
  const { child, output } = start(['--env', 'nosuch']);
  expect((await exitOf(child)).code).toBe(2);
  expect(output.text).toContain('No environment "nosuch" in config/environments.ts; known: dev, prod.');
  expect(tempFolders()).toEqual([]);
});

it("fails in one line naming --port when the emulator's port is taken, stopping what it started and removing its temp folder (exit 1)", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const { child, output } = start(['--port', String(port)]);
    await printed(child, output, 'Synthesizing');
    expect(tempFolders()).toHaveLength(1);
    const started = descendantsOf(child.pid!);
    expect((await exitOf(child)).code).toBe(1);
    expect(output.text).toContain(`Port ${port} is already in use: pass another with --port N (or --port 0 for a free one).`);
    expect(tempFolders()).toEqual([]);
    expect(started.filter(isRunning)).toEqual([]);
  } finally {
    blocker.close();
  }
});

it('stops within 2 s on SIGTERM sent to npm alone while it synthesizes, every process with it, and removes its temp folder', async () => {
  const { child, output } = start([]);
  await printed(child, output, 'Synthesizing');
  expect(tempFolders()).toHaveLength(1);
  const stopped = await signalAlone(child, 'SIGTERM');
  expect({ within2s: stopped.ms < 2000, stillRunning: stopped.stillRunning }).toEqual({ within2s: true, stillRunning: [] });
  expect(stopped.code).not.toBe(0);
  expect(output.text).toContain('SIGTERM: stopping the emulator');
  expect(tempFolders()).toEqual([]);
});
