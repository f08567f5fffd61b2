import { ChildProcess, spawn } from 'child_process';
import { AddressInfo, connect, createServer } from 'net';
import { join } from 'path';
import { signedFetch } from '../../local/sigv4';
import { descendantsOf, signalAlone } from '../helpers/processes';

/**
 * `npm run local` as a user runs it: starts, prints its credentials, serves a signed job, and stops cleanly
 * on Ctrl-C, and on SIGINT or SIGTERM sent to npm's process alone (a process manager, an IDE, `timeout`).
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');

function waitForOutput(child: ChildProcess, pattern: RegExp, output: { text: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.text);
      if (match) {
        child.stdout?.off('data', check);
        resolve(match);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}:\n${output.text}`)));
    check();
  });
}

/** `npm run local -- <args>`, through npm itself: npm is the process a signal is sent to. */
function startThroughNpm(args: string[]): { child: ChildProcess; output: { text: string } } {
  const child = spawn('npm', ['run', 'local', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  return { child, output };
}

/** Signals npm's process alone and checks that it, and every process it started, stop within 2 s. */
async function stopNpmAlone(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  expect(descendantsOf(child.pid!).length).toBeGreaterThan(0);
  const stopped = await signalAlone(child, signal);
  expect({ signal, within2s: stopped.ms < 2000, stillRunning: stopped.stillRunning }).toEqual({ signal, within2s: true, stillRunning: [] });
  return stopped.code;
}

it('starts, runs a job to SUCCEEDED, and stops within 2 s on SIGINT sent to npm alone, every process with it', async () => {
  const { child, output } = startThroughNpm(['--port', '0', '--retry-ms', '0']);

  const [, apiUrl] = await waitForOutput(child, /API\s+(http:\/\/127\.0\.0\.1:\d+)/, output);
  const [, accessKeyId, secretAccessKey] = await waitForOutput(child, /export AWS_ACCESS_KEY_ID=(\w+) AWS_SECRET_ACCESS_KEY=(\w+) API_URL=/, output);
  await waitForOutput(child, /Press Ctrl-C to stop\./, output);
  expect(output.text).toContain('Running the synthesized tapstack-dev from cdktf.out/stacks/tapstack-dev:');
  const credentials = { accessKeyId, secretAccessKey };

  expect((await fetch(`${apiUrl}/jobs/anything`)).status).toBe(403);
  const submitted = await signedFetch(
    `${apiUrl}/jobs`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'wordcount', payload: { text: 'one two' } }) },
    credentials,
    'us-east-1',
  );
  const { jobId } = (await submitted.json()) as { jobId: string };
  let status = '';
  for (let i = 0; i < 200 && status !== 'SUCCEEDED'; i += 1) {
    status = ((await (await signedFetch(`${apiUrl}/jobs/${jobId}`, {}, credentials, 'us-east-1')).json()) as { status: string }).status;
    if (status !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 25));
  }
  expect(status).toBe('SUCCEEDED');
  // The job shows SUCCEEDED (written by the last step) just before its execution ends and logs it.
  await waitForOutput(child, new RegExp(`\\[sfn\\] ${jobId.slice(0, 8)} SUCCEEDED`), output);

  expect(await stopNpmAlone(child, 'SIGINT')).toBe(0);
  expect(output.text).toContain('Stopped. 1 executions ran, 1 SNS messages published.');
  await expect(fetch(apiUrl)).rejects.toThrow();
});

/** Starts the local run in node itself (tsx as a loader, as `npm run local` runs it), so a signal reaches the script alone. */
function startLocalRun(args: string[]): { child: ChildProcess; output: { text: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  return { child, output };
}

it('stops within 2 s on SIGTERM sent to npm alone though a client holds a half-open connection, and says it all lived in memory', async () => {
  const { child, output } = startThroughNpm(['--port', '0', '--retry-ms', '0']);
  const [, apiUrl] = await waitForOutput(child, /API\s+(http:\/\/127\.0\.0\.1:\d+)/, output);
  await waitForOutput(child, /Press Ctrl-C to stop\./, output);
  expect(output.text).toMatch(/in memory/);

  // A request whose body never arrives, and an idle keep-alive connection.
  const { port } = new URL(apiUrl);
  const halfOpen = connect(Number(port), '127.0.0.1', () => halfOpen.write('POST /jobs HTTP/1.1\r\nHost: local\r\nContent-Length: 1000\r\n\r\n{"type"'));
  halfOpen.on('error', () => undefined);
  const idle = connect(Number(port), '127.0.0.1');
  idle.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 300));

  expect(await stopNpmAlone(child, 'SIGTERM')).toBe(0);
  expect(output.text).toContain('SIGTERM: stopping');
  halfOpen.destroy();
  idle.destroy();
});

it('exits now on a second Ctrl-C while the first is still stopping', async () => {
  const { child, output } = startLocalRun(['--port', '0', '--retry-ms', '0']);
  const [, apiUrl] = await waitForOutput(child, /API\s+(http:\/\/127\.0\.0\.1:\d+)/, output);
  await waitForOutput(child, /Press Ctrl-C to stop\./, output);
  // Jobs in flight: the first Ctrl-C waits for their executions.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      fetch(`${apiUrl}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'sum', payload: { numbers: [i] } }) }),
    ),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await waitForOutput(child, /SIGINT: stopping/, output);
  child.kill('SIGINT');
  const code = await exited;
  // Either the second Ctrl-C came while stopping (130), or stopping was already done (0); never a hang.
  expect([0, 130]).toContain(code);
  if (code === 130) expect(output.text).toContain('SIGINT again: exiting now.');
});

it('reports a port in use in one line naming --port, and exits 1', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const { child, output } = startLocalRun(['--port', String(port)]);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const errorLines = output.text.split('\n').filter((line) => /in use/.test(line));
    expect(errorLines).toEqual([`Port ${port} is already in use: pass another with --port N (or --port 0 for a free one).`]);
    expect(output.text).not.toMatch(/EADDRINUSE|\n\s+at /);
  } finally {
    blocker.close();
  }
});
