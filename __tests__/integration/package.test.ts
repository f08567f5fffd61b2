import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

// The constructs as another team gets them: `npm pack`, installed into a fresh consumer
// project (offline: the tarball is unpacked as npm would, and every other package is
// linked from this repo's node_modules), compiled against the shipped declarations and
// synthesized from the package name.
jest.setTimeout(300_000);

const REPO = resolve(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const BIN = (name: string) => join(REPO, 'node_modules', '.bin', name);

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function mustRun(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.output}`);
  return result.output;
}

describe(`the ${PACKAGE.name} package`, () => {
  const work = mkdtempSync(join(tmpdir(), 'package-test-'));
  const consumer = join(work, 'consumer');
  let packedFiles: string[] = [];
  let compiledFiles = '';

  beforeAll(() => {
    mustRun(BIN('tsc'), ['-p', 'tsconfig.build.json'], REPO);
    const [packed] = JSON.parse(mustRun('npm', ['pack', '--json', '--pack-destination', work], REPO).replace(/^[^[]*/, ''));
    packedFiles = packed.files.map((file: { path: string }) => file.path);

    cpSync(join(REPO, '__tests__', 'fixtures', 'consumer'), consumer, { recursive: true });
    const installed = join(consumer, 'node_modules', PACKAGE.name);
    mkdirSync(installed, { recursive: true });
    mustRun('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1'], work);
    for (const entry of readdirSync(join(REPO, 'node_modules'))) {
      if (entry === PACKAGE.name || entry.startsWith('.')) continue;
      symlinkSync(join(REPO, 'node_modules', entry), join(consumer, 'node_modules', entry));
    }
    // A type error in the consumer fails here, with tsc's message.
    compiledFiles = mustRun(BIN('tsc'), ['-p', 'tsconfig.json', '--listFiles'], consumer);
  });

  it('ships the built library, its declarations, README and CHANGELOG, and nothing else', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']));
    expect(packedFiles.filter((file) => !/^(package\.json|README\.md|CHANGELOG\.md|dist\/.+\.(js|d\.ts))$/.test(file))).toEqual([]);
  });

  it('declares cdktf, constructs and the AWS provider as peers, so a consumer never holds two copies of cdktf', () => {
    for (const peer of ['cdktf', 'constructs', '@cdktf/provider-aws']) {
      expect(PACKAGE.peerDependencies[peer]).toBeDefined();
      expect(PACKAGE.dependencies[peer]).toBeUndefined();
    }
    const fromPackage = realpathSync(require.resolve('cdktf', { paths: [join(consumer, 'node_modules', PACKAGE.name, 'dist')] }));
    const fromConsumer = realpathSync(require.resolve('cdktf', { paths: [consumer] }));
    expect(fromPackage).toBe(fromConsumer);
  });

  it('type-checks a consumer against the shipped declarations, resolved through the exports map', () => {
    expect(compiledFiles).toContain(`/node_modules/${PACKAGE.name}/dist/index.d.ts`);
    expect(compiledFiles).not.toContain(`${REPO}/constructs/`);
  });

  it('synthesizes the four guard constructs imported from the package name', () => {
    mustRun(process.execPath, ['out/main.js'], consumer, { CDKTF_OUTDIR: join(consumer, 'cdktf.out') });
    const stack = JSON.parse(readFileSync(join(consumer, 'cdktf.out', 'stacks', 'ConsumerStack', 'cdk.tf.json'), 'utf8'));
    for (const type of ['aws_s3_bucket', 'aws_lambda_function', 'aws_sfn_state_machine', 'aws_dynamodb_table']) {
      expect(Object.keys(stack.resource[type] ?? {})).toHaveLength(1);
    }
    expect(Object.values<any>(stack.resource.aws_dynamodb_table)[0].hash_key).toBe('pk');
  });

  it('keeps its guards: the seed-1 bucket name is refused at synth, naming the construct, the rule and the fix', () => {
    const result = run(process.execPath, ['out/main.js'], consumer, {
      CDKTF_OUTDIR: join(work, 'refused.out'),
      CONSUMER_BUCKET_NAME: 'TapStack-lambda-code-123456789012',
    });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("SafeBucket at 'ConsumerStack/Code'");
    expect(result.output).toContain('[bucket-name/charset]');
    expect(result.output).toContain('Fix: lowercase the name');
  });
});
