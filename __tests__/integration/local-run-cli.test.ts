import { ChildProcess, spawn } from 'child_process';
import { AddressInfo, connect, createServer } from 'net';
import { join } from 'path';
import { signedFetch } from '../../local/sigv4';

/** `npm run local` as a user runs it: starts, prints its credentials, serves a signed job, and stops cleanly on Ctrl-C. */
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

it('starts, runs a job to SUCCEEDED, and exits 0 on SIGINT with every worker stopped', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/local-run.ts', '--port', '0', '--retry-ms', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));

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

  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(output.text).toContain('Stopped. 1 executions ran, 1 SNS messages published.');
});

/**
 * Starts the local run. `direct` runs the script in node itself (tsx as a loader), so a signal
 * reaches the script's own handler; the tsx CLI (what `npm run local` uses) relays signals, and
 * kills its child itself when the child is slow to acknowledge one.
 */
function startLocalRun(args: string[], direct = false): { child: ChildProcess; output: { text: string } } {
  const command = direct ? ['--import', 'tsx', 'scripts/local-run.ts'] : [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/local-run.ts'];
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString('utf8')));
  return { child, output };
}

it('stops at once on Ctrl-C though a client holds a half-open connection, and says it all lived in memory', async () => {
  const { child, output } = startLocalRun(['--port', '0', '--retry-ms', '0']);
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

  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const started = Date.now();
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  halfOpen.destroy();
  idle.destroy();
});

it('exits now on a second Ctrl-C while the first is still stopping', async () => {
  const { child, output } = startLocalRun(['--port', '0', '--retry-ms', '0'], true);
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
