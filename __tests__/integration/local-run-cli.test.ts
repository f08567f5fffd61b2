import { ChildProcess, spawn } from 'child_process';
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
